"""Share links' models (DESIGN §5): the request, the stored record and the public answer.
The gateway's answer is `contracts.links.InternalLink`."""

from typing import Literal, Self

from contracts.events import DownloadType, LeakGuard, OwnerAlert, RevokeReason, Role
from contracts.links import FileOnLink, Kind, Status, link_status
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    field_validator,
    model_validator,
)

MAX_RECIPIENTS = 100


class RecipientCreate(BaseModel):
    """Someone a link is sent to; they get a token of their own (DESIGN §16)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    name: str = Field(min_length=1, max_length=200)
    email: EmailStr


def _unique_emails(recipients: list[RecipientCreate]) -> list[RecipientCreate]:
    seen: set[str] = set()
    for recipient in recipients:
        address = recipient.email.lower()
        if address in seen:
            raise ValueError(f"each recipient's e-mail once per link: {recipient.email} twice")
        seen.add(address)
    return recipients


class RecipientsAdd(BaseModel):
    """Recipients added to a link already sent (POST /v1/links/{id}/recipients)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    recipients: list[RecipientCreate] = Field(min_length=1, max_length=MAX_RECIPIENTS)
    send_emails: bool = False

    _unique = field_validator("recipients")(_unique_emails)


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
    recipients: list[RecipientCreate] = Field(default_factory=list, max_length=MAX_RECIPIENTS)
    send_emails: bool = False
    recipients_only: bool = False
    # None: DESIGN §16's default, `first_open` when the link has recipients.
    notify_owner: list[OwnerAlert] | None = None
    # Absent: the guard's defaults; null: no guard.
    leak_guard: LeakGuard | None = Field(default_factory=LeakGuard)

    _unique = field_validator("recipients")(_unique_emails)

    @field_validator("include", "downloads", "notify_owner")
    @classmethod
    def _deduplicate(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else list(dict.fromkeys(values))

    @model_validator(mode="after")
    def _recipients_for_recipients_only(self) -> Self:
        if self.recipients_only and not self.recipients:
            raise ValueError("recipients_only needs at least one recipient")
        return self

    def alerts(self) -> list[OwnerAlert]:
        """What the owner is told of: as asked, else `first_open` for a link with recipients."""
        if self.notify_owner is not None:
            return self.notify_owner
        return ["first_open"] if self.recipients else []


class Recipient(BaseModel):
    """A recipient as stored, with their token; `revoked_at` is their token's alone."""

    model_config = ConfigDict(frozen=True)

    recipient_id: str
    name: str
    email: str
    token: str
    created_at: AwareDatetime
    revoked_at: AwareDatetime | None = None
    revoked_reason: RevokeReason | None = None


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
    # Links stored before recipients existed have none.
    recipients: list[Recipient] = Field(default_factory=list)
    recipients_only: bool = False
    # Links stored before alerts existed asked for none and have no guard.
    notify_owner: list[OwnerAlert] = Field(default_factory=list)
    leak_guard: LeakGuard | None = None
    revoked_reason: RevokeReason | None = None

    def status(self, now: AwareDatetime) -> Status:
        """active, expired or revoked at `now`."""
        return link_status(self.expires_at, self.revoked_at, now)

    def recipient(self, recipient_id: str) -> Recipient | None:
        """The link's recipient with this id."""
        return next((r for r in self.recipients if r.recipient_id == recipient_id), None)


class TrackOnLink(BaseModel):
    """A track as the link shows it: the group's latest version."""

    track_id: str
    title: str
    artist: str
    version: int
    files: list[FileOnLink]


class RecipientPublic(BaseModel):
    """A recipient as the owner sees them: their own URL; revoked when their token or the
    link was."""

    recipient_id: str
    name: str
    email: str
    token: str
    url: str
    revoked_at: AwareDatetime | None
    revoked_reason: RevokeReason | None


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
    revoked_reason: RevokeReason | None
    recipients: list[RecipientPublic]
    recipients_only: bool
    notify_owner: list[OwnerAlert]
    leak_guard: LeakGuard | None


class LinksPublic(BaseModel):
    """A page of links, newest first."""

    items: list[LinkPublic]
    next_cursor: str | None
