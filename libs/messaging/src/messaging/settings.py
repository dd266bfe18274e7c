"""How every Kafka client of ours finds Kafka and proves who it is (DESIGN §19), read from
the environment: the services' settings and the `dlq` tool's both extend it."""

from functools import cached_property

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from messaging.kafka import KafkaAccess, SecurityProtocol


class KafkaSettings(BaseSettings):
    """KAFKA_BOOTSTRAP_SERVERS, KAFKA_SECURITY_PROTOCOL (SASL_SSL unless told otherwise),
    KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD (SCRAM-SHA-512) and KAFKA_SSL_CAFILE."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    kafka_bootstrap_servers: str = "localhost:9092"
    kafka_security_protocol: SecurityProtocol = "SASL_SSL"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    # The CA that signed the brokers' certificates; unset, the system's roots.
    kafka_ssl_cafile: str | None = None

    @model_validator(mode="after")
    def _credentials_given(self) -> "KafkaSettings":
        _ = self.kafka  # refuses a SASL protocol without a username and password
        return self

    @cached_property
    def kafka(self) -> KafkaAccess:
        """Where Kafka is and who this process is to it."""
        password = self.kafka_sasl_password
        return KafkaAccess(
            self.kafka_bootstrap_servers,
            self.kafka_security_protocol,
            self.kafka_sasl_username,
            password.get_secret_value() if password else None,
            self.kafka_ssl_cafile,
        )
