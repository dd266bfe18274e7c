"""The analytics-service's application."""

from fastapi import FastAPI
from service_kit.app import build_runtime, create_service_app

from analytics_service.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    """Build the analytics-service app from `settings`."""
    return create_service_app(build_runtime(settings), title="Analytics service")
