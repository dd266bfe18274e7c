"""Notifications and the grant as the service shows them, and the rules about them: pure
(the clock and the event come in; nothing is read, written or sent here).

Names and titles come from other people: before they reach a header they lose every
control, format and line/paragraph-separator character (CR, LF, NEL, U+2028, bidi
overrides, zero-width).
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contracts import topics
from contracts.events import CollabGranted
from contracts.ids import digest
from pydantic import BaseModel, ConfigDict

MAX_HEADER_TEXT = 120
MAX_MESSAGE = 2000
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Sender:
    """Who the mails come from, and where they send dashboard users."""

    address: str
    name: str
    console_url: str


def header_text(value: str, limit: int = MAX_HEADER_TEXT) -> str:
    """One line of text safe for a header: no control or invisible characters, spaces folded."""
    kept = "".join(" " if _unsafe(c) else c for c in unicodedata.normalize("NFC", value))
    line = _SPACES.sub(" ", kept).strip()
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def body_text(value: str | None, limit: int = MAX_MESSAGE) -> str | None:
    """A multi-line note for a body: line breaks kept, other control characters dropped."""
    if not value:
        return None
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    text = "\n".join(header_text(line, limit) for line in lines).strip()
    return text[:limit] or None


def _unsafe(char: str) -> bool:
    return unicodedata.category(char)[0] == "C" or unicodedata.category(char) in ("Zl", "Zp")


def web_url(value: str | None) -> str | None:
    """`value` when it is an http(s) URL without spaces, else None (never a javascript: link)."""
    if value and re.fullmatch(r"https?://[^\s<>\"']+", value):
        return value
    return None


def grant_context(event: CollabGranted, sender: Sender) -> dict[str, Any]:
    """What the templates show, every value cleaned."""
    person = event.collaborator
    return {
        "owner_name": header_text(event.owner_name) or "A producer",
        "track_title": header_text(event.track_title) or "a track",
        "collaborator_name": header_text(person.name) or person.email,
        "email": person.email,
        "message": body_text(event.message),
        "mode": event.mode,
        "access_url": web_url(event.access_url),
        "console_url": web_url(sender.console_url),
        "is_user": person.user_id is not None,
    }


def subject_of(context: dict[str, Any]) -> str:
    """The subject line: who shared which track."""
    return header_text(f"{context['owner_name']} shared “{context['track_title']}” with you", 200)


class NotificationContent(BaseModel):
    """What a notification says: the stored record and the readers' view share it."""

    id: str
    type: str
    title: str
    owner_id: str
    owner_name: str
    # A grant's (collab.granted) track and how it was shared; an alert's link (share.alert).
    track_id: str | None = None
    track_title: str
    mode: str | None = None
    link_id: str | None = None
    message: str | None
    access_url: str | None
    created_at: datetime
    read_at: datetime | None


class Notification(NotificationContent):
    """One in-app notification: a producer shared a track with a dashboard user, or one of
    a producer's links raised an alert they asked for."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    read_at: datetime | None = None
    # Whom the producer addressed it to (`address_digest`): never the address itself.
    recipient: str | None = None

    @property
    def read(self) -> bool:
        """Whether its reader has marked it read."""
        return self.read_at is not None


def address_digest(email: str, length: int = 32) -> str:
    """An e-mail address as this service keeps it (notifications, mail markers, Message-IDs):
    enough to compare, not to read. Each use keeps the length it always had (32 stored in
    notifications, 24 in mail markers, 16 in Message-IDs), as stored values must still match."""
    return digest(email.strip().lower(), length)


def in_app_notification(event: CollabGranted, sender: Sender) -> Notification:
    """The notification a dashboard user sees for a grant (its id follows from the event)."""
    context = grant_context(event, sender)
    return Notification(
        id="ntf_" + event.event_id.hex,
        type=topics.COLLAB_GRANTED,  # the event it tells of
        title=subject_of(context),
        owner_id=event.owner_id,
        owner_name=context["owner_name"],
        track_id=event.track_id,
        track_title=context["track_title"],
        mode=event.mode,
        message=context["message"],
        access_url=context["access_url"],
        created_at=event.occurred_at,
        recipient=address_digest(event.collaborator.email),
    )


def addressed_to(notification: Notification, email: str | None) -> bool:
    """A collaborator's `user_id` comes from the producer's catalog, so it is not trusted
    alone: when the reader's token names their e-mail, a notification addressed to another
    address is not theirs (README, notify-service: whom a notification reaches)."""
    if email is None or notification.recipient is None:
        return True
    return notification.recipient == address_digest(email)


def marked_read(notification: Notification, at: datetime) -> Notification:
    """The notification read at `at`; one read before keeps the time it was first read."""
    if notification.read_at is not None:
        return notification
    return notification.model_copy(update={"read_at": at})
