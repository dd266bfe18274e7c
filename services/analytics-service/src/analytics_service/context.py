"""What analytics-service's routes and consumers share."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from service_kit.runtime import Runtime

from analytics_service.store import StatsStore


@dataclass(frozen=True)
class AnalyticsContext:
    """The runtime, the stats store and the size of a counting batch."""

    runtime: Runtime
    store: StatsStore
    batch_size: int


def analytics_context(request: Request) -> AnalyticsContext:
    """The running service's context (a FastAPI dependency)."""
    context: AnalyticsContext = request.app.state.analytics
    return context


AnalyticsDep = Annotated[AnalyticsContext, Depends(analytics_context)]
