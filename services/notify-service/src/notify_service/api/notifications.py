"""The caller's in-app notifications (DESIGN §9)."""

from typing import Annotated

from contracts.ids import NOTIFICATION_ID_PATTERN
from fastapi import APIRouter, Path
from service_kit.auth import CurrentOwner
from service_kit.openapi import problem_responses
from service_kit.pagination import PageDep
from service_kit.problems import Problem

from notify_service.context import NotifyDep
from notify_service.models import NotificationPublic, NotificationsPublic

router = APIRouter(
    prefix="/v1/notifications", tags=["notifications"], responses=problem_responses(401, 422, 503)
)


@router.get("")
async def list_notifications(
    owner: CurrentOwner, context: NotifyDep, page: PageDep, unread: bool = False
) -> NotificationsPublic:
    """The caller's notifications (only unread ones with `?unread=true`), newest first."""
    items, next_cursor = await context.notifier.notifications(
        owner.user_id, owner.email, page, unread=unread
    )
    return NotificationsPublic(
        items=[NotificationPublic.of(n) for n in items], next_cursor=next_cursor
    )


@router.post("/{notification_id}/read", responses=problem_responses(404))
async def mark_notification_read(
    notification_id: Annotated[str, Path(pattern=NOTIFICATION_ID_PATTERN)],
    owner: CurrentOwner,
    context: NotifyDep,
) -> NotificationPublic:
    """Mark one of the caller's notifications read (again: no change)."""
    notification = await context.notifier.mark_read(owner.user_id, owner.email, notification_id)
    if notification is None:
        raise Problem.not_found("notification")
    return NotificationPublic.of(notification)
