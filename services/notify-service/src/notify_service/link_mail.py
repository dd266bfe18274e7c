"""The mail of a share link sent to its recipients (DESIGN §16): each recipient's own URL,
the producer's message and the titles, on share.created or share.updated.

What the mail shows is cleaned first (domain.header_text, body_text, web_url), as the
invitations' are; addresses are built with `Address`, never by concatenation.
"""

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any

from contracts.events import RecipientLink, ShareCreated, ShareUpdated
from jinja2 import Environment

from notify_service.domain import Sender, body_text, header_text, web_url
from notify_service.mail import Envelope, compose

# Titles a mail lists; a longer playlist says how many more.
TITLES_LISTED = 10


def recipients_of(event: ShareCreated | ShareUpdated) -> list[RecipientLink]:
    """Whom the event asks to be mailed: none unless `send_emails`."""
    if not event.send_emails:
        return []
    return event.recipients if isinstance(event, ShareCreated) else event.recipients_added


def link_context(
    event: ShareCreated | ShareUpdated, recipient: RecipientLink, sender: Sender
) -> dict[str, Any]:
    """What the templates show, every value cleaned."""
    titles = [header_text(track.title) or "Untitled" for track in event.tracks]
    return {
        "owner_name": header_text(event.owner_name or "") or "A producer",
        "title": header_text(event.title or "") or (titles[0] if len(titles) == 1 else ""),
        "titles": titles[:TITLES_LISTED],
        "more": max(0, len(titles) - TITLES_LISTED),
        "message": body_text(event.message),
        "recipient_name": header_text(recipient.name) or recipient.email,
        "url": web_url(recipient.url),
        "service": sender.name,
    }


def link_subject(context: dict[str, Any]) -> str:
    """Who sent what: the link's title, else how many tracks."""
    count = len(context["titles"]) + context["more"]
    what = f"“{context['title']}”" if context["title"] else f"{count} tracks"
    return header_text(f"{context['owner_name']} sent you {what}", 200)


def link_mail(
    event: ShareCreated | ShareUpdated,
    recipient: RecipientLink,
    sender: Sender,
    env: Environment,
    *,
    sent_at: datetime,
) -> EmailMessage:
    """The recipient's mail with their own URL: plain text with an HTML alternative. The
    same Message-ID for the same event and recipient, so receivers can spot repeats."""
    context = link_context(event, recipient, sender)
    envelope = Envelope(
        subject=link_subject(context),
        from_name=header_text(f"{context['owner_name']} via {sender.name}"),
        to=Address(display_name=context["recipient_name"], addr_spec=recipient.email),
        sent_at=sent_at,
        message_key=f"{event.event_id.hex}.{recipient.recipient_id}",
    )
    return compose(envelope, sender, env, "share_link", context)
