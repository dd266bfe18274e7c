"""The invitation mail of collab.granted, the templates, and how every mail of the service
is put together (`compose`).

What the mail shows is cleaned first (domain.grant_context: no control characters in
headers); addresses are built with `Address`, never by concatenation.
"""

from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from contracts.events import CollabGranted
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from notify_service.domain import Sender, address_digest, grant_context, header_text, subject_of

# The Message-ID's recipient part: 16 hex digits of the address's digest.
MESSAGE_ID_DIGEST_LENGTH = 16


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


@dataclass(frozen=True)
class Envelope:
    """Who a mail is from and to, when it was sent, and its Message-ID's local part (the same
    for the same event and recipient, so receivers can spot repeats)."""

    subject: str
    from_name: str
    to: Address
    sent_at: datetime
    message_key: str


def compose(
    envelope: Envelope, sender: Sender, env: Environment, template: str, context: dict[str, Any]
) -> EmailMessage:
    """A mail of `template` (its `.txt` with the `.html` as an alternative) rendered with
    `context`, from the service's address."""
    mail = EmailMessage()
    mail["Subject"] = envelope.subject
    mail["From"] = Address(display_name=envelope.from_name, addr_spec=sender.address)
    mail["To"] = envelope.to
    mail["Date"] = format_datetime(envelope.sent_at)
    domain = sender.address.rpartition("@")[2]
    mail["Message-ID"] = f"<{envelope.message_key}@{domain}>"
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(env.get_template(f"{template}.txt").render(context))
    mail.add_alternative(env.get_template(f"{template}.html").render(context), subtype="html")
    return mail


def grant_mail(
    event: CollabGranted, sender: Sender, env: Environment, *, sent_at: datetime
) -> EmailMessage:
    """The invitation for the event's collaborator, dated `sent_at`: plain text with an HTML
    alternative."""
    context = grant_context(event, sender)
    kind = "user" if context["is_user"] else "invite"
    recipient = address_digest(event.collaborator.email, MESSAGE_ID_DIGEST_LENGTH)
    envelope = Envelope(
        subject=subject_of(context),
        from_name=header_text(f"{context['owner_name']} via {sender.name}"),
        to=Address(display_name=context["collaborator_name"], addr_spec=event.collaborator.email),
        sent_at=sent_at,
        message_key=f"{event.event_id.hex}.{recipient}",
    )
    return compose(envelope, sender, env, f"collab_granted_{kind}", context)
