"""What collab.granted does: an in-app notification for a dashboard user, and one mail.

The mail is sent at most once per (event, recipient): `act_once` checks the event's marker
before sending and records it after the relay accepted the mail (before Kafka's commit),
and its lease keeps two instances that got the same message in a rebalance from both
sending (services/notify-service/README.md).
"""

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from contracts import topics
from contracts.events import CollabGranted
from jinja2 import Environment
from messaging.idempotency import act_once, apply_once
from messaging.markers import Purpose, scope
from messaging.transactions import Write
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from notify_service.mail import Sender, grant_context, grant_mail, subject_of
from notify_service.smtp import Mailer
from notify_service.store import NotificationStore

log = logging.getLogger(__name__)


def in_app_notification(event: CollabGranted, sender: Sender) -> dict[str, Any]:
    """The notification a dashboard user sees for a grant (its id follows from the event)."""
    context = grant_context(event, sender)
    return {
        "id": "ntf_" + event.event_id.hex,
        "type": topics.COLLAB_GRANTED,  # the event it tells of
        "title": subject_of(context),
        "owner_id": event.owner_id,
        "owner_name": context["owner_name"],
        "track_id": event.track_id,
        "track_title": context["track_title"],
        "mode": event.mode,
        "message": context["message"],
        "access_url": context["access_url"],
        "created_at": event.occurred_at.isoformat(),
        "read_at": None,
        # Whom the producer addressed it to: shown only to a reader with that address.
        "recipient": recipient_digest(event.collaborator.email),
    }


def recipient_digest(email: str) -> str:
    """An e-mail address as notifications keep it: enough to compare, not to read."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Notifier:
    """Turns grants into notifications and mails."""

    redis: Redis
    store: NotificationStore
    mailer: Mailer
    sender: Sender
    templates: Environment
    consumer: str

    async def notify_in_app(self, event: CollabGranted) -> bool:
        """Store the user's notification once; False when the event was applied before."""
        user_id = event.collaborator.user_id
        if user_id is None:
            return False
        notification = in_app_notification(event, self.sender)
        at_ms = int(event.occurred_at.timestamp() * 1000)

        def write(pipe: Pipeline) -> None:
            self.store.add(pipe, user_id, notification, at_ms)

        return await apply_once(
            self.redis,
            consumer=scope(self.consumer, Purpose.IN_APP),
            event_id=event.event_id,
            write=write,
            tag=self.store.tag(user_id),
        )

    async def send_mail_once(self, event: CollabGranted) -> bool:
        """Mail the collaborator unless this event's mail to them went out; True when sent now."""
        recipient = hashlib.sha256(event.collaborator.email.lower().encode()).hexdigest()[:24]

        async def send() -> Write:
            await self.mailer.send(grant_mail(event, self.sender, self.templates))
            return lambda pipe: None  # the marker is the only record of the mail

        sent = await act_once(
            self.redis,
            consumer=scope(self.consumer, Purpose.MAIL, recipient),
            event_id=event.event_id,
            act=send,
            exclusive=True,
        )
        if sent:
            log.info(
                "mailed collaborator %s of track %s",
                event.collaborator.collaborator_id,
                event.track_id,
            )
        return sent
