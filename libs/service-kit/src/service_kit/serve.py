"""Run a service process: JSON logs, then uvicorn on the configured host and port."""

from collections.abc import Callable
from typing import TypeVar

import uvicorn
from fastapi import FastAPI

from service_kit.log_setup import configure_logging
from service_kit.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def serve(settings: S, create_app: Callable[[S], FastAPI]) -> None:
    """Build the app from `settings` and serve it until SIGINT/SIGTERM."""
    configure_logging(settings.service_name, settings.log_level)
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.port,
        log_config=None,
        # Never take the client's address from X-Forwarded-For by itself (uvicorn trusts it
        # from loopback by default); the gateway decides whom to believe (TRUSTED_PROXIES).
        proxy_headers=False,
        access_log=False,
        timeout_graceful_shutdown=10,
        # Not uvloop: libuv reads a socket up to 32 times per wakeup, so a relayed stream
        # (the gateway's previews) buffered ~7 MiB per listener; asyncio's loop reads once
        # and the stream's backpressure holds (bench/README.md, benchmark 3). The share
        # page and redirect measured the same on both loops.
        loop="asyncio",
    )
