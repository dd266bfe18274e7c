"""The analytics-service's application."""

from contracts.events import ShareAlert
from fastapi import FastAPI
from service_kit.app import build_runtime, create_service_app
from service_kit.runtime import Runtime

from analytics_service import consumers
from analytics_service.api import stats
from analytics_service.context import AnalyticsContext
from analytics_service.digest import Digests
from analytics_service.service import Analytics
from analytics_service.settings import Settings
from analytics_service.store import StatsStore


def create_app(settings: Settings) -> FastAPI:
    """Build the analytics-service app from `settings`."""
    runtime = build_runtime(settings)
    context = analytics_context(runtime, settings)
    consumers.register(context)
    store = context.analytics.store
    digests = Digests(store, runtime.outbox, settings.digest_interval_s)
    app = create_service_app(
        runtime,
        title="Analytics service",
        routers=(stats.router,),
        publishes=(ShareAlert,),
        background=(digests.run,),
    )
    app.state.analytics = context
    return app


def analytics_context(runtime: Runtime, settings: Settings) -> AnalyticsContext:
    """The service's core on `runtime` (tests build it in-process)."""
    store = StatsStore(
        runtime.redis,
        settings.service_key_prefix,
        consumer=settings.marker_group,
    )
    analytics = Analytics(store, runtime.broker, runtime.outbox)
    return AnalyticsContext(runtime, analytics, settings.batch_size)
