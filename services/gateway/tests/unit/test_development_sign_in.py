"""The development sign-in mints a session for anyone who asks: it exists only in development
mode, which needs APP_ENV=development and every listener on loopback."""

import httpx
import pytest
from gateway.app import create_app
from gateway.settings import Settings
from pydantic import ValidationError

pytestmark = pytest.mark.unit

STRONG = "s" * 40
SECRETS = dict.fromkeys(
    ("auth_jwt_secret", "internal_api_token", "visitor_salt", "preview_secret", "console_secret"),
    STRONG,
)


@pytest.mark.parametrize(
    "listeners",
    [
        {"http_host": "0.0.0.0"},
        {"http_host": "10.1.2.3"},
        {"admin_host": "0.0.0.0"},
    ],
    ids=["public-everywhere", "public-on-an-address", "admin-everywhere"],
)
async def test_no_sign_in_when_a_listener_is_beyond_loopback(listeners: dict[str, str]):
    with pytest.raises(ValidationError, match="APP_ENV=development needs every listener"):
        Settings(app_env="development", **listeners, **SECRETS)
    settings = Settings(
        app_env="production", kafka_security_protocol="SASL_SSL", **listeners, **SECRETS
    )
    assert not settings.development
    app = create_app(settings)
    # No lifespan: nothing is started, only the routes answer.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as client:
        page = await client.get("/console/sign-in")
        signed_in = await client.post(
            "/console/sign-in", data={"user_id": "u-demo"}, headers={"Origin": "http://t"}
        )
    assert page.status_code == 404
    assert signed_in.status_code == 404 and "set-cookie" not in signed_in.headers


def test_development_mode_is_development_on_loopback_only():
    assert Settings().development
    assert Settings(http_host="::1", admin_host="localhost").development
    assert not Settings(
        app_env="production", kafka_security_protocol="SASL_SSL", **SECRETS
    ).development
