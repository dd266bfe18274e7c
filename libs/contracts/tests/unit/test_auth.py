"""Producer JWTs (DESIGN §3): what is let in, and every way a token is refused."""

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from contracts.auth import (
    InvalidToken,
    TokenPolicy,
    decode_producer_token,
    internal_caller_of,
    internal_token_digest,
    issue_producer_token,
)
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

SECRET = "test-secret-that-is-at-least-32-bytes-long"
POLICY = TokenPolicy(SECRET)
# The refused claims below are built at collection; a token that must be valid is made
# when its test runs (a long session reaches this module minutes after collecting it).
NOW = int(time.time())


def _soon() -> int:
    return int(time.time()) + 60


def _claims(**changes: object) -> dict[str, object]:
    claims = {
        "sub": "u-1",
        "iat": NOW,
        "exp": NOW + 60,
        "iss": "producer-dashboard",
        "aud": "share-links",
    } | changes
    return {name: value for name, value in claims.items() if value is not None}


def test_a_valid_token_gives_the_producer():
    expires = _soon()
    token = issue_producer_token("u-1", SECRET, expires_at=expires, email="a@b.c")
    principal = decode_producer_token(token, POLICY)
    assert (principal.user_id, principal.email, principal.expires_at) == ("u-1", "a@b.c", expires)


@pytest.mark.parametrize(
    ("claims", "key", "algorithm"),
    [
        (_claims(exp=NOW - 5), SECRET, "HS256"),
        (_claims(), "another-secret-that-is-at-least-32-bytes", "HS256"),
        (_claims(exp=None), SECRET, "HS256"),
        (_claims(iat=None), SECRET, "HS256"),
        (_claims(iss=None), SECRET, "HS256"),
        (_claims(iss="someone-else"), SECRET, "HS256"),
        (_claims(aud=None), SECRET, "HS256"),
        (_claims(aud="another-app"), SECRET, "HS256"),
        (_claims(exp=NOW + 86400 * 2), SECRET, "HS256"),
        (_claims(iat=NOW - 86400 * 2, exp=NOW + 60), SECRET, "HS256"),
        (_claims(sub=""), SECRET, "HS256"),
        (_claims(sub="u-1:{tag}*"), SECRET, "HS256"),
        (_claims(sub="../etc"), SECRET, "HS256"),
        (_claims(sub="x" * 129), SECRET, "HS256"),
        (_claims(sub=42), SECRET, "HS256"),
        (_claims(), None, "none"),
        (_claims(), SECRET * 2, "HS512"),
    ],
    ids=[
        "expired",
        "wrong-secret",
        "no-exp",
        "no-iat",
        "no-iss",
        "wrong-iss",
        "no-aud",
        "wrong-aud",
        "lives-too-long",
        "issued-too-long-ago",
        "empty-sub",
        "sub-with-key-syntax",
        "sub-path",
        "sub-too-long",
        "sub-not-a-string",
        "alg-none",
        "another-hmac",
    ],
)
def test_a_token_out_of_policy_is_refused(claims: dict, key: str | None, algorithm: str):
    token = jwt.encode(claims, key, algorithm=algorithm)
    with pytest.raises(InvalidToken):
        decode_producer_token(token, POLICY)


def test_a_tampered_token_is_refused():
    header, payload, signature = issue_producer_token("u-1", SECRET, expires_at=_soon()).split(".")
    forged = jwt.encode(_claims(sub="u-2"), "x" * 40, algorithm="HS256").split(".")[1]
    with pytest.raises(InvalidToken):
        decode_producer_token(f"{header}.{forged}.{signature}", POLICY)


def test_garbage_is_refused():
    with pytest.raises(InvalidToken):
        decode_producer_token("not-a-jwt", POLICY)


def _pem(public: ed25519.Ed25519PublicKey | rsa.RSAPublicKey) -> str:
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


@pytest.mark.parametrize("kind", ["EdDSA", "RS256"])
def test_a_public_key_verifies_tokens_its_private_key_signed(kind: str):
    private = (
        ed25519.Ed25519PrivateKey.generate()
        if kind == "EdDSA"
        else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    policy = TokenPolicy(_pem(private.public_key()))
    signed = issue_producer_token("u-1", private, expires_at=_soon(), algorithm=kind)  # type: ignore[arg-type]
    assert decode_producer_token(signed, policy).user_id == "u-1"

    # The public key is no HMAC secret: a token signed with it as one is refused, and so
    # is one signed with the development secret.
    development = issue_producer_token("u-1", SECRET, expires_at=_soon())
    for token in (_hmac_signed(_claims(), policy.key), development):
        with pytest.raises(InvalidToken):
            decode_producer_token(token, policy)


def _hmac_signed(claims: dict[str, object], key: str) -> str:
    """A HS256 token made by hand (PyJWT itself refuses a PEM key as an HMAC secret)."""

    def part(value: bytes) -> str:
        return base64.urlsafe_b64encode(value).rstrip(b"=").decode()

    header = {"alg": "HS256", "typ": "JWT"}
    signing_input = ".".join(part(json.dumps(value).encode()) for value in (header, claims))
    signature = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{part(signature)}"


def test_an_internal_token_names_its_caller_by_digest():
    digests = {
        "gateway": internal_token_digest("abc"),
        "dropbox-service": internal_token_digest("xyz"),
    }
    assert internal_token_digest("abc") != "abc"  # the callee keeps no token it could present
    assert internal_caller_of("abc", digests) == "gateway"
    assert internal_caller_of("xyz", digests) == "dropbox-service"
    assert internal_caller_of("abd", digests) is None
    assert internal_caller_of(None, digests) is None
    assert internal_caller_of(internal_token_digest("abc"), digests) is None  # not the digest
