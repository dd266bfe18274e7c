"""The RPC dispatcher: POST /2/<route> → authenticate, decode, answer, encode."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from stone.backends.python_rsrc.stone_validators import ValidationError

from . import accounts, file_members, files, folders, tokens
from .api import (
    ApiFailure,
    AuthFailure,
    BadInput,
    Call,
    Endpoint,
    api_error,
    auth_error,
    bad_input,
    decode,
    encode,
)
from .faults import observe
from .settings import Settings
from .state import Account, World

ROUTES: dict[str, Endpoint] = {
    **accounts.ROUTES,
    **files.ROUTES,
    **folders.ROUTES,
    **file_members.ROUTES,
}


def make_router(world: World, settings: Settings) -> APIRouter:
    """POST /2/<route> on every host name (api and content share one port)."""
    router = APIRouter()

    @router.post("/2/{name:path}")
    async def rpc(name: str, request: Request) -> Response:
        if (fault := await observe(world, name)) is not None:
            return fault
        body = await request.body()
        return dispatch(world, settings, name, request.headers, body)

    return router


def dispatch(
    world: World, settings: Settings, name: str, headers: Mapping[str, str], body: bytes
) -> Response:
    """Answer one call with the route's result, or with the error Dropbox would send."""
    endpoint = ROUTES.get(name)
    if endpoint is None:
        return bad_input(name, "Unknown API function")
    try:
        with world.lock:
            token, account = authenticate(world, headers)
            arg = decode_arg(endpoint, headers, body)
            result = endpoint.handler(Call(world, settings, account, token, body), arg)
            encoded = encode(endpoint.route.result_type, result)
    except ApiFailure as failure:
        return api_error(endpoint.route, failure.error)
    except AuthFailure as failure:
        return auth_error(failure.tag)
    except BadInput as failure:
        return bad_input(name, str(failure))
    # The SDK asserts this content type exactly (no charset).
    return Response(encoded, media_type="application/json")


def authenticate(world: World, headers: Mapping[str, str]) -> tuple[str, Account]:
    """The bearer token and its account; raise AuthFailure or BadInput otherwise."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise BadInput('Must provide HTTP header "Authorization" with a Bearer token.')
    if tokens.is_expired(world, token):
        raise AuthFailure("expired_access_token")
    account = tokens.owner_of(world, token)
    if account is None:
        raise AuthFailure("invalid_access_token")
    return token, account


def decode_arg(endpoint: Endpoint, headers: Mapping[str, str], body: bytes) -> Any:
    """The route's argument, from the body or (for uploads) the Dropbox-API-Arg header."""
    is_upload = endpoint.route.attrs.get("style") == "upload"
    raw = headers.get("dropbox-api-arg", "") if is_upload else body.decode()
    where = "HTTP header Dropbox-API-Arg" if is_upload else "request body"
    try:
        loaded = json.loads(raw or "null")
        return decode(endpoint.route.arg_type, loaded)
    except ValueError as error:
        raise BadInput(f"{where}: could not decode input as JSON: {error}") from error
    except ValidationError as error:
        raise BadInput(f"{where}: {error}") from error
