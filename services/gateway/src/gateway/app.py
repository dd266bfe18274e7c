"""The gateway's application: public share pages on top of link-service and dropbox-service,
and the producer console on top of every service's public API."""

from pathlib import Path

from contracts.events import DownloadRecorded, ShareViewed
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from service_kit.admin import Admin
from service_kit.app import build_runtime, create_service_app

from gateway import consumers
from gateway.api import console_account, console_links, console_tracks, pages
from gateway.console import handlers as console_handlers
from gateway.console.services import ConsoleApi
from gateway.context import GatewayContext
from gateway.dropbox_files import DropboxFiles, DropboxUnavailable
from gateway.events import Events
from gateway.html import SharePages
from gateway.link_source import LinkServiceUnavailable, LinkSource
from gateway.previews import PreviewUnavailable, Signer
from gateway.rate_limit import UnknownTokenLimit
from gateway.security import SecurityHeaders
from gateway.settings import Settings
from gateway.shares import Refusal, Shares


def create_app(settings: Settings) -> FastAPI:
    """Build the gateway app from `settings`."""
    runtime = build_runtime(settings)
    links, dropbox = LinkSource(settings), DropboxFiles(settings)
    limit = UnknownTokenLimit(
        runtime.redis,
        settings.key_prefix,
        settings.unknown_token_burst,
        settings.unknown_token_window_s,
    )
    signer = Signer(settings.preview_secret.get_secret_value(), settings.preview_ttl_s)
    events = Events(runtime.redis, runtime.outbox, runtime.broker)
    pages_html = SharePages(settings.preview_ttl_s)
    shares = Shares(links, dropbox, signer, limit, events, pages_html)
    console = ConsoleApi(settings)
    consumers.register(runtime, links)
    app = create_service_app(
        runtime,
        title="Gateway",
        routers=(pages.router, console_account.router, console_tracks.router, console_links.router),
        publishes=(ShareViewed, DownloadRecorded),
        on_shutdown=(links.aclose, dropbox.aclose, console.aclose),
        admin=Admin(settings.admin_host, settings.admin_port),
    )
    app.add_exception_handler(Refusal, pages.answer_refusal)
    console_handlers.install(app)
    outages = (
        DropboxUnavailable,
        LinkServiceUnavailable,
        PreviewUnavailable,
        RedisConnectionError,
        RedisTimeoutError,
    )
    for outage in outages:
        app.add_exception_handler(outage, pages.answer_unavailable)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=Path(__file__).with_name("static")), name="static")
    app.state.gateway = GatewayContext(settings, shares, console)
    return app
