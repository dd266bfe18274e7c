"""What notify-service does: on collab.granted an in-app notification for a dashboard user
and one mail; on share.created and share.updated one mail to each recipient a producer
asked to be mailed (their own URL); on share.alert the link's owner's notification and
mail; for a reader, their notifications and marking one read.

The mail is sent at most once per (event, recipient): `act_once` checks the event's marker
before sending and records it after the relay accepted the mail (before Kafka's commit),
and its lease keeps two instances that got the same message in a rebalance from both
sending (services/notify-service/README.md).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol
from uuid import UUID

from contracts.clock import Clock
from contracts.events import CollabGranted, RecipientLink, ShareAlert, ShareCreated, ShareUpdated
from jinja2 import Environment
from messaging.idempotency import act_once, apply_once
from messaging.markers import Purpose, scope
from messaging.transactions import Write
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from service_kit.pagination import PageParams

from notify_service.alert_mail import alert_mail, alert_notification
from notify_service.domain import Notification, Sender, address_digest, in_app_notification
from notify_service.link_mail import link_mail, recipients_of
from notify_service.mail import grant_mail
from notify_service.store import NotificationStore

log = logging.getLogger(__name__)

# The mail marker's recipient part (services/notify-service/README.md): 24 hex digits.
MARKER_DIGEST_LENGTH = 24


class Mailer(Protocol):
    """Hands a message to a mail relay (smtp.SmtpMailer; tests record instead)."""

    async def send(self, message: EmailMessage) -> None:
        """Deliver `message`, or raise."""


@dataclass(frozen=True)
class Notifier:
    """Turns grants into notifications and mails, and answers readers."""

    redis: Redis
    store: NotificationStore
    mailer: Mailer
    sender: Sender
    templates: Environment
    consumer: str
    clock: Clock

    async def notify_in_app(self, event: CollabGranted) -> bool:
        """Store the user's notification once; False when the event was applied before."""
        user_id = event.collaborator.user_id
        if user_id is None:
            return False
        return await self._store_once(
            user_id, event.event_id, in_app_notification(event, self.sender)
        )

    async def send_mail_once(self, event: CollabGranted) -> bool:
        """Mail the collaborator unless this event's mail to them went out; True when sent now."""
        recipient = address_digest(event.collaborator.email, MARKER_DIGEST_LENGTH)
        sent = await self._mail_once(
            recipient,
            event.event_id,
            lambda: grant_mail(event, self.sender, self.templates, sent_at=self.clock()),
        )
        if sent:
            ids = {"owner_id": event.owner_id, "track_id": event.track_id}
            log.info(
                "mailed the collaborator",
                extra=ids | {"collaborator_id": event.collaborator.collaborator_id},
            )
        return sent

    async def send_link_mails(self, event: ShareCreated | ShareUpdated) -> int:
        """Mail each recipient the event asks to be mailed their own URL, unless this event's
        mail to them went out; how many were sent now. A failure raises after the mails
        before it went out (the redelivery sends only the rest)."""
        sent = 0
        for recipient in recipients_of(event):

            def mail(recipient: RecipientLink = recipient) -> EmailMessage:
                return link_mail(
                    event, recipient, self.sender, self.templates, sent_at=self.clock()
                )

            if await self._mail_once(recipient.recipient_id, event.event_id, mail):
                sent += 1
                ids = {"owner_id": event.owner_id, "link_id": event.link_id}
                log.info("mailed a recipient", extra=ids | {"recipient_id": recipient.recipient_id})
        return sent

    async def alert_owner(self, event: ShareAlert) -> None:
        """The owner's notification under the bell, stored once, and one mail when their
        address is known; a leak guard's alert too, whatever its action."""
        notification = alert_notification(event, self.sender)
        await self._store_once(event.owner_id, event.event_id, notification)
        if (address := event.owner_email) is None:
            return

        def mail() -> EmailMessage:
            return alert_mail(event, address, self.sender, self.templates, sent_at=self.clock())

        if await self._mail_once("owner", event.event_id, mail):
            log.info(
                "mailed the owner an alert",
                extra={"owner_id": event.owner_id, "link_id": event.link_id, "kind": event.kind},
            )

    async def _store_once(self, user_id: str, event_id: UUID, notification: Notification) -> bool:
        """Store the user's notification of `event_id` unless it was stored before."""

        def write(pipe: Pipeline) -> None:
            self.store.add(pipe, user_id, notification)

        return await apply_once(
            self.redis,
            consumer=scope(self.consumer, Purpose.IN_APP),
            event_id=event_id,
            write=write,
            tag=self.store.tag(user_id),
        )

    async def _mail_once(
        self, recipient: str, event_id: UUID, mail: Callable[[], EmailMessage]
    ) -> bool:
        """Send `mail()` unless this event's mail to `recipient` (the marker's qualifier)
        went out; True when sent now."""

        async def send() -> Write:
            await self.mailer.send(mail())
            return lambda pipe: None  # the marker is the only record of the mail

        return await act_once(
            self.redis,
            consumer=scope(self.consumer, Purpose.MAIL, recipient),
            event_id=event_id,
            act=send,
            exclusive=True,
        )

    async def notifications(
        self, user_id: str, email: str | None, page: PageParams, *, unread: bool = False
    ) -> tuple[list[Notification], str | None]:
        """A page of the reader's notifications (those sent to `email` when the token names
        one), newest first, and the next cursor."""
        return await self.store.page(
            user_id,
            recipient=address_digest(email) if email is not None else None,
            unread=unread,
            limit=page.limit,
            after=page.after,
        )

    async def mark_read(
        self, user_id: str, email: str | None, notification_id: str
    ) -> Notification | None:
        """Mark one of the reader's notifications read (again: unchanged); None if not theirs."""
        return await self.store.mark_read(user_id, notification_id, email=email, at=self.clock())
