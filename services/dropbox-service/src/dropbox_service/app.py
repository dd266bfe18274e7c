"""The dropbox-service's application."""

import httpx
from contracts.clock import Clock, utc_now
from contracts.events import (
    CollabFailed,
    CollabGranted,
    CollabRevoked,
    CollabRevokeFailed,
    DropboxConnected,
    DropboxDisconnected,
)
from fastapi import FastAPI
from service_kit.app import build_runtime, create_service_app
from service_kit.runtime import Runtime

from dropbox_service import consumers
from dropbox_service.api import connection, internal, problems
from dropbox_service.catalog import Catalog
from dropbox_service.clients import DropboxCalls
from dropbox_service.context import DropboxContext
from dropbox_service.crypto import TokenCipher
from dropbox_service.services.connections import Connections, Disconnections
from dropbox_service.services.grants import Grants
from dropbox_service.services.temporary_links import TemporaryLinks
from dropbox_service.settings import Settings
from dropbox_service.store import Stores


def create_app(settings: Settings) -> FastAPI:
    """Build the dropbox-service app from `settings`."""
    runtime = build_runtime(settings)
    context = dropbox_context(runtime, settings, utc_now)
    consumers.register(context)
    app = create_service_app(
        runtime,
        title="Dropbox service",
        routers=(connection.router, internal.router),
        publishes=(
            CollabGranted,
            CollabFailed,
            CollabRevoked,
            CollabRevokeFailed,
            DropboxConnected,
            DropboxDisconnected,
        ),
        on_shutdown=(context.calls.close, context.catalog.aclose),
        problems=problems.PROBLEMS,
    )
    app.state.dropbox = context
    return app


def dropbox_context(
    runtime: Runtime,
    settings: Settings,
    clock: Clock,
    link_service: httpx.AsyncBaseTransport | None = None,
) -> DropboxContext:
    """The service's core on `runtime`, built in dependency order: the stores, what forgets
    a connection, the SDK pool (which reports refused tokens to it), then the connections,
    temporary links and grants on that pool and link-service's catalog (tests build it
    in-process, with a `link_service` of their own)."""
    cipher = TokenCipher(settings.dropbox_token_key.get_secret_value())
    stores = Stores.on(runtime.redis, runtime.outbox, cipher, settings.service_key_prefix)
    disconnections = Disconnections(runtime.redis, runtime.outbox, stores)
    calls = DropboxCalls(settings, stores.connections, on_refused=disconnections.refused)
    catalog = Catalog(settings, link_service)
    grants = Grants(
        runtime.redis,
        runtime.outbox,
        stores,
        calls,
        catalog,
        settings.marker_group,
        settings.dropbox_outage_give_up_s,
        clock,
    )
    return DropboxContext(
        runtime=runtime,
        settings=settings,
        connections=Connections(settings, disconnections, calls, clock),
        links=TemporaryLinks(settings, stores, calls, clock),
        grants=grants,
        calls=calls,
        catalog=catalog,
    )
