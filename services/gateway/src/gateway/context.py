"""What the gateway's routes share."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from service_kit.runtime import from_app_state

from gateway.console.services import ConsoleApi
from gateway.settings import Settings
from gateway.shares import Shares


@dataclass(frozen=True)
class GatewayContext:
    """Settings, the share links as visitors reach them, and the services' APIs as the
    console calls them."""

    settings: Settings
    shares: Shares
    console: ConsoleApi


GatewayDep = Annotated[GatewayContext, Depends(from_app_state("gateway"))]
