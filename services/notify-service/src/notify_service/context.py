"""What notify-service's routes and consumers share."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from service_kit.runtime import Runtime

from notify_service.notifications import Notifier
from notify_service.store import NotificationStore


@dataclass(frozen=True)
class NotifyContext:
    """The runtime, the notification store and the notifier."""

    runtime: Runtime
    store: NotificationStore
    notifier: Notifier


def notify_context(request: Request) -> NotifyContext:
    """The running service's context (a FastAPI dependency)."""
    context: NotifyContext = request.app.state.notify
    return context


NotifyDep = Annotated[NotifyContext, Depends(notify_context)]
