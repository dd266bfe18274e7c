"""Share links' models (DESIGN §5): the request, the stored record and the public answer.
The gateway's answer is `contracts.links.InternalLink`."""

from typing import Literal

from contracts.events import DownloadType, Role
from contracts.links import FileOnLink, Kind, Status, link_status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator


class LinkCreate(BaseModel):
    """What to share, how, and for how long (POST /v1/links); unknown fields refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    tracks: list[str] = Field(default_factory=list, max_length=200)
    buckets: list[str] = Field(default_factory=list, max_length=50)
    # pydantic copies these defaults for every instance.
    include: list[Role] = ["bounce", "stem", "project", "other"]
    downloads: list[DownloadType] = ["audio", "project", "other"]
    expires_in_days: int | None = Field(default=None, ge=1, le=3650, strict=True)
    title: str | None = Field(default=None, max_length=200)
    message: str | None = Field(default=None, max_length=2000)

    @field_validator("include", "downloads")
    @classmethod
    def _deduplicate(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(values))


class Entry(BaseModel):
    """A track a link was made with; it shows its group's latest version when read."""

    model_config = ConfigDict(frozen=True)

    track_id: str
    group_id: str | None


class LinkRecord(BaseModel):
    """A link as stored: what was chosen, never the tracks themselves (they are read now)."""

    model_config = ConfigDict(frozen=True)

    id: str
    token: str
    owner_id: str
    kind: Kind
    title: str | None
    message: str | None
    include: list[Role]
    downloads: list[DownloadType]
    entries: list[Entry]
    created_at: AwareDatetime
    expires_at: AwareDatetime | None
    revoked_at: AwareDatetime | None

    def status(self, now: AwareDatetime) -> Status:
        """active, expired or revoked at `now`."""
        return link_status(self.expires_at, self.revoked_at, now)


class TrackOnLink(BaseModel):
    """A track as the link shows it: the group's latest version."""

    track_id: str
    title: str
    artist: str
    version: int
    files: list[FileOnLink]


class LinkPublic(BaseModel):
    """A share link, its tracks resolved now."""

    id: str
    token: str
    url: str
    kind: Literal["single", "playlist"]
    title: str | None
    message: str | None
    include: list[Role]
    downloads: list[DownloadType]
    tracks: list[TrackOnLink]
    status: Status
    created_at: AwareDatetime
    expires_at: AwareDatetime | None
    revoked_at: AwareDatetime | None


class LinksPublic(BaseModel):
    """A page of links, newest first."""

    items: list[LinkPublic]
    next_cursor: str | None
