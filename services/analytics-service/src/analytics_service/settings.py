"""Analytics service settings, read from the environment."""

from typing import ClassVar

from pydantic import Field
from service_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the analytics-service."""

    service_name: ClassVar[str] = "analytics-service"

    port: int = Field(8004, validation_alias="ANALYTICS_SERVICE_PORT")
    # Records per Kafka poll of share.viewed / download.recorded, counted in one Redis round trip.
    batch_size: int = Field(2000, ge=1, le=5000, validation_alias="ANALYTICS_BATCH_SIZE")
    # How often each instance looks for daily digests due (digest.py).
    digest_interval_s: float = Field(
        300.0, gt=0, le=3600, validation_alias="ANALYTICS_DIGEST_INTERVAL_S"
    )
