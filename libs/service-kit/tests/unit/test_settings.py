from typing import ClassVar

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import Field, ValidationError
from service_kit.settings import DEV_JWT_SECRET, ServiceSettings

STRONG = "x" * 40


class DemoSettings(ServiceSettings):
    service_name: ClassVar[str] = "demo-service"
    port: int = Field(8123, validation_alias="DEMO_SERVICE_PORT")


class AdminSettings(DemoSettings):
    """A service with a second listener, as the gateway's admin port."""

    admin_host: str = "127.0.0.1"


def test_development_defaults_work_with_app_env_development(monkeypatch: pytest.MonkeyPatch):
    for name in ("AUTH_JWT_SECRET", "INTERNAL_API_TOKEN", "DEMO_SERVICE_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("APP_ENV", "development")
    settings = DemoSettings()
    assert settings.port == 8123
    assert settings.auth_jwt_secret.get_secret_value() == DEV_JWT_SECRET
    assert settings.development


def test_without_app_env_a_service_is_in_production(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("APP_ENV", raising=False)
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    with pytest.raises(ValidationError, match="AUTH_JWT_SECRET must be set"):
        DemoSettings()
    settings = DemoSettings(auth_jwt_secret=STRONG, internal_api_token=STRONG)
    assert (settings.app_env, settings.development) == ("production", False)


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.0.7", "::"])
def test_without_app_env_strong_secrets_off_loopback_are_production(
    monkeypatch: pytest.MonkeyPatch, host: str
):
    monkeypatch.delenv("APP_ENV", raising=False)
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    settings = DemoSettings(http_host=host, auth_jwt_secret=STRONG, internal_api_token=STRONG)
    assert (settings.app_env, settings.development) == ("production", False)


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.0.7", "::"])
@pytest.mark.parametrize("listener", ["http_host", "admin_host"])
def test_development_mode_off_loopback_is_refused(listener: str, host: str):
    strong = {"auth_jwt_secret": STRONG, "internal_api_token": STRONG}
    with pytest.raises(ValidationError, match="APP_ENV=development"):
        AdminSettings(app_env="development", **{listener: host}, **strong)


def test_environment_wins_over_defaults(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DEMO_SERVICE_PORT", "9001")
    monkeypatch.setenv("KAFKA_TOPIC_PARTITIONS", "12")
    settings = DemoSettings()
    assert (settings.port, settings.kafka_topic_partitions) == (9001, 12)


def test_production_refuses_development_secrets():
    with pytest.raises(ValidationError, match="AUTH_JWT_SECRET must be set"):
        DemoSettings(
            app_env="production", kafka_security_protocol="SASL_SSL", internal_api_token=STRONG
        )


def test_production_refuses_short_secrets():
    with pytest.raises(ValidationError, match="AUTH_JWT_SECRET must be set"):
        DemoSettings(app_env="production", kafka_security_protocol="SASL_SSL", auth_jwt_secret="x")


def test_production_accepts_real_secrets():
    settings = DemoSettings(
        app_env="production",
        kafka_security_protocol="SASL_SSL",
        auth_jwt_secret=STRONG,
        internal_api_token=STRONG,
    )
    assert settings.app_env == "production"


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.0.7", "::"])
@pytest.mark.parametrize("listener", ["http_host", "admin_host"])
def test_development_secrets_are_refused_off_loopback(listener: str, host: str):
    with pytest.raises(ValidationError, match="AUTH_JWT_SECRET must be set"):
        AdminSettings(
            app_env="production",
            kafka_security_protocol="SASL_SSL",
            **{listener: host},
            internal_api_token=STRONG,
        )


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_development_secrets_are_fine_on_loopback_in_development(host: str):
    settings = AdminSettings(app_env="development", http_host=host, admin_host=host)
    assert settings.auth_jwt_secret.get_secret_value() == DEV_JWT_SECRET
    assert settings.development


def test_with_a_public_key_no_jwt_secret_is_needed_or_used():
    public = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    settings = DemoSettings(
        app_env="production",
        kafka_security_protocol="SASL_SSL",
        internal_api_token=STRONG,
        auth_jwt_public_key=public.decode(),
    )
    assert settings.token_policy.algorithms == ["EdDSA"]
    assert DEV_JWT_SECRET not in settings.token_policy.key


@pytest.mark.parametrize("key", ["short", STRONG, "-----BEGIN PUBLIC KEY-----\nnot a key\n"])
def test_a_public_key_that_is_no_public_key_is_refused(key: str):
    # Taken for an HS256 secret, it would have skipped the secret's strength check.
    with pytest.raises(ValidationError, match="AUTH_JWT_PUBLIC_KEY must be"):
        DemoSettings(
            app_env="production",
            kafka_security_protocol="SASL_SSL",
            internal_api_token=STRONG,
            auth_jwt_public_key=key,
        )


def test_the_token_policy_follows_the_settings():
    policy = DemoSettings(
        app_env="development", auth_jwt_issuer="pd", auth_jwt_audience="sl", auth_jwt_max_ttl_s=600
    ).token_policy
    assert (policy.key, policy.issuer, policy.audience, policy.max_ttl_s) == (
        DEV_JWT_SECRET,
        "pd",
        "sl",
        600,
    )


def test_secrets_do_not_show_in_repr():
    settings = DemoSettings(auth_jwt_secret=STRONG)
    assert STRONG not in repr(settings)


def test_required_in_production_names_the_service_port():
    assert "DEMO_SERVICE_PORT" in DemoSettings.required_in_production()
    assert "AUTH_JWT_SECRET" in DemoSettings.required_in_production()


def test_prefixes_isolate_topics_and_consumer_groups():
    settings = DemoSettings(topic_prefix="t1.")
    assert settings.topic("share.viewed") == "t1.share.viewed"
    assert settings.consumer_group == "t1.demo-service"


def test_a_caller_needs_its_own_token_and_a_callee_its_callers_digests_outside_development():
    # DESIGN §19: one internal token per calling service.
    class Gateway(DemoSettings):
        service_name: ClassVar[str] = "gateway"

    class LinkService(DemoSettings):
        service_name: ClassVar[str] = "link-service"

    assert "INTERNAL_API_TOKEN" in Gateway.required_in_production()
    assert "INTERNAL_CALLERS" in LinkService.required_in_production()
    assert "INTERNAL_CALLERS" not in Gateway.required_in_production()  # nobody calls it
    production = {"app_env": "production", "auth_jwt_secret": STRONG, "redis_password": STRONG}
    production |= {"kafka_sasl_username": "gateway", "kafka_sasl_password": STRONG}
    production["kafka_security_protocol"] = "SASL_SSL"
    with pytest.raises(ValidationError, match="INTERNAL_API_TOKEN must be gateway's own"):
        Gateway(**production)
    with pytest.raises(ValidationError, match="INTERNAL_CALLERS must hold .* dropbox-service"):
        LinkService(**production, internal_callers={"gateway": "a" * 64})
    assert Gateway(**production, internal_api_token=STRONG).internal_token.get_secret_value() == (
        STRONG
    )


PRODUCTION = {
    "app_env": "production",
    "auth_jwt_secret": STRONG,
    "internal_api_token": STRONG,
    "kafka_sasl_username": "demo-service",
    "kafka_sasl_password": STRONG,
}


@pytest.mark.parametrize("protocol", ["PLAINTEXT", "SASL_PLAINTEXT"])
def test_production_refuses_kafka_without_tls(protocol: str):
    # DESIGN §19: outside development every link to Kafka is authenticated and encrypted.
    with pytest.raises(ValidationError, match=f"must be SASL_SSL .* not {protocol}"):
        DemoSettings(**PRODUCTION, kafka_security_protocol=protocol, redis_password=STRONG)


def test_production_refuses_redis_without_a_password(monkeypatch: pytest.MonkeyPatch):
    for name in ("REDIS_URL", "REDIS_USERNAME", "REDIS_PASSWORD"):
        monkeypatch.delenv(name, raising=False)  # the tests' own, as the operator
    with pytest.raises(ValidationError, match="REDIS_USERNAME and REDIS_PASSWORD must"):
        DemoSettings(**PRODUCTION, kafka_security_protocol="SASL_SSL")


@pytest.mark.parametrize(
    "redis",
    [
        {"redis_username": "demo-service", "redis_password": STRONG},
        {"redis_url": "redis://u:pw@h/0"},
    ],
)
def test_production_accepts_sasl_ssl_kafka_and_a_redis_user(redis: dict[str, str]):
    settings = DemoSettings(**PRODUCTION, kafka_security_protocol="SASL_SSL", **redis)
    assert settings.kafka.security_protocol == "SASL_SSL"


@pytest.mark.parametrize("protocol", ["PLAINTEXT", "SASL_PLAINTEXT"])
def test_development_may_use_loopback_kafka_and_redis_without_a_password(protocol: str):
    settings = DemoSettings(app_env="development", kafka_security_protocol=protocol)
    assert settings.kafka.security_protocol == protocol
