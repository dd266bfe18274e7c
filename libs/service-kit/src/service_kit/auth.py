"""FastAPI dependencies for producer JWTs and internal tokens (DESIGN §3)."""

from typing import Annotated, Any

from contracts.auth import InvalidToken, Principal, decode_producer_token, internal_caller_of
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
    description="The calling service's own INTERNAL_API_TOKEN, for service-to-service calls only",
    auto_error=False,
)


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


def internal_caller(*admitted: str) -> Any:
    """A dependency admitting only the services named, each by its own `X-Internal-Token`
    (DESIGN §19): an unknown token is 401, another service's valid token 403. It answers
    the caller's name."""

    async def caller(
        request: Request, token: Annotated[str | None, Security(_internal_token)]
    ) -> str:
        settings = request.app.state.runtime.settings
        name = internal_caller_of(token, settings.admitted_callers)
        if name is None:
            detail = "X-Internal-Token is missing or wrong."
            raise Problem(401, "not_authenticated", "Not authenticated", detail)
        if name not in admitted:
            detail = f"{name} may not call this route."
            raise Problem(403, "caller_not_allowed", "Caller not allowed", detail)
        return name

    return Depends(caller)


def _unauthorized(reason: str) -> Problem:
    detail = f"Sign in again: {reason}."
    headers = {"WWW-Authenticate": "Bearer"}
    return Problem(401, "not_authenticated", "Not authenticated", detail, headers=headers)


CurrentOwner = Annotated[Principal, Depends(current_owner)]
