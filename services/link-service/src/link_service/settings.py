"""Link service settings, read from the environment."""

from typing import ClassVar

from pydantic import Field
from service_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the link-service."""

    service_name: ClassVar[str] = "link-service"

    port: int = Field(8001, validation_alias="LINK_SERVICE_PORT")
    # The gateway as users reach it: share URLs are <public_base_url>/s/<token>.
    public_base_url: str = "http://localhost:8000"
    # What one producer may start (each invitation is a Dropbox grant and a mail).
    share_jobs_per_hour: int = Field(120, ge=1)
    share_invitations_per_day: int = Field(2000, ge=1)
    # Share links one producer may create an hour (links/budget.py).
    links_per_hour: int = Field(600, ge=1)

    @classmethod
    def required_in_production(cls) -> set[str]:
        """Environment variables a production deployment must set."""
        return super().required_in_production() | {"PUBLIC_BASE_URL"}
