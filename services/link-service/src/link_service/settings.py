"""Link service settings, read from the environment."""

from typing import ClassVar

from pydantic import Field
from service_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the link-service."""

    service_name: ClassVar[str] = "link-service"

    port: int = Field(8001, validation_alias="LINK_SERVICE_PORT")
