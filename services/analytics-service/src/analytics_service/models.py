"""HTTP models of analytics-service (DESIGN §10)."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel


class DownloadsByType(BaseModel):
    """Downloads per download type; every type is present, zeros included."""

    audio: int
    project: int
    other: int


class SongDownloads(BaseModel):
    """Downloads of one song: a track group (its versions together) or a track without one."""

    song: str
    title: str | None
    downloads: int


class DayPublic(BaseModel):
    """One UTC day of a link's series."""

    date: date
    views: int
    downloads: int
    plays: int


class RecipientStatsPublic(BaseModel):
    """How one recipient's URL performs; `recipient_id` None is the link's own URL
    ("anyone with the link")."""

    recipient_id: str | None
    name: str | None
    email: str | None
    views: int
    unique_visitors: int
    plays: int
    listens: int
    downloads: int
    downloads_by_track: dict[str, int]
    first_opened_at: datetime | None
    last_seen_at: datetime | None


class LinkStatsPublic(BaseModel):
    """How one share link performs."""

    link_id: str
    views: int
    downloads: int
    downloads_by_type: DownloadsByType
    downloads_by_format: dict[str, int]
    downloads_by_track: dict[str, int]
    downloads_by_song: list[SongDownloads]
    unique_visitors: int
    last_viewed_at: datetime | None
    last_downloaded_at: datetime | None
    plays: int
    listens: int
    completions: int
    plays_by_track: dict[str, int]
    listens_by_track: dict[str, int]
    by_country: dict[str, int]
    by_device: dict[str, int]
    by_recipient: list[RecipientStatsPublic]
    daily: list[DayPublic]


class LinksStatsPublic(BaseModel):
    """A page of the caller's links' stats, newest link first."""

    items: list[LinkStatsPublic]
    next_cursor: str | None


class ActivityEntryPublic(BaseModel):
    """One event of a link's activity log (DESIGN §16); `visitor` is a short stable
    pseudonym, not the visitor id; `recipient_id` None is the link's own URL."""

    at: datetime
    kind: Literal["view", "play", "listen", "completion", "download"]
    recipient_id: str | None
    visitor: str | None
    track_id: str | None
    file_type: str | None
    file_format: str | None
    country: str | None
    device: str | None


class ActivityPublic(BaseModel):
    """A page of a link's activity, newest first."""

    items: list[ActivityEntryPublic]
    next_cursor: str | None
