"""Dropbox service settings, read from the environment."""

from typing import ClassVar

from pydantic import Field
from service_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the dropbox-service."""

    service_name: ClassVar[str] = "dropbox-service"

    port: int = Field(8002, validation_alias="DROPBOX_SERVICE_PORT")
