"""What every RPC handler shares: the call context, the endpoint type and Dropbox's errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi.responses import JSONResponse, PlainTextResponse, Response
from stone.backends.python_rsrc import stone_serializers

from .settings import Settings
from .state import Account, World


@dataclass(frozen=True)
class Call:
    """One authenticated call: the world, the caller and the raw body (for uploads)."""

    world: World
    settings: Settings
    account: Account
    token: str
    body: bytes


Handler = Callable[[Call, Any], Any]


@dataclass(frozen=True)
class Endpoint:
    """A stone route (for its arg, result and error types) and the function answering it."""

    route: Any
    handler: Handler


class ApiFailure(Exception):
    """A route error (HTTP 409); `error` is a value of the route's error union."""

    def __init__(self, error: Any) -> None:
        super().__init__(repr(error))
        self.error = error


class AuthFailure(Exception):
    """A token problem (HTTP 401) with an AuthError tag such as `expired_access_token`."""

    def __init__(self, tag: str) -> None:
        super().__init__(tag)
        self.tag = tag


class BadInput(Exception):
    """A malformed call (HTTP 400)."""


def encode(data_type: Any, value: Any) -> str:
    """JSON for a value of a stone type, exactly as Dropbox (and so the SDK) shapes it."""
    return str(stone_serializers.json_encode(data_type, value))  # type: ignore[no-untyped-call]


def decode(data_type: Any, loaded: Any) -> Any:
    """A stone value from parsed JSON; raises stone's ValidationError when it does not fit."""
    return stone_serializers.json_compat_obj_decode(data_type, loaded)  # type: ignore[no-untyped-call]


def api_error(route: Any, error: Any) -> Response:
    """A 409 answer whose `error` the SDK decodes into the route's error union."""
    tagged = json.loads(encode(route.error_type, error))
    return JSONResponse({"error_summary": summary(tagged), "error": tagged}, status_code=409)


def auth_error(tag: str) -> Response:
    """A 401 answer; the SDK asserts its content type is exactly application/json."""
    return JSONResponse({"error_summary": f"{tag}/..", "error": {".tag": tag}}, status_code=401)


def bad_input(route_name: str, message: str) -> Response:
    """A 400 answer worded like Dropbox's, which the SDK raises as BadInputError."""
    text = f'Error in call to API function "{route_name}": {message}'
    return PlainTextResponse(text, status_code=400)


def summary(tagged: Any) -> str:
    """The `error_summary` of a tagged error, e.g. "path/not_found/..": its nested tags."""
    tags = []
    while isinstance(tagged, dict) and ".tag" in tagged:
        tags.append(tagged[".tag"])
        tagged = tagged.get(tagged[".tag"])
    if isinstance(tagged, str):
        tags.append(tagged)
    return "/".join(tags) + "/.."
