"""The invitation mail of collab.granted: templates, header safety, the message itself.

Names and titles come from other people: before they reach a header they lose every
control, format and line/paragraph-separator character (CR, LF, NEL, U+2028, bidi
overrides, zero-width), and addresses are built with `Address`, never by concatenation.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from contracts.events import CollabGranted
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

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


def templates() -> Environment:
    """The package's mail templates; HTML ones autoescaped, plain-text ones not."""
    return Environment(
        loader=PackageLoader("notify_service", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


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


def message_id(event: CollabGranted, sender: Sender) -> str:
    """The same Message-ID for the same event and recipient, so receivers can spot repeats."""
    recipient = hashlib.sha256(event.collaborator.email.lower().encode()).hexdigest()[:16]
    domain = sender.address.rpartition("@")[2]
    return f"<{event.event_id.hex}.{recipient}@{domain}>"


def grant_mail(event: CollabGranted, sender: Sender, env: Environment) -> EmailMessage:
    """The invitation for the event's collaborator: plain text with an HTML alternative."""
    context = grant_context(event, sender)
    kind = "user" if context["is_user"] else "invite"
    mail = EmailMessage()
    mail["Subject"] = subject_of(context)
    mail["From"] = Address(
        display_name=header_text(f"{context['owner_name']} via {sender.name}"),
        addr_spec=sender.address,
    )
    mail["To"] = Address(
        display_name=context["collaborator_name"], addr_spec=event.collaborator.email
    )
    mail["Date"] = format_datetime(datetime.now(UTC))
    mail["Message-ID"] = message_id(event, sender)
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(env.get_template(f"collab_granted_{kind}.txt").render(context))
    mail.add_alternative(
        env.get_template(f"collab_granted_{kind}.html").render(context), subtype="html"
    )
    return mail
