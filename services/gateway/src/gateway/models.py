"""HTTP models: the services' answers the console reads, as frozen records (fields it does
not use are ignored, so a service may add some without breaking the console)."""

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class ListeningReport(BaseModel):
    """What a share page's player reports with sendBeacon (POST /s/{token}/listening)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    listen_id: UUID  # made by the page when play starts
    file_id: str = Field(max_length=128)
    position_s: float = Field(ge=0, le=86_400, allow_inf_nan=False)
    # A stream of unknown length reports none (JSON has no Infinity).
    duration_s: float | None = Field(default=None, ge=0, le=86_400, allow_inf_nan=False)
    event: Literal["play", "progress", "ended"]


class TrackFile(_Answer):
    """A file of a catalog track."""

    file_id: str
    name: str
    role: Literal["bounce", "stem", "project", "other"]
    size: int


class Collaborator(_Answer):
    """A collaborator of a catalog track."""

    collaborator_id: str
    name: str
    email: str
    user_id: str | None = None


class Track(_Answer):
    """A catalog track (DESIGN §4)."""

    track_id: str
    title: str
    artist: str
    bucket: str | None = None
    group_id: str | None = None
    version: int = 1
    files: list[TrackFile]
    collaborators: list[Collaborator] = []


class LinkTrack(_Answer):
    """A track as a link shows it."""

    track_id: str
    title: str
    artist: str
    version: int


class Recipient(_Answer):
    """Someone a link was sent to, with their own URL (DESIGN §16)."""

    recipient_id: str
    name: str
    email: str
    url: str
    revoked_at: datetime | None
    revoked_reason: str | None = None


class LeakGuard(_Answer):
    """When the link's owner is told it looks passed on, and what is done (DESIGN §16)."""

    unique_visitors: int
    window_hours: int
    per_recipient: int
    action: Literal["alert", "disable"]


class Link(_Answer):
    """A share link (DESIGN §5)."""

    id: str
    url: str
    kind: Literal["single", "playlist"]
    title: str | None
    message: str | None
    include: list[str]
    downloads: list[str]
    tracks: list[LinkTrack]
    status: Literal["active", "expired", "revoked"]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    revoked_reason: str | None = None
    recipients: list[Recipient] = []
    recipients_only: bool = False
    notify_owner: list[str] = []
    leak_guard: LeakGuard | None = None


class Day(_Answer):
    """A day's counts."""

    date: date
    views: int
    downloads: int
    plays: int = 0


class RecipientStats(_Answer):
    """One recipient's counts; `recipient_id` None is the link's own URL."""

    recipient_id: str | None
    views: int
    unique_visitors: int
    plays: int
    listens: int
    downloads: int
    first_opened_at: datetime | None
    last_seen_at: datetime | None


class Activity(_Answer):
    """One event of a link's activity log."""

    at: datetime
    kind: str
    recipient_id: str | None
    visitor: str | None
    track_id: str | None
    file_format: str | None
    country: str | None
    device: str | None


class SongDownloads(_Answer):
    """Downloads of one song (its versions together)."""

    song: str
    title: str
    downloads: int


class Stats(_Answer):
    """A link's counts (DESIGN §10); all zero before analytics has seen the link."""

    views: int = 0
    unique_visitors: int = 0
    downloads: int = 0
    downloads_by_type: dict[str, int] = {}
    downloads_by_format: dict[str, int] = {}
    downloads_by_song: list[SongDownloads] = []
    plays: int = 0
    listens: int = 0
    completions: int = 0
    by_country: dict[str, int] = {}
    by_device: dict[str, int] = {}
    by_recipient: list[RecipientStats] = []
    daily: list[Day] = []

    def of_recipient(self, recipient_id: str | None) -> RecipientStats | None:
        """The counts of one recipient (None: the link's own URL), once analytics has any."""
        return next((r for r in self.by_recipient if r.recipient_id == recipient_id), None)


class CollaboratorStatus(_Answer):
    """A collaborator's dot on a track."""

    collaborator_id: str
    name: str
    email: str
    status: Literal["granted", "pending", "not_shared", "failed"]
    reason: str | None = None
    revoking: bool = False


class ShareStatus(_Answer):
    """Every collaborator's dot on a track, and the track's."""

    track_id: str
    status: Literal["none", "partial", "all"]
    collaborators: list[CollaboratorStatus]


class Job(_Answer):
    """A collaborator share's progress."""

    job_id: str
    state: Literal["running", "done", "failed"]
    total: int
    done: int
    failed: int


class Notification(_Answer):
    """An in-app notification: a track shared with the reader, or an alert of their link."""

    id: str
    type: str
    link_id: str | None = None
    title: str
    owner_name: str
    track_title: str
    message: str | None
    access_url: str | None
    created_at: datetime
    read: bool


class DropboxAccount(_Answer):
    """The Dropbox account a producer connected."""

    email: str
    name: str
    connected_elsewhere: bool = False


class DropboxStatus(_Answer):
    """Whether the producer's Dropbox is connected, and as whom."""

    connected: bool
    account: DropboxAccount | None
