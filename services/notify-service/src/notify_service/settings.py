"""Notify service settings, read from the environment."""

from typing import ClassVar, Literal

from pydantic import EmailStr, Field, SecretStr, model_validator
from service_kit.settings import ServiceSettings

SECURITY_BY_PORT: dict[int, Literal["starttls", "tls"]] = {587: "starttls", 465: "tls"}


class Settings(ServiceSettings):
    """Settings of the notify-service."""

    service_name: ClassVar[str] = "notify-service"

    port: int = Field(8003, validation_alias="NOTIFY_SERVICE_PORT")
    # The SMTP relay (in development the SMTP sink of `make run`, tools/smtp-sink).
    smtp_host: str = "localhost"
    smtp_port: int = Field(1025, ge=1, le=65535)
    # Unset, it follows the port: 587 (submission) STARTTLS, 465 implicit TLS, else none.
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_s: float = Field(10.0, gt=0)
    # Tries per mail before the message is redelivered (transient errors) or dead-lettered.
    smtp_attempts: int = Field(4, ge=1, le=20)
    smtp_backoff_s: float = Field(0.5, gt=0)
    # Production must name its own (required_in_production; compose refuses to start without).
    mail_from_address: EmailStr = "no-reply@example.com"
    mail_from_name: str = Field("Producer Dashboard", min_length=1, max_length=100)
    # Where mails send Producer Dashboard users.
    console_url: str = "http://localhost:8000/console"

    @model_validator(mode="after")
    def _security_follows_the_port(self) -> "Settings":
        if "smtp_security" not in self.model_fields_set:
            self.smtp_security = SECURITY_BY_PORT.get(self.smtp_port, "none")
        return self

    @classmethod
    def required_in_production(cls) -> set[str]:
        """Environment variables a production deployment must set."""
        return super().required_in_production() | {
            "SMTP_HOST",
            "SMTP_PORT",
            "MAIL_FROM_ADDRESS",
            "CONSOLE_URL",
        }
