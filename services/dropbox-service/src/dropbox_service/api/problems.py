"""dropbox-service's domain exceptions as problem details (DESIGN §15), mapped once for
every route; the gateway acts on each code (DESIGN §7)."""

from service_kit.problems import Problem, ProblemFor

from dropbox_service.clients import DropboxUnavailable, NotConnected, RateLimited
from dropbox_service.services.connections import CodeRefused, InvalidState
from dropbox_service.services.temporary_links import FileNotFound

RETRY_DROPBOX_UNAVAILABLE_S = 30


def _invalid_state(error: InvalidState) -> Problem:
    detail = "This Dropbox authorization is unknown, used, expired or not yours; connect again."
    return Problem(400, "invalid_state", "The authorization cannot be used", detail)


def _code_refused(error: CodeRefused) -> Problem:
    detail = "Dropbox did not accept the authorization code; connect again."
    return Problem(400, "code_refused", "Dropbox refused the authorization", detail)


def _not_connected(error: NotConnected) -> Problem:
    detail = "The owner's Dropbox is not connected, or no longer accepts the app."
    return Problem(409, "dropbox_not_connected", "Dropbox is not connected", detail)


def _file_not_found(error: FileNotFound) -> Problem:
    return Problem.not_found("file", "The owner's Dropbox has no file at this path.")


def _rate_limited(error: RateLimited) -> Problem:
    wait = int(error.retry_after) or 1
    detail = f"Dropbox asks to wait {wait} seconds before the next request."
    return Problem(503, "dropbox_rate_limited", "Dropbox is busy", detail, retry_after=wait)


def _unavailable(error: DropboxUnavailable) -> Problem:
    detail = "Dropbox is not answering; try again shortly."
    return Problem(
        503,
        "dropbox_unavailable",
        "Dropbox is unavailable",
        detail,
        retry_after=RETRY_DROPBOX_UNAVAILABLE_S,
    )


PROBLEMS: dict[type[Exception], ProblemFor] = {
    InvalidState: _invalid_state,
    CodeRefused: _code_refused,
    NotConnected: _not_connected,
    FileNotFound: _file_not_found,
    RateLimited: _rate_limited,
    DropboxUnavailable: _unavailable,
}
