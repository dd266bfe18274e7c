"""The notify-service's application."""

from contracts.clock import Clock, utc_now
from fastapi import FastAPI
from service_kit.app import build_runtime, create_service_app
from service_kit.runtime import Runtime

from notify_service import consumers
from notify_service.api import notifications
from notify_service.clients import SmtpMailer
from notify_service.context import NotifyContext
from notify_service.domain import Sender
from notify_service.mail import templates
from notify_service.service import Mailer, Notifier
from notify_service.settings import Settings
from notify_service.store import NotificationStore


def create_app(settings: Settings) -> FastAPI:
    """Build the notify-service app from `settings`."""
    runtime = build_runtime(settings)
    context = notify_context(runtime, settings, SmtpMailer(settings), utc_now)
    consumers.register(context)
    app = create_service_app(runtime, title="Notify service", routers=(notifications.router,))
    app.state.notify = context
    return app


def notify_context(
    runtime: Runtime, settings: Settings, mailer: Mailer, clock: Clock
) -> NotifyContext:
    """The service's core on `runtime`, sending with `mailer` (tests build it in-process)."""
    sender = Sender(str(settings.mail_from_address), settings.mail_from_name, settings.console_url)
    notifier = Notifier(
        redis=runtime.redis,
        store=NotificationStore(runtime.redis, settings.service_key_prefix),
        mailer=mailer,
        sender=sender,
        templates=templates(),
        consumer=settings.marker_group,
        clock=clock,
    )
    return NotifyContext(runtime, notifier)
