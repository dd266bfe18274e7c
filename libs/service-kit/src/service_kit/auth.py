"""FastAPI dependencies for producer JWTs and internal tokens (DESIGN §3)."""

from typing import Annotated

import httpx
from contracts.auth import InvalidToken, Principal, decode_producer_token, internal_token_matches
from fastapi import Depends, Header, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service_kit.settings import ServiceSettings

_bearer = HTTPBearer(auto_error=False)


def _settings_secret(request: Request, name: str) -> str:
    value: str = getattr(request.app.state.runtime.settings, name).get_secret_value()
    return value


async def current_owner(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
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
    request: Request, x_internal_token: Annotated[str | None, Header()] = None
) -> None:
    """Admit only service-to-service calls carrying the right `X-Internal-Token`."""
    if not internal_token_matches(
        x_internal_token, _settings_secret(request, "internal_api_token")
    ):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="invalid internal token")


def internal_client(
    settings: ServiceSettings, base_url: str, timeout_s: float
) -> httpx.AsyncClient:
    """A client of another service's `/internal/...` API, carrying `X-Internal-Token`."""
    token = settings.internal_api_token.get_secret_value()
    return httpx.AsyncClient(
        base_url=base_url, headers={"X-Internal-Token": token}, timeout=timeout_s
    )


def _unauthorized(reason: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=reason, headers={"WWW-Authenticate": "Bearer"}
    )


CurrentOwner = Annotated[Principal, Depends(current_owner)]
InternalCaller = Depends(internal_caller)
