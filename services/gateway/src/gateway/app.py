"""The gateway's application: public share pages on top of link-service and dropbox-service."""

import ssl
from pathlib import Path

import httpx
from contracts.events import DownloadRecorded, ShareViewed
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from service_kit.app import build_runtime, create_service_app

from gateway import consumers, pages
from gateway.context import GatewayContext
from gateway.link_source import LinkSource
from gateway.previews import Signer
from gateway.rate_limit import UnknownTokenLimit
from gateway.security import security_headers
from gateway.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    """Build the gateway app from `settings`."""
    runtime = build_runtime(settings)
    internal = {"X-Internal-Token": settings.internal_api_token.get_secret_value()}
    link_client = httpx.AsyncClient(
        base_url=settings.link_service_url, headers=internal, timeout=5.0
    )
    dropbox_client = httpx.AsyncClient(
        base_url=settings.dropbox_service_url, headers=internal, timeout=20.0
    )
    content_client = content_client_of(settings)
    context = GatewayContext(
        settings=settings,
        runtime=runtime,
        links=LinkSource(link_client, settings.link_cache_ttl_s, settings.link_cache_size),
        dropbox=dropbox_client,
        content=content_client,
        signer=Signer(settings.preview_secret.get_secret_value(), settings.preview_ttl_s),
        limit=UnknownTokenLimit(
            runtime.redis,
            settings.key_prefix,
            settings.unknown_token_burst,
            settings.unknown_token_window_s,
        ),
    )
    consumers.register(context)
    app = create_service_app(
        runtime,
        title="Gateway",
        routers=(pages.router,),
        publishes=(ShareViewed, DownloadRecorded),
        on_shutdown=(link_client.aclose, dropbox_client.aclose, content_client.aclose),
    )
    app.add_exception_handler(pages.Refused, pages.answer_refusal)
    for error in (RedisConnectionError, RedisTimeoutError):
        app.add_exception_handler(error, pages.answer_storage_unavailable)
    app.middleware("http")(security_headers)
    app.mount("/static", StaticFiles(directory=Path(__file__).with_name("static")), name="static")
    app.state.gateway = context
    return app


def content_client_of(settings: Settings) -> httpx.AsyncClient:
    """The client reading files from Dropbox's temporary links (for previews); with a
    look-alike's CA it trusts only that CA, whatever the environment's CA bundle says."""
    verify: ssl.SSLContext | bool = True
    if settings.dropbox_ca_file:
        verify = ssl.create_default_context(cafile=str(settings.dropbox_ca_file))
    timeout = httpx.Timeout(30.0, connect=5.0)
    return httpx.AsyncClient(
        verify=verify, trust_env=settings.dropbox_ca_file is None, timeout=timeout
    )
