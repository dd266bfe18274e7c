"""The gateway's application."""

from contracts.events import (
    DownloadRecorded,
    ShareViewed,
)
from fastapi import FastAPI
from service_kit.app import build_runtime, create_service_app

from gateway.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    """Build the gateway app from `settings`."""
    return create_service_app(
        build_runtime(settings),
        title="Gateway",
        publishes=(ShareViewed, DownloadRecorded),
    )
