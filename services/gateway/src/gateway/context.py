"""What the gateway's routes and consumers share."""

from dataclasses import dataclass
from typing import Annotated

from contracts.clock import Clock
from fastapi import Depends
from service_kit.runtime import Runtime, from_app_state

from gateway.clients import ConsoleApi
from gateway.service import Shares
from gateway.settings import Settings


@dataclass(frozen=True)
class GatewayContext:
    """The runtime, the settings, the share links as visitors reach them, the services'
    APIs as the console calls them, and the clock."""

    runtime: Runtime
    settings: Settings
    shares: Shares
    console: ConsoleApi
    clock: Clock


GatewayDep = Annotated[GatewayContext, Depends(from_app_state("gateway"))]
