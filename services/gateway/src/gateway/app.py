"""The gateway's application: public share pages on top of link-service and dropbox-service,
and the producer console on top of every service's public API."""

from pathlib import Path

import httpx
from contracts.clock import Clock, utc_now
from contracts.events import DownloadRecorded, SharePlayed, ShareViewed
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from service_kit.admin import Admin
from service_kit.app import build_runtime, create_service_app
from service_kit.runtime import Runtime

from gateway import consumers, visitors
from gateway.api import console_account, console_links, console_tracks, pages, problems
from gateway.clients import ConsoleApi, DropboxService, LinkService
from gateway.context import GatewayContext
from gateway.domain import Signer
from gateway.html import SharePages
from gateway.security import SecurityHeaders
from gateway.service import Shares
from gateway.settings import Settings
from gateway.store import Events, ListeningLimit, UnknownTokenLimit


def gateway_context(
    runtime: Runtime,
    settings: Settings,
    clock: Clock = utc_now,
    transport: httpx.AsyncBaseTransport | None = None,
) -> GatewayContext:
    """The gateway's core on `runtime` (tests build it in-process with their own clock, and
    a `transport` to the other services built in-process too)."""
    limit = UnknownTokenLimit(
        runtime.redis,
        settings.service_key_prefix,
        settings.unknown_token_burst,
        settings.unknown_token_window_s,
    )
    shares = Shares(
        LinkService(settings, transport),
        DropboxService(settings, transport),
        Signer(settings.preview_secret.get_secret_value(), settings.preview_ttl_s),
        limit,
        ListeningLimit(
            runtime.redis,
            settings.service_key_prefix,
            settings.listening_burst,
            settings.listening_window_s,
        ),
        Events(runtime.redis, runtime.outbox, runtime.broker),
        SharePages(settings.preview_ttl_s),
        clock,
    )
    return GatewayContext(runtime, settings, shares, ConsoleApi(settings, transport), clock)


def create_app(
    settings: Settings,
    *,
    clock: Clock = utc_now,
    transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """Build the gateway app from `settings` (a test's clock and transport, see above)."""
    visitors.load()  # before the port opens, not in the first visitor's request
    runtime = build_runtime(settings)
    context = gateway_context(runtime, settings, clock, transport)
    consumers.register(context)
    app = create_service_app(
        runtime,
        title="Gateway",
        routers=(pages.router, console_account.router, console_tracks.router, console_links.router),
        publishes=(ShareViewed, SharePlayed, DownloadRecorded),
        on_shutdown=(
            context.shares.links.aclose,
            context.shares.dropbox.aclose,
            context.console.aclose,
        ),
        admin=Admin(settings.admin_host, settings.admin_port),
    )
    problems.install(app)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=Path(__file__).with_name("static")), name="static")
    app.state.gateway = context
    return app
