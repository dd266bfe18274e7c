"""The kept messages, and how a received message is turned into what the API shows."""

import itertools
from collections import deque
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any


def parse_message(raw: bytes, mail_from: str, rcpt_tos: list[str]) -> dict[str, Any]:
    """A received message as the API shows it: envelope recipients, subject, text and HTML."""
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)  # policy.default always builds EmailMessage
    return {
        "mail_from": mail_from,
        "to": list(rcpt_tos),
        "subject": str(message.get("subject", "")),
        "text": _part(message, "plain"),
        "html": _part(message, "html"),
        "headers": [[name, str(value)] for name, value in message.items()],
    }


def _part(message: EmailMessage, subtype: str) -> str | None:
    body = message.get_body(preferencelist=(subtype,))
    if body is None or body.get_content_subtype() != subtype:
        return None
    content = body.get_content()
    text = content if isinstance(content, str) else content.decode(errors="replace")
    return text.replace("\r\n", "\n")


class Mailbox:
    """Every message received, oldest first, up to `limit` (then the oldest go)."""

    def __init__(self, limit: int = 10_000) -> None:
        self._messages: deque[dict[str, Any]] = deque(maxlen=limit)
        self._ids = itertools.count(1)

    def add(self, raw: bytes, mail_from: str, rcpt_tos: list[str]) -> dict[str, Any]:
        """Keep one received message; answer it as the API shows it."""
        shown = {"id": next(self._ids), "received_at": datetime.now(UTC).isoformat()}
        shown |= parse_message(raw, mail_from, rcpt_tos)
        self._messages.append(shown)
        return shown

    def all(self) -> list[dict[str, Any]]:
        """Every kept message, oldest first."""
        return list(self._messages)

    def clear(self) -> int:
        """Forget every message; answer how many there were."""
        count = len(self._messages)
        self._messages.clear()
        return count
