"""Verification of producer JWTs and internal service tokens (DESIGN §3)."""

import hmac
from dataclasses import dataclass

import jwt

ALGORITHM = "HS256"


class InvalidToken(Exception):
    """The bearer token is missing, malformed, expired or wrongly signed."""


@dataclass(frozen=True, slots=True)
class Principal:
    """The producer a request acts for."""

    user_id: str
    email: str | None = None
    name: str | None = None
    expires_at: int = 0  # the token's `exp`, seconds since the epoch


def decode_producer_token(token: str, secret: str) -> Principal:
    """Verify an HS256 JWT (`sub` and `exp` required) and return its producer."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]}
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from error
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject:
        raise InvalidToken("sub must be a non-empty string")
    return Principal(
        user_id=subject,
        email=claims.get("email"),
        name=claims.get("name"),
        expires_at=claims["exp"],
    )


def issue_producer_token(
    user_id: str, secret: str, *, expires_at: int, email: str | None = None, name: str | None = None
) -> str:
    """Sign a producer JWT; used by tests and the demo console."""
    claims: dict[str, object] = {"sub": user_id, "exp": expires_at}
    if email:
        claims["email"] = email
    if name:
        claims["name"] = name
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def internal_token_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison of an `X-Internal-Token` header with the configured token."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())
