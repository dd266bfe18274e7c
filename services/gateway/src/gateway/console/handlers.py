"""How the console answers what stops a page: signed out, refused, not found, an outage."""

from fastapi import FastAPI, Request
from fastapi.responses import Response

from gateway.console.render import see_other
from gateway.console.services import NotFound, Refused, ServiceUnavailable
from gateway.console.session import Forbidden, SignedOut, forget
from gateway.html import templates

RETRY_UNAVAILABLE_S = 30


def install(app: FastAPI) -> None:
    """Register the console's exception handlers on `app`."""
    app.add_exception_handler(SignedOut, _signed_out)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(Refused, _refused)
    app.add_exception_handler(ServiceUnavailable, _unavailable)


async def _signed_out(request: Request, error: Exception) -> Response:
    """To the sign-in page in development; elsewhere, back through Producer Dashboard."""
    answer: Response
    if request.app.state.gateway.settings.app_env == "development":
        answer = see_other("/console/sign-in")
    else:
        answer = _problem(
            request,
            401,
            "Your session has ended",
            "Open the console again from Producer Dashboard.",
        )
    forget(answer)
    return answer


async def _forbidden(request: Request, error: Exception) -> Response:
    return _problem(
        request, 403, "That did not come from the console", "Reload the page and try again."
    )


async def _not_found(request: Request, error: Exception) -> Response:
    return _problem(request, 404, "Not found", "It does not exist, or it is not yours.")


async def _refused(request: Request, error: Exception) -> Response:
    assert isinstance(error, Refused)
    return _problem(request, 422, "That could not be done", error.detail)


async def _unavailable(request: Request, error: Exception) -> Response:
    answer = _problem(
        request,
        503,
        "Temporarily unavailable",
        "Part of the system is not answering. Try again in a moment.",
    )
    answer.headers["Retry-After"] = str(RETRY_UNAVAILABLE_S)
    return answer


def _problem(request: Request, status: int, title: str, detail: str) -> Response:
    values = {"title": title, "detail": detail}
    return templates.TemplateResponse(request, "console/problem.html", values, status_code=status)
