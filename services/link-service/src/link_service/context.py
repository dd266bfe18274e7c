"""What link-service's routes and consumers share."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from service_kit.runtime import Runtime, from_app_state

from link_service.catalog.service import Catalog
from link_service.collaborators.service import Collaborators
from link_service.connections.service import Connections
from link_service.links.service import Links


@dataclass(frozen=True)
class LinkContext:
    """The runtime, the catalog, the owners' Dropbox connections, the links and the
    collaborators."""

    runtime: Runtime
    catalog: Catalog
    connections: Connections
    links: Links
    collaborators: Collaborators


LinkDep = Annotated[LinkContext, Depends(from_app_state("links"))]
