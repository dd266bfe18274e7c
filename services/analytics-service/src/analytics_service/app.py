"""The analytics-service's application."""

from fastapi import FastAPI
from service_kit.app import build_runtime, create_service_app

from analytics_service import consumers
from analytics_service.api import stats
from analytics_service.context import AnalyticsContext
from analytics_service.settings import Settings
from analytics_service.store import StatsStore


def create_app(settings: Settings) -> FastAPI:
    """Build the analytics-service app from `settings`."""
    runtime = build_runtime(settings)
    store = StatsStore(
        runtime.redis, settings.key_prefix, consumer=settings.key_prefix + settings.service_name
    )
    context = AnalyticsContext(runtime, store, settings.batch_size)
    consumers.register(context)
    app = create_service_app(runtime, title="Analytics service", routers=(stats.router,))
    app.state.analytics = context
    return app
