"""Verification of producer JWTs and internal service tokens (DESIGN §3).

Producer Dashboard issues the tokens. A token is accepted only with the configured issuer
and audience, a lifetime (`exp` - `iat`) no longer than the policy allows, and a `sub` of
the owner id shape. With a public key (EdDSA or RS256, PEM) the services verify without
holding anything that can mint tokens; HS256 with a shared secret stays for development.
The algorithm follows from the key, never from the token's header, so a token cannot pick
`none` or sign with the public key as an HMAC secret.
"""

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from contracts.clock import unix_s, utc_now
from contracts.ids import OWNER_ID_PATTERN

DEFAULT_ISSUER = "producer-dashboard"
DEFAULT_AUDIENCE = "share-links"
DEFAULT_MAX_TTL_S = 86400
REQUIRED_CLAIMS = ["sub", "exp", "iat", "iss", "aud"]


class InvalidToken(Exception):
    """The bearer token is missing, malformed, expired, wrongly signed or out of policy."""


@dataclass(frozen=True, slots=True)
class Principal:
    """The producer a request acts for."""

    user_id: str
    email: str | None = None
    name: str | None = None
    expires_at: int = 0  # the token's `exp`, seconds since the epoch


@dataclass(frozen=True)
class TokenPolicy:
    """What a producer JWT must be: signed with `key` (an HS256 secret, or a PEM public
    key), from `issuer` for `audience`, living at most `max_ttl_s`."""

    key: str
    issuer: str = DEFAULT_ISSUER
    audience: str = DEFAULT_AUDIENCE
    max_ttl_s: int = DEFAULT_MAX_TTL_S

    @property
    def algorithms(self) -> list[str]:
        """The one algorithm the key allows."""
        return [self._verifier[1]]

    @cached_property
    def _verifier(self) -> tuple[str | Ed25519PublicKey | RSAPublicKey, str]:
        """The key as PyJWT verifies with it, and its algorithm: parsed once, not per token."""
        if not self.key.lstrip().startswith("-----BEGIN"):
            return self.key, "HS256"
        public = load_pem_public_key(self.key.encode())
        if isinstance(public, Ed25519PublicKey):
            return public, "EdDSA"
        if isinstance(public, RSAPublicKey):
            return public, "RS256"
        raise ValueError("AUTH_JWT_PUBLIC_KEY must be an Ed25519 or RSA public key")


def decode_producer_token(token: str, policy: TokenPolicy) -> Principal:
    """Verify a producer JWT against `policy` and return its producer."""
    try:
        key, algorithm = policy._verifier
        claims = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=policy.audience,
            issuer=policy.issuer,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from error
    _check_lifetime(claims, policy.max_ttl_s)
    subject = claims["sub"]
    if not isinstance(subject, str) or re.fullmatch(OWNER_ID_PATTERN, subject) is None:
        raise InvalidToken("sub is not a user id")
    return Principal(
        user_id=subject,
        email=claims.get("email"),
        name=claims.get("name"),
        expires_at=claims["exp"],
    )


def _check_lifetime(claims: dict[str, Any], max_ttl_s: int) -> None:
    issued, expires = claims["iat"], claims["exp"]
    if not isinstance(issued, int) or not isinstance(expires, int):
        raise InvalidToken("iat and exp must be whole seconds")
    if expires - issued > max_ttl_s or expires - unix_s(utc_now()) > max_ttl_s:
        raise InvalidToken(f"the token lives longer than {max_ttl_s} s")


def issue_producer_token(
    user_id: str,
    key: str,
    *,
    expires_at: int,
    email: str | None = None,
    name: str | None = None,
    issuer: str = DEFAULT_ISSUER,
    audience: str = DEFAULT_AUDIENCE,
    algorithm: str = "HS256",
) -> str:
    """Sign a producer JWT as Producer Dashboard would; used by tests, the demo loader and
    the console's development sign-in."""
    claims: dict[str, object] = {
        "sub": user_id,
        "exp": expires_at,
        "iat": unix_s(utc_now()),
        "iss": issuer,
        "aud": audience,
    }
    if email:
        claims["email"] = email
    if name:
        claims["name"] = name
    return jwt.encode(claims, key, algorithm=algorithm)


def internal_token_digest(token: str) -> str:
    """What a service answering internal calls keeps of a caller's token (INTERNAL_CALLERS):
    its SHA-256, so that it cannot present the token to another service itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def internal_caller_of(given: str | None, digests: Mapping[str, str]) -> str | None:
    """The caller whose token an `X-Internal-Token` header holds (constant-time), else None."""
    if given is None:
        return None
    presented = internal_token_digest(given)
    found = None
    for caller, digest in digests.items():  # every digest compared: the time says nothing
        if hmac.compare_digest(presented, digest):
            found = caller
    return found
