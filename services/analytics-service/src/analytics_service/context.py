"""What analytics-service's routes and consumers share."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from service_kit.runtime import Runtime, from_app_state

from analytics_service.store import StatsStore


@dataclass(frozen=True)
class AnalyticsContext:
    """The runtime, the stats store and the size of a counting batch."""

    runtime: Runtime
    store: StatsStore
    batch_size: int


AnalyticsDep = Annotated[AnalyticsContext, Depends(from_app_state("analytics"))]
