"""The notify-service's application."""

from fastapi import FastAPI
from service_kit.app import build_runtime, create_service_app

from notify_service import consumers
from notify_service.api import notifications
from notify_service.context import NotifyContext
from notify_service.mail import Sender, templates
from notify_service.notifications import Notifier
from notify_service.settings import Settings
from notify_service.smtp import Mailer
from notify_service.store import NotificationStore


def create_app(settings: Settings) -> FastAPI:
    """Build the notify-service app from `settings`."""
    runtime = build_runtime(settings)
    store = NotificationStore(runtime.redis, settings.key_prefix)
    sender = Sender(str(settings.mail_from_address), settings.mail_from_name, settings.console_url)
    notifier = Notifier(
        redis=runtime.redis,
        store=store,
        mailer=Mailer(settings),
        sender=sender,
        templates=templates(),
        consumer=settings.consumer_group,
    )
    context = NotifyContext(runtime, store, notifier)
    consumers.register(context)
    app = create_service_app(runtime, title="Notify service", routers=(notifications.router,))
    app.state.notify = context
    return app
