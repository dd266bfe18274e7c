"""FastAPI dependencies for producer JWTs and internal tokens (DESIGN §3)."""

from typing import Annotated

from contracts.auth import InvalidToken, Principal, decode_producer_token, internal_token_matches
from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from service_kit.problems import Problem

_bearer = HTTPBearer(
    bearerFormat="JWT",
    scheme_name="ProducerJWT",
    description="A producer's JWT from Producer Dashboard (DESIGN §3)",
    auto_error=False,
)
_internal_token = APIKeyHeader(
    name="X-Internal-Token",
    scheme_name="InternalToken",
    description="INTERNAL_API_TOKEN, for service-to-service calls only",
    auto_error=False,
)


def _settings_secret(request: Request, name: str) -> str:
    value: str = getattr(request.app.state.runtime.settings, name).get_secret_value()
    return value


async def current_owner(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]
) -> Principal:
    """The producer named by a valid `Authorization: Bearer <JWT>`, else 401."""
    if credentials is None:
        raise _unauthorized("missing bearer token")
    try:
        return decode_producer_token(
            credentials.credentials, request.app.state.runtime.settings.token_policy
        )
    except InvalidToken as error:
        raise _unauthorized(f"invalid token: {error}") from error


async def internal_caller(
    request: Request, token: Annotated[str | None, Security(_internal_token)]
) -> None:
    """Admit only service-to-service calls carrying the right `X-Internal-Token`."""
    if not internal_token_matches(token, _settings_secret(request, "internal_api_token")):
        detail = "X-Internal-Token is missing or wrong."
        raise Problem(401, "not_authenticated", "Not authenticated", detail)


def _unauthorized(reason: str) -> Problem:
    detail = f"Sign in again: {reason}."
    headers = {"WWW-Authenticate": "Bearer"}
    return Problem(401, "not_authenticated", "Not authenticated", detail, headers=headers)


CurrentOwner = Annotated[Principal, Depends(current_owner)]
InternalCaller = Depends(internal_caller)
