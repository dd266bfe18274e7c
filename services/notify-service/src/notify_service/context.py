"""What notify-service's routes and consumers share."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from service_kit.runtime import Runtime, from_app_state

from notify_service.notifications import Notifier
from notify_service.store import NotificationStore


@dataclass(frozen=True)
class NotifyContext:
    """The runtime, the notification store and the notifier."""

    runtime: Runtime
    store: NotificationStore
    notifier: Notifier


NotifyDep = Annotated[NotifyContext, Depends(from_app_state("notify"))]
