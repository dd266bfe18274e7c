"""The emulator's FastAPI application: OAuth, RPC, temporary links and the control API."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import Response

from . import control, links, oauth, rpc, seed, web
from .settings import Settings
from .state import World

logger = logging.getLogger("dropbox_emulator")


def create_app(settings: Settings, world: World | None = None) -> FastAPI:
    """An emulator app over `world` (a new one by default), seeded at start-up if enabled."""
    world = world or World()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.seed_demo:
            with world.lock:
                seed.seed_demo(world)
        yield

    app = FastAPI(
        title="Dropbox emulator", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.world = world
    app.include_router(oauth.make_router(world, settings))
    app.include_router(rpc.make_router(world, settings))
    app.include_router(links.make_router(world))
    app.include_router(web.make_router(world))
    app.include_router(control.make_router(world, settings))
    app.include_router(control.make_data_router(world))
    app.include_router(control.make_traffic_router(world))
    app.middleware("http")(log_request)
    return app


async def log_request(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Give each answer a request id, as Dropbox does, and log one line (never a token)."""
    started = time.perf_counter()
    response = await call_next(request)
    request_id = secrets.token_hex(16)
    response.headers["x-dropbox-request-id"] = request_id
    path = request.url.path
    if path.startswith("/tl/"):
        path = "/tl/<secret>"
    elapsed_ms = (time.perf_counter() - started) * 1000
    logger.info(
        "%s %s %d %.0fms id=%s", request.method, path, response.status_code, elapsed_ms, request_id
    )
    return response
