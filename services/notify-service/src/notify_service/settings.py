"""Notify service settings, read from the environment."""

from typing import ClassVar

from pydantic import Field
from service_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the notify-service."""

    service_name: ClassVar[str] = "notify-service"

    port: int = Field(8003, validation_alias="NOTIFY_SERVICE_PORT")
