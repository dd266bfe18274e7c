"""What link-service's routes and consumers share."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from service_kit.runtime import Runtime

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


def link_context(request: Request) -> LinkContext:
    """The running service's context (a FastAPI dependency)."""
    context: LinkContext = request.app.state.links
    return context


LinkDep = Annotated[LinkContext, Depends(link_context)]
