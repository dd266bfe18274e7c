"""Gateway settings, read from the environment."""

from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from service_kit.settings import ServiceSettings

from gateway.domain import HOST_NAME

DEV_VISITOR_SALT = "dev-only-visitor-salt-change-me-0123456789"
DEV_PREVIEW_SECRET = "dev-only-preview-secret-change-me-0123456789"
DEV_CONSOLE_SECRET = "dev-only-console-secret-change-me-0123456789"


class Settings(ServiceSettings):
    """Settings of the gateway."""

    service_name: ClassVar[str] = "gateway"
    development_secrets: ClassVar[dict[str, str]] = ServiceSettings.development_secrets | {
        "VISITOR_SALT": DEV_VISITOR_SALT,
        "PREVIEW_SECRET": DEV_PREVIEW_SECRET,
        "CONSOLE_SECRET": DEV_CONSOLE_SECRET,
    }

    port: int = Field(8000, validation_alias="GATEWAY_PORT")
    # The operators' listener: docs, OpenAPI and AsyncAPI documents, metrics (DESIGN §12).
    admin_host: str = Field("127.0.0.1", validation_alias="GATEWAY_ADMIN_HOST")
    admin_port: int = Field(8009, validation_alias="GATEWAY_ADMIN_PORT")
    link_service_url: str = "http://localhost:8001"
    dropbox_service_url: str = "http://localhost:8002"
    notify_service_url: str = "http://localhost:8003"
    analytics_service_url: str = "http://localhost:8004"
    # Calls to the other services (clients.py): connecting, then waiting for an answer. A
    # share page waits less for its link; a temporary link may wait out Dropbox's rate
    # limit in dropbox-service first (INTERACTIVE_RATE_LIMIT_BUDGET_S there, 10 s).
    service_connect_timeout_s: float = Field(5.0, gt=0)
    service_call_timeout_s: float = Field(10.0, gt=0)
    link_lookup_timeout_s: float = Field(5.0, gt=0)
    temporary_link_timeout_s: float = Field(20.0, gt=0)
    # How long a preview waits for Dropbox's next bytes of the file it relays.
    dropbox_read_timeout_s: float = Field(30.0, gt=0)
    # Salt of the visitor ids in events: a hash of address and browser, never the address.
    visitor_salt: SecretStr = SecretStr(DEV_VISITOR_SALT)
    # Key of the signed preview URLs the players use.
    preview_secret: SecretStr = SecretStr(DEV_PREVIEW_SECRET)
    # How long a preview URL works; a page open longer gets fresh ones from /previews.
    preview_ttl_s: int = Field(900, ge=60, le=900)
    # CA bundle of a Dropbox look-alike (the emulator) whose temporary links previews read.
    dropbox_ca_file: Path | None = None
    # The hosts temporary links may be on (`*.name`: any host under name), comma-separated:
    # Dropbox's content hosts; a development or test stack names its emulator's instead.
    dropbox_content_hosts: str = "dl.dropboxusercontent.com,*.dl.dropboxusercontent.com"
    # The proxies whose X-Forwarded-For is believed, comma-separated addresses or networks
    # (e.g. "10.0.0.0/8,127.0.0.1"); empty, the peer's address is the client's.
    trusted_proxies: str = ""
    # How long a link read from link-service is reused: under the one-second revocation
    # bound of DESIGN §6, Kafka or not (share.revoked drops it sooner).
    link_cache_ttl_s: float = Field(0.5, ge=0, le=0.9)
    # How long a temporary link from dropbox-service is reused (it has hours left).
    temporary_link_cache_s: float = Field(300.0, ge=0, le=3600)
    link_cache_size: int = Field(10_000, ge=1)
    # Unknown tokens one client may try per window before it gets 429.
    unknown_token_burst: int = Field(20, ge=1)
    unknown_token_window_s: int = Field(60, ge=1)
    # Listening reports one visitor may send per window before they get 429: a player sends
    # about four per listen (DESIGN §16), so this is many listens a minute.
    listening_burst: int = Field(120, ge=1)
    listening_window_s: int = Field(60, ge=1)
    # Key of the console's CSRF tokens (an HMAC of the session).
    console_secret: SecretStr = SecretStr(DEV_CONSOLE_SECRET)
    # The gateway as people reach it (the share URLs' base, link-service's PUBLIC_BASE_URL
    # too): its origin is the console's, which forms must come from. Unset (development
    # only), the console's origin is the one a request reached it at.
    public_base_url: str | None = None
    # The Producer Dashboard origin allowed to hand a signed-in producer over
    # (POST /console/session); unset, only the console's own origin may.
    console_dashboard_origin: str | None = None
    # Development only: the producers GET /console/sign-in offers (user id, name).
    console_demo_producers: list[tuple[str, str]] = [("u-demo", "Mara Vale"), ("u-ana", "Ana Ruiz")]

    @property
    def trusted_proxy_networks(self) -> list[IPv4Network | IPv6Network]:
        """`TRUSTED_PROXIES`, parsed."""
        entries = (entry.strip() for entry in self.trusted_proxies.split(","))
        return [ip_network(entry, strict=False) for entry in entries if entry]

    @property
    def public_origin(self) -> str | None:
        """`PUBLIC_BASE_URL`'s origin (scheme and host, port if any)."""
        if self.public_base_url is None:
            return None
        parts = urlsplit(self.public_base_url)
        return f"{parts.scheme}://{parts.netloc}".lower()

    @field_validator("public_base_url")
    @classmethod
    def _public_base_url_is_http(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"PUBLIC_BASE_URL: {value!r} is no http(s) URL")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        for entry in filter(None, (e.strip() for e in value.split(","))):
            ip_network(entry, strict=False)  # ValueError names the bad entry
        return value

    @property
    def dropbox_content_host_names(self) -> tuple[str, ...]:
        """`DROPBOX_CONTENT_HOSTS`, parsed."""
        entries = (entry.strip().lower() for entry in self.dropbox_content_hosts.split(","))
        return tuple(entry for entry in entries if entry)

    @field_validator("dropbox_content_hosts")
    @classmethod
    def _content_hosts_are_host_names(cls, value: str) -> str:
        for entry in filter(None, (e.strip().lower() for e in value.split(","))):
            if not HOST_NAME.fullmatch(entry.removeprefix("*.")):
                raise ValueError(f"DROPBOX_CONTENT_HOSTS: {entry!r} is no host name")
        return value

    @classmethod
    def required_in_production(cls) -> set[str]:
        """Environment variables a production deployment must set."""
        return super().required_in_production() | {
            "LINK_SERVICE_URL",
            "DROPBOX_SERVICE_URL",
            "NOTIFY_SERVICE_URL",
            "ANALYTICS_SERVICE_URL",
            "PUBLIC_BASE_URL",
        }
