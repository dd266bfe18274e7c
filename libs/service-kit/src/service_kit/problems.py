"""Every error answer as RFC 9457 problem details (DESIGN §15): the `Problem` a route raises,
the `ProblemDetails` schema the OpenAPI documents name, the exception handlers answering
them, and `problem_responses`, an operation's documented error statuses."""

import logging
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
RETRY_UNAVAILABLE_S = 2  # Redis restarting or failing over: back within seconds
CODE_PATTERN = r"^[a-z][a-z0-9_]*$"


class ValidationIssue(BaseModel):
    """One reason a request is not valid: where (`loc`), why (`msg`) and its kind."""

    loc: list[str | int]
    msg: str
    type: str


class ProblemDetails(BaseModel):
    """An error answer (RFC 9457). Clients branch on `code`; `detail` is for a person."""

    type: str = Field(description="`/problems/<code>`", examples=["/problems/link_not_found"])
    title: str = Field(description="A short summary of the kind of problem")
    status: int = Field(ge=400, le=599, description="The HTTP status code")
    detail: str = Field(description="What happened, in words for a person")
    code: str = Field(pattern=CODE_PATTERN, description="The stable machine-readable code")
    errors: list[ValidationIssue] | None = Field(
        default=None, description="Validation errors (422 validation_failed only)"
    )


class Problem(Exception):
    """An error answer: raise it from a route or map a domain exception onto it."""

    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str,
        *,
        retry_after: int | None = None,
        errors: list[ValidationIssue] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.details = ProblemDetails(
            type=f"/problems/{code}",
            title=title,
            status=status,
            detail=detail,
            code=code,
            errors=errors,
        )
        self.headers = dict(headers or {})
        if retry_after is not None:
            self.headers["Retry-After"] = str(retry_after)

    @classmethod
    def not_found(cls, thing: str, detail: str | None = None) -> "Problem":
        """404 `<thing>_not_found`: unknown, or another owner's (DESIGN §3)."""
        name = thing.replace("_", " ")
        detail = detail or f"You have no {name} with this id."
        return cls(404, f"{thing}_not_found", f"{name.capitalize()} not found", detail)

    def response(self) -> Response:
        """The problem+json answer."""
        return JSONResponse(
            self.details.model_dump(mode="json", exclude_none=True),
            status_code=self.details.status,
            headers=self.headers,
            media_type=PROBLEM_JSON,
        )


ProblemFor = Callable[[Any], Problem]


def install_problem_handlers(app: FastAPI, mapped: Mapping[type[Exception], ProblemFor]) -> None:
    """Answer `Problem`, HTTP errors (unknown route, wrong method), validation errors and
    each exception of `mapped` (a service's domain errors) with problem details."""
    app.add_exception_handler(Problem, _answer_problem)
    app.add_exception_handler(StarletteHTTPException, _answer_http_error)
    app.add_exception_handler(RequestValidationError, _answer_invalid)
    for exception, problem_for in mapped.items():
        app.add_exception_handler(exception, _answer_mapped(problem_for))


async def _answer_problem(request: Request, error: Exception) -> Response:
    assert isinstance(error, Problem)
    return error.response()


def _answer_mapped(problem_for: ProblemFor) -> Callable[[Request, Exception], Any]:
    async def answer(request: Request, error: Exception) -> Response:
        problem = problem_for(error)
        if problem.details.status >= 500:
            log.warning(
                "answered with a server-side problem",
                extra={"code": problem.details.code, "error": repr(error)},
            )
        return problem.response()

    return answer


async def _answer_http_error(request: Request, error: Exception) -> Response:
    """Starlette's own errors (404 for an unknown route, 405) and any `HTTPException`."""
    assert isinstance(error, StarletteHTTPException)
    phrase = HTTPStatus(error.status_code).phrase
    code = phrase.lower().replace(" ", "_").replace("-", "_")
    detail = error.detail if error.detail and error.detail != phrase else _SAYS.get(code, phrase)
    headers = dict(error.headers or {})
    return Problem(error.status_code, code, phrase, str(detail), headers=headers).response()


_SAYS = {
    "not_found": "Nothing is here: check the method and path.",
    "method_not_allowed": "This path does not answer that method.",
}


async def _answer_invalid(request: Request, error: Exception) -> Response:
    """422 validation_failed, with every reason the request is not valid."""
    assert isinstance(error, RequestValidationError)
    issues = [
        ValidationIssue(loc=list(e["loc"]), msg=str(e["msg"]), type=str(e["type"]))
        for e in error.errors()
    ]
    reasons = "; ".join(f"{'.'.join(map(str, i.loc))}: {i.msg}" for i in issues[:5])
    detail = f"The request is not valid: {reasons}."
    problem = Problem(422, "validation_failed", "The request is not valid", detail, errors=issues)
    return problem.response()


def body_too_large(max_bytes: int) -> Problem:
    """422 body_too_large: refused before anyone parses it (DESIGN §12)."""
    detail = f"The request body is larger than {max_bytes} bytes."
    return Problem(422, "body_too_large", "The request body is too large", detail)


def storage_unavailable(error: Exception) -> Problem:
    """503 unavailable: Redis is away (restarting, failing over), never a 500."""
    detail = "Storage is not answering for a moment; try again shortly."
    return Problem(
        503, "unavailable", "Temporarily unavailable", detail, retry_after=RETRY_UNAVAILABLE_S
    )


def problem_code(answer: httpx.Response) -> str | None:
    """The `code` of another service's problem+json answer; None when it is not one."""
    if not answer.headers.get("content-type", "").startswith(PROBLEM_JSON):
        return None
    try:
        code = answer.json().get("code")
    except (ValueError, AttributeError):
        return None
    return code if isinstance(code, str) else None
