"""What link-service's routes and consumers share."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from service_kit.runtime import Runtime, from_app_state

from link_service.catalog_store import CatalogStore
from link_service.collaborators import Collaborators
from link_service.links import Links


@dataclass(frozen=True)
class LinkContext:
    """The runtime, the catalog, the links and the collaborator shares."""

    runtime: Runtime
    catalog: CatalogStore
    links: Links
    collaborators: Collaborators


LinkDep = Annotated[LinkContext, Depends(from_app_state("links"))]
