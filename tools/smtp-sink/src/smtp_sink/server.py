"""SMTP and HTTP on one event loop until cancelled."""

import asyncio
import logging

import uvicorn
from aiosmtpd.smtp import SMTP, Envelope, Session

from smtp_sink.mailbox import Mailbox
from smtp_sink.settings import Settings
from smtp_sink.web import create_web_app

log = logging.getLogger("smtp_sink")


class KeepEverything:
    """aiosmtpd handler: every message is accepted and kept."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Keep the message as received."""
        raw = envelope.original_content or b""
        if isinstance(raw, str):
            raw = raw.encode()
        kept = self.mailbox.add(raw, str(envelope.mail_from), list(envelope.rcpt_tos))
        log.info("kept message %s to %s: %s", kept["id"], kept["to"], kept["subject"])
        return "250 Message accepted for delivery"


async def serve(settings: Settings) -> None:
    """Listen for SMTP and HTTP until cancelled."""
    mailbox = Mailbox(settings.max_messages)
    handler = KeepEverything(mailbox)
    loop = asyncio.get_running_loop()
    smtp = await loop.create_server(
        lambda: SMTP(handler, enable_SMTPUTF8=True, hostname="smtp-sink"),
        host=settings.host,
        port=settings.smtp_port,
    )
    config = uvicorn.Config(
        create_web_app(mailbox),
        host=settings.host,
        port=settings.web_port,
        log_level="warning",
        access_log=False,
    )
    log.info(
        "SMTP on %s:%d, web on http://%s:%d",
        settings.host,
        settings.smtp_port,
        settings.host,
        settings.web_port,
    )
    try:
        await uvicorn.Server(config).serve()
    finally:
        smtp.close()
        await smtp.wait_closed()
