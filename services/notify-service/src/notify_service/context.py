"""What notify-service's routes and consumers share."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from service_kit.runtime import Runtime, from_app_state

from notify_service.service import Notifier


@dataclass(frozen=True)
class NotifyContext:
    """The runtime and the notifier."""

    runtime: Runtime
    notifier: Notifier


NotifyDep = Annotated[NotifyContext, Depends(from_app_state("notify"))]
