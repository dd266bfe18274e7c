"""What the gateway's routes share."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from service_kit.runtime import from_app_state

from gateway.settings import Settings
from gateway.shares import Shares


@dataclass(frozen=True)
class GatewayContext:
    """Settings, and the share links as visitors reach them."""

    settings: Settings
    shares: Shares


GatewayDep = Annotated[GatewayContext, Depends(from_app_state("gateway"))]
