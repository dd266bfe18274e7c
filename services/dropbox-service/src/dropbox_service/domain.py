"""dropbox-service's pure rules and records: no clock, no I/O (the callers pass the time)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from contracts.events import CollabFailed, CollabGranted, CollabShareRequested, Event

# Dropbox's rule: a temporary link works for four hours.
LINK_LIFETIME = timedelta(hours=4)
# Per collaborator, the accesses given: target → the address it was given to.
Accesses = dict[str, str]


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
