"""Gateway settings, read from the environment."""

from typing import ClassVar

from pydantic import Field
from service_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the gateway."""

    service_name: ClassVar[str] = "gateway"

    port: int = Field(8000, validation_alias="GATEWAY_PORT")
