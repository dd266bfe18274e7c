"""Settings every service reads from the environment (pydantic-settings)."""

from functools import cached_property
from typing import ClassVar, Literal

from contracts.auth import (
    DEFAULT_AUDIENCE,
    DEFAULT_ISSUER,
    DEFAULT_MAX_TTL_S,
    TokenPolicy,
    internal_token_digest,
)
from messaging.redis_client import with_user
from messaging.settings import KafkaSettings
from pydantic import Field, RedisDsn, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from service_kit.services import BY_NAME, callers_of

# Development defaults; refused outside development mode, which is only on with
# APP_ENV=development and every listener on loopback (README, Configuration).
DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789"

MIN_SECRET_LENGTH = 32


def dev_internal_token(service: str) -> str:
    """Service `service`'s development internal token (refused outside development)."""
    return f"dev-only-internal-token-of-{service}-change-me"


LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class ServiceSettings(KafkaSettings):
    """Base of every service's `Settings`; a subclass adds `port` with its own env name."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    service_name: ClassVar[str]
    # Secrets with a development default, by variable: refused outside development mode
    # unless set to something else of at least MIN_SECRET_LENGTH characters.
    development_secrets: ClassVar[dict[str, str]] = {"AUTH_JWT_SECRET": DEV_JWT_SECRET}

    # Unset is production: development mode is only ever asked for (devstack and the tests
    # set APP_ENV=development).
    app_env: Literal["development", "production"] = "production"
    http_host: str = "127.0.0.1"
    # The settings naming an address the service listens on: HTTP_HOST, and the gateway's
    # admin listener (GATEWAY_ADMIN_HOST) where a service has one.
    listener_fields: ClassVar[tuple[str, ...]] = ("http_host", "admin_host")
    port: int
    redis_url: RedisDsn = RedisDsn("redis://localhost:6379/0")
    # This service's Redis ACL user (DESIGN §19); the URL's own credentials when unset.
    redis_username: str | None = None
    redis_password: SecretStr | None = None
    # REDIS_URL names any node of a Redis Cluster (messaging.redis_client).
    redis_cluster: bool = False
    auth_jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    # Producer JWTs (DESIGN §3): who issues them, for whom, how long they may live, and the
    # public key (EdDSA or RS256, PEM) that verifies them instead of the shared secret.
    auth_jwt_issuer: str = DEFAULT_ISSUER
    auth_jwt_audience: str = DEFAULT_AUDIENCE
    auth_jwt_max_ttl_s: int = Field(DEFAULT_MAX_TTL_S, ge=60, le=30 * 86400)
    auth_jwt_public_key: str | None = None
    # The token this service sends on its calls to others' /internal routes (its own: every
    # caller has one), and the SHA-256 of each caller's token it admits, as JSON
    # (`{"gateway": "<hex>"}`); in development both default to dev_internal_token's.
    internal_api_token: SecretStr | None = None
    internal_callers: dict[str, str] = {}
    kafka_topic_partitions: int = Field(6, ge=1)
    kafka_replication_factor: int = Field(1, ge=1)
    outbox_shards: int = Field(1, ge=1)
    startup_timeout_s: float = Field(120.0, gt=0)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    max_body_bytes: int = Field(1024 * 1024, ge=1024)
    redis_max_connections: int = Field(64, ge=2)
    redis_pool_timeout_s: float = Field(5.0, gt=0)
    # How often /metrics' consumer_lag_messages is measured.
    consumer_lag_interval_s: float = Field(15.0, gt=0)
    # An OTLP/HTTP collector (e.g. http://otel-collector:4318): traces go there; unset, off.
    otel_exporter_otlp_endpoint: str | None = None
    # Isolation of tests sharing one Kafka and one Redis; empty in deployments.
    topic_prefix: str = ""
    key_prefix: str = ""

    @property
    def listen_hosts(self) -> dict[str, str]:
        """Every address the service listens on, by environment variable."""
        hosts = {}
        for field in self.listener_fields:
            if field in type(self).model_fields:
                alias = type(self).model_fields[field].validation_alias
                hosts[str(alias or field.upper())] = str(getattr(self, field))
        return hosts

    @property
    def development(self) -> bool:
        """Development mode, what every development-only feature asks: APP_ENV=development
        set, and every listener on loopback (else the settings were refused)."""
        return self.app_env == "development" and set(self.listen_hosts.values()) <= LOOPBACK

    @field_validator("auth_jwt_public_key")
    @classmethod
    def _public_key_is_a_public_key(cls, value: str | None) -> str | None:
        # Anything else would be taken for an HS256 secret, and skip the secret's checks.
        if value is None:
            return None
        try:
            symmetric = TokenPolicy(key=value).algorithms == ["HS256"]
        except ValueError:  # a PEM that does not load
            symmetric = True
        if symmetric:
            raise ValueError("AUTH_JWT_PUBLIC_KEY must be a PEM Ed25519 or RSA public key")
        return value

    @model_validator(mode="after")
    def _refuse_development_when_exposed(self) -> "ServiceSettings":
        exposed = {k: v for k, v in self.listen_hosts.items() if v not in LOOPBACK}
        if self.app_env == "development" and exposed:
            listeners = ", ".join(f"{k}={v}" for k, v in exposed.items())
            raise ValueError(
                f"APP_ENV=development needs every listener on loopback, not {listeners}: "
                "set APP_ENV=production (and real secrets) to listen beyond loopback"
            )
        if self.development:
            return self
        self._refuse_unauthenticated_infrastructure()
        self._refuse_missing_internal_tokens()
        for name, dev_value in self.development_secrets.items():
            if name == "AUTH_JWT_SECRET" and self.auth_jwt_public_key:
                continue  # verified with the public key; the secret is not used
            value = getattr(self, name.lower()).get_secret_value()
            if value == dev_value or len(value) < MIN_SECRET_LENGTH:
                raise ValueError(
                    f"{name} must be set to a secret of at least {MIN_SECRET_LENGTH} "
                    f"characters outside development mode (APP_ENV is {self.app_env}; "
                    "development mode needs APP_ENV=development and loopback listeners)"
                )
        return self

    def _refuse_missing_internal_tokens(self) -> None:
        spec = BY_NAME.get(self.service_name)
        own = self.internal_api_token.get_secret_value() if self.internal_api_token else ""
        if spec and spec.calls and (own.startswith("dev-only-") or len(own) < MIN_SECRET_LENGTH):
            raise ValueError(
                f"INTERNAL_API_TOKEN must be {self.service_name}'s own token of at least "
                f"{MIN_SECRET_LENGTH} characters outside development mode (it calls "
                f"{', '.join(spec.calls)})"
            )
        if missing := set(callers_of(self.service_name)) - set(self.internal_callers):
            raise ValueError(
                f"INTERNAL_CALLERS must hold the SHA-256 of the internal token of "
                f"{', '.join(sorted(missing))} outside development mode (JSON, e.g. "
                '{"gateway": "<hex>"})'
            )

    def _refuse_unauthenticated_infrastructure(self) -> None:
        # Outside development every link to Kafka is authenticated and encrypted, and
        # Redis is reached as this service's own user (DESIGN §19).
        if self.kafka_security_protocol != "SASL_SSL":
            raise ValueError(
                f"KAFKA_SECURITY_PROTOCOL must be SASL_SSL outside development mode, not "
                f"{self.kafka_security_protocol} (SASL_PLAINTEXT is for loopback development)"
            )
        if not (self.redis_password or self.redis_url.password):
            raise ValueError(
                "REDIS_USERNAME and REDIS_PASSWORD must name this service's Redis user "
                "outside development mode (Redis's default user is off)"
            )

    @property
    def internal_token(self) -> SecretStr:
        """The token this service sends (INTERNAL_API_TOKEN; refused unset outside
        development when it calls anyone)."""
        return self.internal_api_token or SecretStr(dev_internal_token(self.service_name))

    @property
    def admitted_callers(self) -> dict[str, str]:
        """The digest of each caller's token this service admits (INTERNAL_CALLERS)."""
        if self.internal_callers or not self.development:
            return self.internal_callers
        callers = callers_of(self.service_name)
        return {name: internal_token_digest(dev_internal_token(name)) for name in callers}

    @property
    def service_key_prefix(self) -> str:
        """Where every key of this service lives: `<KEY_PREFIX><service>:`, the only keys its
        Redis user may touch (DESIGN §19, service_kit.grants)."""
        return f"{self.key_prefix}{self.service_name}:"

    @property
    def marker_group(self) -> str:
        """What its apply-once markers' keys start with (messaging.markers): its key
        namespace, so that its Redis user may write them."""
        return self.key_prefix + self.service_name

    @property
    def redis_address(self) -> str:
        """REDIS_URL as this service's Redis user (REDIS_USERNAME, REDIS_PASSWORD)."""
        password = self.redis_password.get_secret_value() if self.redis_password else None
        return with_user(str(self.redis_url), self.redis_username, password)

    @cached_property
    def token_policy(self) -> TokenPolicy:
        """How this service verifies producer JWTs (made once: every request uses it)."""
        return TokenPolicy(
            key=self.auth_jwt_public_key or self.auth_jwt_secret.get_secret_value(),
            issuer=self.auth_jwt_issuer,
            audience=self.auth_jwt_audience,
            max_ttl_s=self.auth_jwt_max_ttl_s,
        )

    @property
    def consumer_group(self) -> str:
        """One consumer group per service, so that its instances share the partitions."""
        return self.topic_prefix + self.service_name

    def topic(self, name: str) -> str:
        """The deployed name of topic `name`."""
        return self.topic_prefix + name

    @classmethod
    def required_in_production(cls) -> set[str]:
        """Environment variables a production deployment must set."""
        port_env = cls.model_fields["port"].validation_alias
        required = {"APP_ENV", "KAFKA_BOOTSTRAP_SERVERS", "REDIS_URL", str(port_env)}
        credentials = {"KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD"}
        credentials |= {"REDIS_USERNAME", "REDIS_PASSWORD"}
        spec = BY_NAME.get(cls.service_name)
        if spec and spec.calls:
            credentials.add("INTERNAL_API_TOKEN")
        if spec and callers_of(spec.name):
            credentials.add("INTERNAL_CALLERS")
        return required | credentials | set(cls.development_secrets)
