"""What a link's owner is told (DESIGN §16 "Owner alerts"), in the bell and by mail: a
recipient's first open, a download, a suspected leak, yesterday's digest. Names and
titles are cleaned as the other mails' are (domain.header_text, web_url).
"""

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any

from contracts import topics
from contracts.events import ShareAlert
from jinja2 import Environment

from notify_service.domain import Notification, Sender, header_text, web_url
from notify_service.mail import Envelope, compose

FILE_TYPES = {"audio": "the audio", "project": "the project files", "other": "a file"}


def alert_context(event: ShareAlert, sender: Sender) -> dict[str, Any]:
    """What the templates show, every value cleaned; `headline` is the subject too."""
    who = header_text(event.recipient_name or "") or "Someone with the link"
    title = header_text(event.title or "") or "your link"
    quoted = f"“{title}”" if event.title else title
    console = web_url(sender.console_url)
    headline, detail = _told(event, who, quoted)
    return {
        "headline": header_text(headline, 200),
        "detail": detail,
        "who": who,
        "title": title,
        "digest": [
            line.model_copy(update={"title": header_text(line.title or "") or "Untitled"})
            for line in event.digest
        ],
        "day": event.day,
        "link_url": f"{console}/links/{event.link_id}" if console and event.link_id else console,
        "service": sender.name,
    }


def _told(event: ShareAlert, who: str, quoted: str) -> tuple[str, str | None]:
    match event.kind:
        case "first_open":
            return f"{who} opened {quoted}", None
        case "download":
            what = FILE_TYPES.get(event.file_type or "", "a file")
            return f"{who} downloaded {what} of {quoted}", None
        case "leak_suspected":
            scope = "their link" if event.recipient_id else quoted
            done = (
                "It has been disabled: it no longer opens for anyone."
                if event.action == "disable"
                else "It still works; revoke it from the link's page if it should not."
            )
            return (
                f"{quoted} may have been passed on",
                f"{event.visitors} different people opened {scope}"
                + (f" (sent to {who})" if event.recipient_id else "")
                + f". {done}",
            )
        case _:
            lines = [
                f"{header_text(line.title or '') or 'Untitled'}: {line.views} views, "
                f"{line.plays} plays, {line.downloads} downloads"
                for line in event.digest
            ]
            return f"Yesterday on your share links ({event.day})", "; ".join(lines) or None


def alert_notification(event: ShareAlert, sender: Sender) -> Notification:
    """The owner's notification under the bell (its id follows from the event)."""
    context = alert_context(event, sender)
    return Notification(
        id="ntf_" + event.event_id.hex,
        type=topics.SHARE_ALERT,
        title=context["headline"],
        owner_id=event.owner_id,
        owner_name=context["who"],
        track_title=context["title"],
        message=context["detail"],
        access_url=None,
        link_id=event.link_id,
        created_at=event.occurred_at,
    )


def alert_mail(
    event: ShareAlert, to: str, sender: Sender, env: Environment, *, sent_at: datetime
) -> EmailMessage:
    """The owner's mail to `to`: plain text with an HTML alternative, one Message-ID per
    alert."""
    context = alert_context(event, sender)
    envelope = Envelope(
        subject=context["headline"],
        from_name=sender.name,
        to=Address(addr_spec=to),
        sent_at=sent_at,
        message_key=f"{event.event_id.hex}.owner",
    )
    return compose(envelope, sender, env, "owner_alert", context)
