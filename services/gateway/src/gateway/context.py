"""What the gateway's routes and consumers share."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from service_kit.runtime import from_app_state

from gateway.dropbox_files import DropboxFiles
from gateway.events import Events
from gateway.link_source import LinkSource
from gateway.previews import Signer
from gateway.rate_limit import UnknownTokenLimit
from gateway.settings import Settings


@dataclass(frozen=True)
class GatewayContext:
    """Settings, links by token, the owners' Dropbox files, the preview signer, the rate
    limit and the events it publishes."""

    settings: Settings
    links: LinkSource
    dropbox: DropboxFiles
    signer: Signer
    limit: UnknownTokenLimit
    events: Events


GatewayDep = Annotated[GatewayContext, Depends(from_app_state("gateway"))]
