"""The dropbox-service's application."""

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

from dropbox_service import consumers
from dropbox_service.api import connection, internal, problems
from dropbox_service.connections import Connections
from dropbox_service.context import DropboxContext
from dropbox_service.crypto import TokenCipher
from dropbox_service.dropbox_api import DropboxCalls
from dropbox_service.grants import Grants
from dropbox_service.settings import Settings
from dropbox_service.store import Store
from dropbox_service.temporary_links import TemporaryLinks


def create_app(settings: Settings) -> FastAPI:
    """Build the dropbox-service app from `settings`."""
    runtime = build_runtime(settings)
    cipher = TokenCipher(settings.dropbox_token_key.get_secret_value())
    store = Store(runtime.redis, runtime.outbox, cipher, settings.key_prefix)
    # Calls report a token Dropbox refuses to the connections, which make calls themselves.
    calls = DropboxCalls(settings, store, on_refused=lambda *args: connections.refused(*args))
    connections = Connections(settings, runtime.redis, runtime.outbox, store, calls)
    grants = Grants(
        runtime.redis,
        runtime.outbox,
        store,
        calls,
        settings.consumer_group,
        settings.dropbox_outage_give_up_s,
    )
    context = DropboxContext(
        settings, runtime, store, connections, calls, TemporaryLinks(settings, store, calls), grants
    )
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
        on_shutdown=(calls.close,),
        problems=problems.PROBLEMS,
    )
    app.state.dropbox = context
    return app
