"""What every service's OpenAPI document says the same way: short operation ids, the
development server, and each error status as problem details (DESIGN §15)."""

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from service_kit.problems import PROBLEM_JSON, ProblemDetails

PUBLIC: dict[str, Any] = {"security": []}  # an operation anyone may call (health)
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }
}
_WHEN = {
    400: "The request cannot be carried out as asked",
    401: "Missing or invalid credentials",
    404: "Not found, or not the caller's",
    409: "Conflicts with the resource's state",
    422: "The request is not valid",
    429: "Too many requests: wait `Retry-After` seconds",
    503: "Temporarily unavailable: retry after `Retry-After` seconds",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of an operation that can answer these error statuses."""
    return {status: _problem_response(status) for status in statuses}


def _problem_response(status: int) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/ProblemDetails"}
    response: dict[str, Any] = {
        "description": _WHEN.get(status, HTTPStatus(status).phrase),
        "content": {PROBLEM_JSON: {"schema": schema}},
    }
    if status in (429, 503):
        response["headers"] = _RETRY_AFTER
    return response


def operation_id(route: APIRoute) -> str:
    """The operation id: the route function's name in camelCase (`create_link` ->
    `createLink`); the document test checks they are unique."""
    first, *rest = route.name.split("_")
    return first + "".join(word.capitalize() for word in rest)


def development_servers(port: int) -> list[dict[str, str]]:
    """The `servers` of a service's document: where `make up` runs it."""
    return [{"url": f"http://localhost:{port}", "description": "development (make up)"}]


def with_problem_schemas(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """`app.openapi` with ProblemDetails (and what it refers to) among the components."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        problem = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem.pop("$defs", {}))
        schemas["ProblemDetails"] = problem
        return document

    return openapi
