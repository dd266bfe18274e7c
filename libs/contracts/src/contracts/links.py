"""A share link as link-service hands it to the gateway (`GET /internal/links/by-token/{token}`,
DESIGN §5), and the one rule of a link's status (active, expired, revoked)."""

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from contracts.events import DownloadType, Role

Status = Literal["active", "expired", "revoked"]
Kind = Literal["single", "playlist"]


def link_status(expires_at: datetime | None, revoked_at: datetime | None, now: datetime) -> Status:
    """Revoked wins; expired from the exact instant `expires_at`; else active."""
    if revoked_at is not None:
        return "revoked"
    if expires_at is not None and now >= expires_at:
        return "expired"
    return "active"


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class FileOnLink(_Record):
    """A file a link shares, as anyone may see it: its download type and format."""

    file_id: str
    name: str
    role: Role
    type: DownloadType
    format: str
    size: int


class LinkFile(FileOnLink):
    """A file a link shares, and where it is in the owner's Dropbox (for the gateway)."""

    dropbox_path: str


class LinkTrack(_Record):
    """A track a link shows, at its group's latest version; `group_id` is its song."""

    track_id: str
    title: str
    artist: str
    version: int
    group_id: str | None
    files: tuple[LinkFile, ...]


class InternalLink(_Record):
    """A link for the gateway: whose it is, what it shares, whether its files can be served
    (the owner's Dropbox as dropbox.connected / dropbox.disconnected last told).

    Opened with a recipient's token (DESIGN §16), `token` and `url` are the recipient's,
    `recipient_id` names them and `revoked_at` is when their token or the link was revoked;
    the other settings are the link's."""

    id: str
    token: str
    url: str
    recipient_id: str | None = None
    owner_id: str
    kind: Kind
    title: str | None
    message: str | None
    include: tuple[Role, ...]
    downloads: tuple[DownloadType, ...]
    tracks: tuple[LinkTrack, ...]
    created_at: AwareDatetime
    expires_at: AwareDatetime | None
    revoked_at: AwareDatetime | None
    dropbox_connected: bool

    def status(self, now: datetime) -> Status:
        """active, expired or revoked at `now` (computed, never cached)."""
        return link_status(self.expires_at, self.revoked_at, now)

    def file(self, file_id: str) -> tuple[LinkTrack, LinkFile] | None:
        """The track and file with this id, if the link shares it."""
        for track in self.tracks:
            for file in track.files:
                if file.file_id == file_id:
                    return track, file
        return None
