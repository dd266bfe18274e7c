"""The caller's in-app notifications (DESIGN §9)."""

from datetime import UTC, datetime
from typing import Annotated

from contracts.auth import Principal
from contracts.ids import NOTIFICATION_ID_PATTERN
from fastapi import APIRouter, Path
from pydantic import BaseModel
from service_kit.auth import CurrentOwner
from service_kit.openapi import problem_responses
from service_kit.pagination import PageDep
from service_kit.problems import Problem

from notify_service.context import NotifyDep
from notify_service.notifications import recipient_digest

router = APIRouter(
    prefix="/v1/notifications", tags=["notifications"], responses=problem_responses(401, 422, 503)
)


class NotificationPublic(BaseModel):
    """One notification: a producer shared a track with the caller."""

    id: str
    type: str
    title: str
    owner_id: str
    owner_name: str
    track_id: str
    track_title: str
    mode: str
    message: str | None
    access_url: str | None
    created_at: datetime
    read_at: datetime | None
    read: bool


class NotificationsPublic(BaseModel):
    """A page of notifications, newest first."""

    items: list[NotificationPublic]
    next_cursor: str | None


def _addressed_to(notification: dict[str, object], reader: Principal) -> bool:
    """A collaborator's `user_id` comes from the producer's catalog, so it is not trusted
    alone: when the reader's token names their e-mail, a notification addressed to another
    address is not theirs (README, notify-service: whom a notification reaches)."""
    recipient = notification.get("recipient")
    if reader.email is None or recipient is None:
        return True
    return recipient == recipient_digest(reader.email)


def _public(notification: dict[str, object]) -> NotificationPublic:
    return NotificationPublic.model_validate(
        notification | {"read": notification["read_at"] is not None}
    )


@router.get("")
async def list_notifications(
    owner: CurrentOwner, context: NotifyDep, page: PageDep, unread: bool = False
) -> NotificationsPublic:
    """The caller's notifications (only unread ones with `?unread=true`), newest first."""
    items, next_cursor = await context.store.page(
        owner.user_id, unread=unread, limit=page.limit, after=page.after
    )
    shown = [_public(n) for n in items if _addressed_to(n, owner)]
    return NotificationsPublic(items=shown, next_cursor=next_cursor)


@router.post("/{notification_id}/read", responses=problem_responses(404))
async def mark_notification_read(
    notification_id: Annotated[str, Path(pattern=NOTIFICATION_ID_PATTERN)],
    owner: CurrentOwner,
    context: NotifyDep,
) -> NotificationPublic:
    """Mark one of the caller's notifications read (again: no change)."""
    notification = await context.store.get(owner.user_id, notification_id)
    if notification is None or not _addressed_to(notification, owner):
        raise Problem.not_found("notification")
    if notification["read_at"] is None:
        notification["read_at"] = datetime.now(UTC).isoformat()
        await context.store.mark_read(owner.user_id, notification)
    return _public(notification)
