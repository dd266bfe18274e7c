"""The HTTP models of notify-service's API."""

from pydantic import BaseModel

from notify_service.domain import Notification, NotificationContent


class NotificationPublic(NotificationContent):
    """One notification: a producer shared a track with the caller (`type` collab.granted),
    or one of the caller's links raised an alert (`type` share.alert, with its `link_id`)."""

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
