import pytest
from cryptography.fernet import Fernet
from dropbox_service.crypto import TokenCipher
from dropbox_service.settings import Settings
from pydantic import ValidationError

STRONG = "x" * 40


def test_refresh_tokens_are_not_stored_in_clear():
    cipher = TokenCipher(Fernet.generate_key().decode())
    sealed = cipher.encrypt("refresh-token-123")
    assert "refresh-token-123" not in sealed
    assert cipher.decrypt(sealed) == "refresh-token-123"


def test_another_key_cannot_read_a_token():
    sealed = TokenCipher(Fernet.generate_key().decode()).encrypt("rt")
    with pytest.raises(ValueError, match="DROPBOX_TOKEN_KEY"):
        TokenCipher(Fernet.generate_key().decode()).decrypt(sealed)


def test_production_refuses_the_development_token_key():
    with pytest.raises(ValidationError, match="DROPBOX_TOKEN_KEY"):
        Settings(
            app_env="production",
            kafka_security_protocol="SASL_SSL",
            internal_callers={"gateway": "a" * 64},
            auth_jwt_secret=STRONG,
            internal_api_token=STRONG,
        )


def test_production_names_the_dropbox_settings_it_needs():
    assert {"DROPBOX_APP_KEY", "DROPBOX_TOKEN_KEY"} <= Settings.required_in_production()
