"""The invitation mail of collab.granted: its templates and the message itself.

What the mail shows is cleaned first (domain.grant_context: no control characters in
headers); addresses are built with `Address`, never by concatenation.
"""

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

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


def message_id(event: CollabGranted, sender: Sender) -> str:
    """The same Message-ID for the same event and recipient, so receivers can spot repeats."""
    recipient = address_digest(event.collaborator.email, MESSAGE_ID_DIGEST_LENGTH)
    domain = sender.address.rpartition("@")[2]
    return f"<{event.event_id.hex}.{recipient}@{domain}>"


def grant_mail(
    event: CollabGranted, sender: Sender, env: Environment, *, sent_at: datetime
) -> EmailMessage:
    """The invitation for the event's collaborator, dated `sent_at`: plain text with an HTML
    alternative."""
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
    mail["Date"] = format_datetime(sent_at)
    mail["Message-ID"] = message_id(event, sender)
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(env.get_template(f"collab_granted_{kind}.txt").render(context))
    mail.add_alternative(
        env.get_template(f"collab_granted_{kind}.html").render(context), subtype="html"
    )
    return mail
