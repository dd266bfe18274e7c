"""Dropbox service settings, read from the environment."""

from pathlib import Path
from typing import ClassVar

from pydantic import Field, SecretStr
from service_kit.settings import ServiceSettings

# A Fernet key for development only; refused when APP_ENV=production.
DEV_TOKEN_KEY = "ZGV2LW9ubHktdG9rZW4ta2V5LWNoYW5nZS1tZS0wMTI="


class Settings(ServiceSettings):
    """Settings of the dropbox-service."""

    service_name: ClassVar[str] = "dropbox-service"
    development_secrets: ClassVar[dict[str, str]] = ServiceSettings.development_secrets | {
        "DROPBOX_TOKEN_KEY": DEV_TOKEN_KEY
    }

    port: int = Field(8002, validation_alias="DROPBOX_SERVICE_PORT")
    dropbox_app_key: str = "share-links-dev"
    # PKCE needs no secret; set one when the Dropbox app is a confidential client.
    dropbox_app_secret: SecretStr | None = None
    # Fernet key encrypting stored refresh tokens (`Fernet.generate_key()`).
    dropbox_token_key: SecretStr = SecretStr(DEV_TOKEN_KEY)
    # CA bundle of a Dropbox look-alike (the emulator); unset for api.dropboxapi.com.
    dropbox_ca_file: Path | None = None
    # The console's callback, which finishes the flow as the signed-in producer (DESIGN §7).
    dropbox_redirect_uri: str = "http://localhost:8000/console/dropbox/callback"
    # What the app asks Dropbox for: who the account is, reading files for temporary links,
    # and sharing them with collaborators.
    dropbox_scopes: list[str] = [
        "account_info.read",
        "files.metadata.read",
        "files.content.read",
        "sharing.read",
        "sharing.write",
    ]
    dropbox_workers: int = Field(8, ge=1, le=64)
    # SDK clients kept, one per owner: past this many the one made longest ago is dropped.
    dropbox_client_cache_size: int = Field(1024, ge=1)
    # Share requests handled at once by one instance (at most one per partition it has).
    share_consumers: int = Field(6, ge=1, le=64)
    # Temporary links live 4 h; one is handed out again while it has this long left.
    temporary_link_reuse_min_s: int = Field(7200, ge=60, le=14000)
    dropbox_max_5xx_retries: int = Field(5, ge=0)
    dropbox_backoff_base_s: float = Field(0.5, gt=0)
    # Longest wait for a rate limit inside one message (beyond it a grant is redelivered, a
    # removal reported failed), and inside one interactive request (a download).
    dropbox_rate_limit_budget_s: float = Field(120.0, gt=0)
    interactive_rate_limit_budget_s: float = Field(10.0, gt=0)
    # How long a share or removal Dropbox keeps failing (5xx, rate limits) is redelivered
    # before it is reported failed (services/dropbox-service/README.md).
    dropbox_outage_give_up_s: float = Field(900.0, gt=0)
    # link-service, whose catalog every share is checked against (docs/decisions/0005):
    # connecting, then waiting for an answer; a request it cannot answer is redelivered.
    link_service_url: str = "http://localhost:8001"
    service_connect_timeout_s: float = Field(5.0, gt=0)
    catalog_check_timeout_s: float = Field(5.0, gt=0)

    @classmethod
    def required_in_production(cls) -> set[str]:
        """Environment variables a production deployment must set."""
        return super().required_in_production() | {
            "DROPBOX_APP_KEY",
            "DROPBOX_REDIRECT_URI",
            "LINK_SERVICE_URL",
        }
