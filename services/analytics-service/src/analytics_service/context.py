"""What analytics-service's routes and consumers share."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from service_kit.runtime import Runtime, from_app_state

from analytics_service.service import Analytics


@dataclass(frozen=True)
class AnalyticsContext:
    """The runtime, the analytics core and the size of a counting batch."""

    runtime: Runtime
    analytics: Analytics
    batch_size: int


AnalyticsDep = Annotated[AnalyticsContext, Depends(from_app_state("analytics"))]
