"""The link-service's application."""

from contracts.clock import Clock, utc_now
from contracts.events import (
    CollabRevokeRequested,
    CollabShareRequested,
    ShareCreated,
    ShareRecipientRevoked,
    ShareRevoked,
    ShareUpdated,
)
from fastapi import FastAPI
from service_kit.app import build_runtime, create_service_app
from service_kit.runtime import Runtime

from link_service import consumers
from link_service.api import catalog, collaborators, internal, links, problems
from link_service.catalog.service import Catalog
from link_service.catalog.store import CatalogStore
from link_service.collaborators.budget import Limits, ShareBudget
from link_service.collaborators.service import Collaborators
from link_service.collaborators.store import CollabStore
from link_service.connections.service import Connections
from link_service.connections.store import ConnectionStore
from link_service.context import LinkContext
from link_service.links.budget import LinkBudget
from link_service.links.service import Links
from link_service.links.store import LinkStore
from link_service.settings import Settings


def link_context(runtime: Runtime, settings: Settings, clock: Clock) -> LinkContext:
    """The service's core on `runtime` (tests build it in-process with their own clock)."""
    prefix = settings.service_key_prefix
    catalog_store = CatalogStore(runtime.redis, prefix)
    connections = Connections(ConnectionStore(runtime.redis, runtime.outbox, prefix))
    link_store = LinkStore(runtime.redis, runtime.outbox, prefix)
    collab_store = CollabStore(runtime.redis, runtime.outbox, prefix)
    limits = Limits(settings.share_jobs_per_hour, settings.share_invitations_per_day)
    budget = ShareBudget(runtime.redis, prefix, limits)
    return LinkContext(
        runtime,
        Catalog(catalog_store),
        connections,
        Links(
            catalog_store,
            connections,
            link_store,
            runtime.outbox,
            settings.public_base_url,
            clock,
            LinkBudget(runtime.redis, prefix, settings.links_per_hour),
        ),
        Collaborators(catalog_store, connections, collab_store, budget, clock),
    )


def create_app(settings: Settings) -> FastAPI:
    """Build the link-service app from `settings`."""
    runtime = build_runtime(settings)
    context = link_context(runtime, settings, utc_now)
    consumers.register(context)
    app = create_service_app(
        runtime,
        title="Link service",
        routers=(catalog.router, links.router, collaborators.router, internal.router),
        publishes=(
            ShareCreated,
            ShareRevoked,
            ShareUpdated,
            ShareRecipientRevoked,
            CollabShareRequested,
            CollabRevokeRequested,
        ),
        problems=problems.PROBLEMS,
    )
    app.state.links = context
    return app
