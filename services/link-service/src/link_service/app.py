"""The link-service's application."""

from contracts.events import CollabRevokeRequested, CollabShareRequested, ShareCreated, ShareRevoked
from fastapi import FastAPI
from service_kit.app import build_runtime, create_service_app

from link_service import consumers
from link_service.api import catalog, collaborators, internal, links, problems
from link_service.catalog.store import CatalogStore
from link_service.collaborators.budget import Limits, ShareBudget
from link_service.collaborators.service import Collaborators
from link_service.collaborators.store import CollabStore
from link_service.context import LinkContext
from link_service.links.service import Links
from link_service.links.store import LinkStore
from link_service.owners import Owners
from link_service.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    """Build the link-service app from `settings`."""
    runtime = build_runtime(settings)
    catalog_store = CatalogStore(runtime.redis, settings.key_prefix)
    owners = Owners(runtime.redis, runtime.outbox, settings.key_prefix)
    link_store = LinkStore(runtime.redis, runtime.outbox, settings.key_prefix)
    collab_store = CollabStore(runtime.redis, runtime.outbox, settings.key_prefix)
    limits = Limits(settings.share_jobs_per_hour, settings.share_invitations_per_day)
    budget = ShareBudget(runtime.redis, settings.key_prefix, limits)
    context = LinkContext(
        runtime,
        catalog_store,
        owners,
        Links(catalog_store, owners, link_store, runtime.outbox, settings.public_base_url),
        Collaborators(catalog_store, owners, collab_store, budget),
    )
    consumers.register(context)
    app = create_service_app(
        runtime,
        title="Link service",
        routers=(catalog.router, links.router, collaborators.router, internal.router),
        publishes=(ShareCreated, ShareRevoked, CollabShareRequested, CollabRevokeRequested),
        problems=problems.PROBLEMS,
    )
    app.state.links = context
    return app
