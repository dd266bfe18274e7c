"""What the dropbox-service's routes and consumers share."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from service_kit.runtime import Runtime, from_app_state

from dropbox_service.connections import Connections
from dropbox_service.dropbox_api import DropboxCalls
from dropbox_service.grants import Grants
from dropbox_service.settings import Settings
from dropbox_service.store import Store
from dropbox_service.temporary_links import TemporaryLinks


@dataclass(frozen=True)
class DropboxContext:
    """Settings, the Redis store, the connections, the SDK pool, the temporary links and the
    collaborators' grants."""

    settings: Settings
    runtime: Runtime
    store: Store
    connections: Connections
    calls: DropboxCalls
    links: TemporaryLinks
    grants: Grants


DropboxDep = Annotated[DropboxContext, Depends(from_app_state("dropbox"))]
