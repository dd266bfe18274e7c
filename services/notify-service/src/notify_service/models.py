"""The HTTP models of notify-service's API."""

from datetime import datetime

from pydantic import BaseModel

from notify_service.domain import Notification


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

    @classmethod
    def of(cls, notification: Notification) -> "NotificationPublic":
        """What a reader sees of a notification (not whom it was addressed to)."""
        return cls.model_validate(
            notification.model_dump(exclude={"recipient"}) | {"read": notification.read}
        )


class NotificationsPublic(BaseModel):
    """A page of notifications, newest first."""

    items: list[NotificationPublic]
    next_cursor: str | None
