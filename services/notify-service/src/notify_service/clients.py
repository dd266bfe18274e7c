"""Sending over SMTP with retries: transient trouble is retried, then the message waits."""

import asyncio
import logging
from email.message import EmailMessage

import aiosmtplib
from messaging.delivery import RetryLater
from prometheus_client import Counter

from notify_service.settings import Settings

log = logging.getLogger(__name__)

MAILS = Counter(
    "mails_total", "Mails by outcome: sent, rejected, deferred (redelivered)", ["outcome"]
)

TRANSIENT = (
    aiosmtplib.SMTPConnectError,
    aiosmtplib.SMTPTimeoutError,
    aiosmtplib.SMTPServerDisconnected,
    OSError,
)


class MailRejected(Exception):
    """The relay refused the mail for good (a 5xx answer)."""


class SmtpMailer:
    """Sends messages through the configured relay."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, message: EmailMessage) -> None:
        """Deliver to the relay; retried on transient errors, then `RetryLater` (redeliver)."""
        attempts = self.settings.smtp_attempts
        for attempt in range(1, attempts + 1):
            try:
                await self._send_once(message)
                MAILS.labels("sent").inc()
                return
            except aiosmtplib.SMTPResponseException as error:
                if not 400 <= error.code < 500:
                    MAILS.labels("rejected").inc()
                    raise MailRejected(f"{error.code} {error.message}") from error
                problem: Exception = error
            except aiosmtplib.SMTPRecipientsRefused as error:
                if any(not 400 <= r.code < 500 for r in error.recipients):
                    MAILS.labels("rejected").inc()
                    raise MailRejected(str(error)) from error
                problem = error
            except TRANSIENT as error:
                problem = error
            log.warning(
                "SMTP attempt failed",
                extra={"attempt": attempt, "attempts": attempts, "error": repr(problem)},
            )
            if attempt < attempts:
                await asyncio.sleep(self.settings.smtp_backoff_s * 2 ** (attempt - 1))
        MAILS.labels("deferred").inc()
        raise RetryLater(f"SMTP relay unavailable: {problem!r}")

    async def _send_once(self, message: EmailMessage) -> None:
        settings = self.settings
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=password,
            use_tls=settings.smtp_security == "tls",
            start_tls=settings.smtp_security == "starttls",
            timeout=settings.smtp_timeout_s,
        )
