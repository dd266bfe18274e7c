"""The link-service's application."""

from contracts.events import (
    CollabRevokeRequested,
    CollabShareRequested,
    ShareCreated,
    ShareRevoked,
)
from fastapi import FastAPI
from service_kit.app import build_runtime, create_service_app

from link_service.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    """Build the link-service app from `settings`."""
    return create_service_app(
        build_runtime(settings),
        title="Link service",
        publishes=(ShareCreated, ShareRevoked, CollabShareRequested, CollabRevokeRequested),
    )
