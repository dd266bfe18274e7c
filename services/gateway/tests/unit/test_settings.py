"""The gateway's own secrets are refused in production while they are the development ones."""

import pytest
from gateway.clients import ConsoleApi, DropboxService, LinkService
from gateway.settings import Settings
from pydantic import ValidationError

STRONG = "s" * 40
BASE = {"app_env": "production", "auth_jwt_secret": STRONG, "internal_api_token": STRONG}
# The session runs Kafka SASL_PLAINTEXT on loopback; production asks for TLS.
BASE["kafka_security_protocol"] = "SASL_SSL"


OWN = {"visitor_salt": STRONG, "preview_secret": STRONG, "console_secret": STRONG}


@pytest.mark.parametrize("missing", sorted(OWN))
def test_production_refuses_a_development_salt_or_secret(missing: str):
    with pytest.raises(ValidationError, match=missing.upper()):
        Settings(**BASE, **(OWN | {missing: "short"}))
    assert Settings(**BASE, **OWN).app_env == "production"


def test_production_names_every_secret_it_needs():
    assert {
        "VISITOR_SALT",
        "PREVIEW_SECRET",
        "CONSOLE_SECRET",
        "AUTH_JWT_SECRET",
    } <= Settings.required_in_production()


def test_the_link_cache_cannot_outlive_the_revocation_bound():
    with pytest.raises(ValidationError, match="link_cache_ttl_s"):
        Settings(link_cache_ttl_s=5)


def test_every_call_waits_as_long_as_its_variable_says(monkeypatch: pytest.MonkeyPatch):
    waits = {
        "SERVICE_CONNECT_TIMEOUT_S": "1.5",
        "SERVICE_CALL_TIMEOUT_S": "7",
        "LINK_LOOKUP_TIMEOUT_S": "2",
        "TEMPORARY_LINK_TIMEOUT_S": "25",
        "DROPBOX_READ_TIMEOUT_S": "40",
    }
    for name, value in waits.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    dropbox = DropboxService(settings)
    timeouts = {
        "link lookup": LinkService(settings).client.http.timeout,
        "temporary link": dropbox.client.http.timeout,
        "preview bytes": dropbox.content.timeout,
        "console": ConsoleApi(settings).clients["notify"].http.timeout,
    }
    assert {name: (t.connect, t.read) for name, t in timeouts.items()} == {
        "link lookup": (1.5, 2),
        "temporary link": (1.5, 25),
        "preview bytes": (1.5, 40),
        "console": (1.5, 7),
    }
