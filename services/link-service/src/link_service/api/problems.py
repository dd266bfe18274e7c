"""link-service's domain exceptions as problem details (DESIGN §15), mapped once for every
route."""

from service_kit.problems import Problem, ProblemFor

from link_service.collaborators.budget import OverBudget
from link_service.collaborators.service import (
    Conflict,
    NoCollaborators,
    UnconfinedTracks,
    UnknownTracks,
)
from link_service.connections.service import NotConnected
from link_service.links.budget import LinkBudgetSpent
from link_service.links.domain import SelectionError
from link_service.links.service import LinkRevoked, RecipientsRefused

_WAIT_FOR = {
    "share_in_progress": "A share of this track is still on its way; wait until it is done.",
    "revoke_in_progress": "Access to this track is still being removed; wait until it is done.",
}


def _sentence(error: Exception) -> str:
    words = str(error)
    return f"{words[:1].upper()}{words[1:]}."


def _not_connected(error: NotConnected) -> Problem:
    detail = "Connect Dropbox in Settings before sharing."
    return Problem(409, "dropbox_not_connected", "Dropbox is not connected", detail)


def _conflict(error: Conflict) -> Problem:
    detail = _WAIT_FOR.get(error.reason, "Another change to this track is on its way.")
    return Problem(409, error.reason, "Another change is on its way", detail)


def _over_budget(error: OverBudget) -> Problem:
    detail = f"You have shared a lot lately; try again in {error.retry_after} seconds."
    return Problem(
        429, "share_rate_limited", "Too much sharing", detail, retry_after=error.retry_after
    )


def _link_budget_spent(error: LinkBudgetSpent) -> Problem:
    detail = f"You have created many links lately; try again in {error.retry_after} seconds."
    return Problem(
        429, "link_budget_spent", "Too many new links", detail, retry_after=error.retry_after
    )


def _invalid_selection(error: SelectionError) -> Problem:
    return Problem(422, "invalid_selection", "The selection cannot be shared", _sentence(error))


def _link_revoked(error: LinkRevoked) -> Problem:
    detail = "The link is revoked; create a new one to share these tracks again."
    return Problem(409, "link_revoked", "The link is revoked", detail)


def _recipients_refused(error: RecipientsRefused) -> Problem:
    return Problem(422, "invalid_recipients", "The recipients cannot be added", _sentence(error))


def _no_collaborators(error: NoCollaborators) -> Problem:
    detail = "Add collaborators to the track in Producer Dashboard first."
    return Problem(422, "no_collaborators", "The track has no collaborators", detail)


def _unknown_tracks(error: UnknownTracks) -> Problem:
    return Problem(422, "unknown_tracks", "Tracks not in your catalog", _sentence(error))


def _unconfined_tracks(error: UnconfinedTracks) -> Problem:
    detail = f"{_sentence(error)[:-1]}; put these tracks again with every file inside it."
    return Problem(422, "track_paths_outside_folder", "Files outside the track's folder", detail)


PROBLEMS: dict[type[Exception], ProblemFor] = {
    NotConnected: _not_connected,
    Conflict: _conflict,
    OverBudget: _over_budget,
    LinkBudgetSpent: _link_budget_spent,
    SelectionError: _invalid_selection,
    LinkRevoked: _link_revoked,
    RecipientsRefused: _recipients_refused,
    NoCollaborators: _no_collaborators,
    UnknownTracks: _unknown_tracks,
    UnconfinedTracks: _unconfined_tracks,
}
