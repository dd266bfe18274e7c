"""dropbox-service's pure rules and records: no clock, no I/O (the callers pass the time)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from contracts.catalog import CatalogTrack
from contracts.events import CollabFailed, CollabGranted, CollabShareRequested, Event

from dropbox_service.paths import check_dropbox_path

# Dropbox's rule: a temporary link works for four hours.
LINK_LIFETIME = timedelta(hours=4)
# Per collaborator, the accesses given: target → the address it was given to.
Accesses = dict[str, str]
# Why the owner's catalog does not allow a share (collab.failed's reason; decision 0005).
NOT_IN_CATALOG = "not_in_catalog"
OUTSIDE_TRACK_FOLDER = "outside_track_folder"


@dataclass(frozen=True)
class Connection:
    """A producer's Dropbox link: whose account, and the refresh token to act for them."""

    refresh_token: str
    account_id: str
    email: str
    name: str
    connected_at: str


@dataclass(frozen=True)
class CachedLink:
    """A temporary link handed out before, and the instant it stops working."""

    url: str
    expires_at: datetime


@dataclass
class Outcome:
    """Per collaborator: the accesses granted (to revoke them later) or why it failed."""

    granted: dict[str, Accesses] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    access_url: str | None = None


def same_connection(one: Connection, other: Connection) -> bool:
    """Whether two readings are the same connection (not a reconnect in between)."""
    return (one.account_id, one.connected_at) == (other.account_id, other.connected_at)


def reusable(link: CachedLink | None, now: datetime, reuse_min: timedelta) -> CachedLink | None:
    """The cached link if it still has `reuse_min` to live at `now`, else None."""
    if link is None or link.expires_at - now < reuse_min:
        return None
    return link


def age_s(occurred_at: datetime, now: datetime) -> float:
    """How old a request that occurred at `occurred_at` is at `now`, in seconds."""
    return (now - occurred_at).total_seconds()


def grant_events(
    request: CollabShareRequested, outcome: Outcome, owner_name: str | None
) -> list[Event]:
    """One collab.granted or collab.failed per collaborator of the request."""
    common = {
        "request_id": request.request_id,
        "job_id": request.job_id,
        "owner_id": request.owner_id,
        "track_id": request.track_id,
    }
    events: list[Event] = []
    for person in request.collaborators:
        if person.collaborator_id in outcome.granted:
            events.append(
                CollabGranted(
                    **common,
                    owner_name=owner_name or request.owner_id,
                    track_title=request.track_title,
                    collaborator=person,
                    mode=request.mode,
                    access_url=outcome.access_url,
                    message=request.message,
                )
            )
        else:
            reason = outcome.failed.get(person.collaborator_id, "unknown")
            events.append(
                CollabFailed(**common, collaborator_id=person.collaborator_id, reason=reason)
            )
    return events


def catalog_refusals(request: CollabShareRequested, track: CatalogTrack | None) -> dict[str, str]:
    """Per collaborator id of the request, why the owner's catalog (`track` as it holds it
    now) does not allow sharing with them: every one when the track, its folder or a file
    named is not the catalog's, or a file lies outside the folder; otherwise those who are
    not the track's collaborators (by id and address)."""
    if reason := _unheld(request, track):
        return {person.collaborator_id: reason for person in request.collaborators}
    held = {(c.collaborator_id, c.email.lower()) for c in track.collaborators} if track else set()
    return {
        person.collaborator_id: NOT_IN_CATALOG
        for person in request.collaborators
        if (person.collaborator_id, person.email.lower()) not in held
    }


def _unheld(request: CollabShareRequested, track: CatalogTrack | None) -> str | None:
    """Why the request's folder and files may not be shared, or None. Paths compare
    case-insensitively, as Dropbox compares them."""
    if track is None or (track.owner_id, track.track_id) != (request.owner_id, request.track_id):
        return NOT_IN_CATALOG
    folder = request.folder.lower()
    held = {f.dropbox_path.lower() for f in track.files}
    named = [f.dropbox_path.lower() for f in request.files]
    if folder != track.dropbox_folder.lower() or not set(named) <= held:
        return NOT_IN_CATALOG
    # A track stored before the catalog confined its paths may hold one outside its folder.
    if not all(_normal(path) and path.startswith(folder + "/") for path in named):
        return OUTSIDE_TRACK_FOLDER
    return None if _normal(folder) else OUTSIDE_TRACK_FOLDER


def _normal(path: str) -> bool:
    try:
        check_dropbox_path(path)
    except ValueError:
        return False
    return True
