"""What stops a request, answered once for every route: on a share page a message page that
says nothing about the link (refused, disconnected, unavailable); on the console its
problem page, or sign-in when the session has ended."""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from service_kit.service_client import NotFound, Refused, ServiceError, Unauthenticated
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.clients import OwnerDisconnected, PreviewUnavailable
from gateway.console.render import see_other
from gateway.console.session import Forbidden, SignedOut, forget
from gateway.html import templates
from gateway.security import headers_for
from gateway.service import Refusal

RETRY_UNAVAILABLE_S = 30
RETRY_DISCONNECTED_S = 300  # the producer has to reconnect Dropbox first


def install(app: FastAPI) -> None:
    """Register the gateway's exception handlers on `app` (over service-kit's: a console
    request not valid, or for no route, gets the console's page instead of problem+json)."""
    for kind, status, title, detail in _CONSOLE_PAGES:
        app.add_exception_handler(
            kind, _on_console_as(app.exception_handlers[kind], status, title, detail)
        )
    app.add_exception_handler(Refusal, _refusal)
    app.add_exception_handler(OwnerDisconnected, _disconnected)
    app.add_exception_handler(ServiceError, _service_error)
    for outage in (PreviewUnavailable, RedisConnectionError, RedisTimeoutError):
        app.add_exception_handler(outage, _unavailable)
    app.add_exception_handler(Exception, _crashed)
    app.add_exception_handler(SignedOut, _signed_out)
    app.add_exception_handler(Forbidden, _forbidden)


async def _refusal(request: Request, refusal: Exception) -> Response:
    """The message page saying why: 403, 404, 410, 429 with Retry-After."""
    assert isinstance(refusal, Refusal)
    wait = {"Retry-After": str(refusal.retry_after)} if refusal.retry_after else None
    return _message(request, refusal.status, refusal.reason, wait)


async def _disconnected(request: Request, error: Exception) -> Response:
    return _message(request, 503, "disconnected", {"Retry-After": str(RETRY_DISCONNECTED_S)})


async def _service_error(request: Request, error: Exception) -> Response:
    """Another service's answer: on a share page an outage whatever it was (a visitor can do
    nothing about it); on the console by what the producer can do."""
    if not _on_console(request) or not isinstance(error, Unauthenticated | NotFound | Refused):
        return await _unavailable(request, error)
    if isinstance(error, Unauthenticated):
        return await _signed_out(request, error)
    if isinstance(error, NotFound):
        return _console_problem(request, 404, "Not found", "It does not exist, or it is not yours.")
    return _console_problem(request, 422, "That could not be done", error.detail)


async def _unavailable(request: Request, error: Exception) -> Response:
    """A dependency away (a service, Dropbox, Redis): the 503 page, never a bare error."""
    if not _on_console(request):
        return _message(request, 503, "unavailable", {"Retry-After": str(RETRY_UNAVAILABLE_S)})
    answer = _console_problem(
        request,
        503,
        "Temporarily unavailable",
        "Part of the system is not answering. Try again in a moment.",
    )
    answer.headers["Retry-After"] = str(RETRY_UNAVAILABLE_S)
    return answer


async def _crashed(request: Request, error: Exception) -> Response:
    """Anything unforeseen: 500, still our page with our headers (Starlette answers it
    outside every middleware, SecurityHeaders too); the server logs the exception."""
    if _on_console(request):
        answer = _console_problem(
            request, 500, "Something went wrong", "It was not your doing. Try again in a moment."
        )
    else:
        answer = _message(request, 500, "unavailable")
    answer.headers.update(headers_for(request.url.path))
    return answer


async def _signed_out(request: Request, error: Exception) -> Response:
    """To the sign-in page in development; elsewhere, back through Producer Dashboard."""
    answer: Response
    if request.app.state.gateway.settings.development:
        answer = see_other("/console/sign-in")
    else:
        answer = _console_problem(
            request,
            401,
            "Your session has ended",
            "Open the console again from Producer Dashboard.",
        )
    forget(answer)
    return answer


async def _forbidden(request: Request, error: Exception) -> Response:
    return _console_problem(
        request, 403, "That did not come from the console", "Reload the page and try again."
    )


_CONSOLE_PAGES = (
    (
        RequestValidationError,
        422,
        "That is not a valid request",
        "Something in its address or form is not what the console sends. Go back and try again.",
    ),
    (StarletteHTTPException, 404, "Not found", "There is no such page in the console."),
)


def _on_console_as(
    elsewhere: Callable[[Request, Exception], Any], status: int, title: str, detail: str
) -> Callable[[Request, Exception], Awaitable[Response]]:
    """On the console, its problem page (an HTTP error keeps its own status); elsewhere what
    `elsewhere` answers."""

    async def answer(request: Request, error: Exception) -> Response:
        if not _on_console(request):
            answered: Response = await elsewhere(request, error)
            return answered
        code = error.status_code if isinstance(error, StarletteHTTPException) else status
        return _console_problem(request, code, title if code == status else "Not possible", detail)

    return answer


def _on_console(request: Request) -> bool:
    return request.url.path.startswith("/console")


def _message(
    request: Request, status: int, reason: str, headers: dict[str, str] | None = None
) -> Response:
    """A friendly page saying why there is nothing here, and nothing about the link."""
    return templates.TemplateResponse(
        request, "message.html", {"reason": reason}, status_code=status, headers=headers
    )


def _console_problem(request: Request, status: int, title: str, detail: str) -> Response:
    values = {"title": title, "detail": detail}
    return templates.TemplateResponse(request, "console/problem.html", values, status_code=status)
