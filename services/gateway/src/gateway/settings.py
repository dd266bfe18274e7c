"""Gateway settings, read from the environment."""

from typing import ClassVar

from pydantic import Field, SecretStr, model_validator
from service_kit.settings import ServiceSettings

DEV_VISITOR_SALT = "dev-only-visitor-salt-change-me-0123456789"


class Settings(ServiceSettings):
    """Settings of the gateway."""

    service_name: ClassVar[str] = "gateway"

    port: int = Field(8000, validation_alias="GATEWAY_PORT")
    link_service_url: str = "http://localhost:8001"
    dropbox_service_url: str = "http://localhost:8002"
    # Salt of the visitor ids in events: a hash of address and browser, never the address.
    visitor_salt: SecretStr = SecretStr(DEV_VISITOR_SALT)
    # Take the client address from X-Forwarded-For (only behind a proxy that sets it).
    trust_forwarded_for: bool = False
    # How long a link read from link-service is reused; share.revoked clears it at once.
    link_cache_ttl_s: float = Field(5.0, ge=0)
    link_cache_size: int = Field(10_000, ge=1)
    # Unknown tokens one client may try per window before it gets 429.
    unknown_token_burst: int = Field(20, ge=1)
    unknown_token_window_s: int = Field(60, ge=1)

    @model_validator(mode="after")
    def _refuse_development_salt_in_production(self) -> "Settings":
        salt = self.visitor_salt.get_secret_value()
        if self.app_env == "production" and (salt == DEV_VISITOR_SALT or len(salt) < 32):
            raise ValueError("VISITOR_SALT must be set (32+ characters) when APP_ENV=production")
        return self

    @classmethod
    def required_in_production(cls) -> set[str]:
        """Environment variables a production deployment must set."""
        return super().required_in_production() | {
            "LINK_SERVICE_URL",
            "DROPBOX_SERVICE_URL",
            "VISITOR_SALT",
        }
