"""The dropbox-service's application."""

from contracts.events import (
    CollabFailed,
    CollabGranted,
    CollabRevoked,
    DropboxConnected,
    DropboxDisconnected,
)
from fastapi import FastAPI
from service_kit.app import create_service_app

from dropbox_service.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    """Build the dropbox-service app from `settings`."""
    return create_service_app(
        settings,
        title="Dropbox service",
        publishes=(
            CollabGranted,
            CollabFailed,
            CollabRevoked,
            DropboxConnected,
            DropboxDisconnected,
        ),
    )
