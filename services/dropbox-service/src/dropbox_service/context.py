"""What the dropbox-service's routes and consumers share."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from service_kit.runtime import Runtime, from_app_state

from dropbox_service.catalog import Catalog
from dropbox_service.clients import DropboxCalls
from dropbox_service.services.connections import Connections
from dropbox_service.services.grants import Grants
from dropbox_service.services.temporary_links import TemporaryLinks
from dropbox_service.settings import Settings


@dataclass(frozen=True)
class DropboxContext:
    """The runtime, the service's settings, and its core: the connections, the temporary
    links and the collaborators' grants (`calls` is the SDK pool they share, `catalog`
    link-service's client the grants check shares with; both closed at shutdown)."""

    runtime: Runtime
    settings: Settings
    connections: Connections
    links: TemporaryLinks
    grants: Grants
    calls: DropboxCalls
    catalog: Catalog


DropboxDep = Annotated[DropboxContext, Depends(from_app_state("dropbox"))]
