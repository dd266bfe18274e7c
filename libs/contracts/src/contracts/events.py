"""One frozen pydantic model per topic (DESIGN §11).

Versioning (docs/decisions/0003-event-versioning.md): fields are only added, and only
as optional; consumers ignore unknown fields. A model whose added fields consumers rely on
bumps its `schema_version`, so that an absent field reads as "not told" (older version)
rather than "none"; every version stays readable.
"""

from typing import Any, ClassVar, Literal
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

from contracts import topics
from contracts.clock import utc_now

Role = Literal["bounce", "stem", "project", "other"]
DownloadType = Literal["audio", "project", "other"]
ShareMode = Literal["folder", "files"]
# What a visitor's user agent says they are on (DESIGN §16).
Device = Literal["desktop", "mobile", "tablet", "other"]
# How far one listen got: it started, reached 30 s (or the end of a shorter track), 95 %.
Milestone = Literal["started", "30s", "95pct"]
# Who revoked a link or one recipient's token: its owner, or the leak guard (DESIGN §16).
RevokeReason = Literal["owner", "leak_guard"]
# What a link's owner asks to be told of (DESIGN §16 "Owner alerts").
OwnerAlert = Literal["first_open", "download", "daily_digest"]
AlertKind = Literal["first_open", "download", "leak_suspected", "daily_digest"]


# Every record on the wire carries these (decision 0003); our code fills them in.
ENVELOPE = ("event_id", "occurred_at", "schema_version")


def require_envelope(schema: dict[str, Any], version: int) -> None:
    """Make a published event schema say what the wire always holds: the envelope required
    and `schema_version` this one version. Defaults serve our own code, not the wire."""
    schema["required"] = [*ENVELOPE, *(f for f in schema.get("required", []) if f not in ENVELOPE)]
    schema["properties"]["schema_version"]["const"] = version
    schema["properties"]["schema_version"].pop("default", None)  # required: never defaulted


def _published_schema(schema: dict[str, Any], model: type[BaseModel]) -> None:
    require_envelope(schema, model.model_fields["schema_version"].default)


class Event(BaseModel):
    """Common envelope of every event; `key()` keeps one aggregate in order."""

    model_config = ConfigDict(frozen=True, extra="ignore", json_schema_extra=_published_schema)

    topic: ClassVar[str]
    key_field: ClassVar[str]

    event_id: UUID = Field(default_factory=uuid4)
    occurred_at: AwareDatetime = Field(default_factory=utc_now)
    schema_version: int = 1

    def key(self) -> bytes:
        """The Kafka message key: the aggregate id named by `key_field`."""
        return str(getattr(self, self.key_field)).encode()


class Envelope(BaseModel):
    """What every record on the wire carries, nothing defaulted. Consumers check it before a
    handler parses the event (messaging.delivery): a record without it is refused, where
    `Event`'s defaults would give it a fresh id on every delivery."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: UUID
    occurred_at: AwareDatetime
    schema_version: int


class Collaborator(BaseModel):
    """A person who worked on a track; `user_id` set means a Producer Dashboard account."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    collaborator_id: str
    email: EmailStr
    name: str
    user_id: str | None = None


class SharedFile(BaseModel):
    """A Dropbox file that a collaborator share covers."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    file_id: str
    name: str
    dropbox_path: str


class LinkedTrack(BaseModel):
    """A track a share link shows: its song (track group) and title at creation."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    track_id: str
    group_id: str | None = None
    title: str


class RecipientLink(BaseModel):
    """A recipient of a link and the URL of their own token (it opens the link for them)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    recipient_id: str
    name: str
    email: EmailStr
    url: str


class LeakGuard(BaseModel):
    """When a link looks forwarded (DESIGN §16): more than `unique_visitors` people opened it
    within `window_hours`, or more than `per_recipient` opened one recipient's token. One
    `share.alert` per link or token; with `disable` that token (or the link) is revoked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    unique_visitors: int = Field(default=100, ge=1, le=1_000_000, strict=True)
    window_hours: int = Field(default=48, ge=1, le=24 * 90, strict=True)
    per_recipient: int = Field(default=5, ge=1, le=10_000, strict=True)
    action: Literal["alert", "disable"] = "alert"


class ShareCreated(Event):
    """A share link was created. By link-service; for analytics-service, notify-service
    (the recipients' mails) and others. Key: link_id.

    v2 adds `tracks` (each track's group and title); v1 events have none. v3 adds the link's
    `title` and `message`, the owner's name, its `recipients` (each with their own URL), and
    whether they are to be mailed (`send_emails`); in v2 events there are none. v4 adds
    what the owner asked to be told of (`notify_owner`), the link's `leak_guard` (None: off)
    and the owner's e-mail for those alerts; v3 links asked for no alerts and no guard.
    """

    topic: ClassVar[str] = topics.SHARE_CREATED
    key_field: ClassVar[str] = "link_id"

    schema_version: int = 4
    link_id: str
    owner_id: str
    kind: Literal["single", "playlist"]
    track_ids: list[str]
    include: list[Role]
    downloads: list[DownloadType]
    expires_at: AwareDatetime | None
    url: str
    tracks: list[LinkedTrack] = Field(default_factory=list)
    title: str | None = None
    message: str | None = None
    owner_name: str | None = None
    recipients: list[RecipientLink] = Field(default_factory=list)
    send_emails: bool = False
    notify_owner: list[OwnerAlert] = Field(default_factory=list)
    leak_guard: LeakGuard | None = None
    owner_email: EmailStr | None = None


class ShareRevoked(Event):
    """A share link was revoked, by its owner or by the leak guard (`reason`; absent in
    events from before the guard: the owner). By link-service; for analytics, gateway.
    Key: link_id."""

    topic: ClassVar[str] = topics.SHARE_REVOKED
    key_field: ClassVar[str] = "link_id"

    link_id: str
    owner_id: str
    revoked_at: AwareDatetime
    reason: RevokeReason = "owner"


class ShareUpdated(Event):
    """A link changed after it was sent. By link-service; for notify-service (the added
    recipients' mails), analytics-service and others. Key: link_id.

    `changed` names the fields that changed and `values` holds the new values of those that
    are not secret; `recipients_added` are the recipients added (with their own URLs), to
    be mailed when `send_emails`. `title`, `message`, `owner_name` and `tracks` are the
    link's now, for those mails.
    """

    topic: ClassVar[str] = topics.SHARE_UPDATED
    key_field: ClassVar[str] = "link_id"

    link_id: str
    owner_id: str
    changed: list[str]
    values: dict[str, Any] = Field(default_factory=dict)
    recipients_added: list[RecipientLink] = Field(default_factory=list)
    send_emails: bool = False
    title: str | None = None
    message: str | None = None
    owner_name: str | None = None
    tracks: list[LinkedTrack] = Field(default_factory=list)


class ShareRecipientRevoked(Event):
    """One recipient's token of a link was revoked, the link's other tokens untouched. By
    link-service; for the gateway's cache, analytics-service and others. Key: link_id."""

    topic: ClassVar[str] = topics.SHARE_RECIPIENT_REVOKED
    key_field: ClassVar[str] = "link_id"

    link_id: str
    owner_id: str
    recipient_id: str
    revoked_at: AwareDatetime
    reason: RevokeReason = "owner"


class ShareViewed(Event):
    """A person opened a share page. By gateway; for analytics. Key: link_id.

    v2 adds who (`recipient_id`: the recipient whose token was opened, None for the link's
    own), where (`country`, ISO 3166-1 alpha-2 from the address, which is never published;
    None when unknown) and on what (`device`); in v1 events they are unknown.
    """

    topic: ClassVar[str] = topics.SHARE_VIEWED
    key_field: ClassVar[str] = "link_id"

    schema_version: int = 2
    link_id: str
    owner_id: str
    visitor_id: str  # salted hash; never a raw IP
    recipient_id: str | None = None
    country: str | None = None
    device: Device | None = None


class SharePlayed(Event):
    """A listen on a share page reached a milestone (DESIGN §16): `started` (a play),
    `30s` (a listen) or `95pct` (a completion). By gateway; for analytics. Key: link_id."""

    topic: ClassVar[str] = topics.SHARE_PLAYED
    key_field: ClassVar[str] = "link_id"

    link_id: str
    owner_id: str
    recipient_id: str | None
    listen_id: UUID
    track_id: str
    group_id: str | None
    file_id: str
    visitor_id: str
    milestone: Milestone
    country: str | None = None
    device: Device | None = None


class AlertDigestLine(BaseModel):
    """One link's activity on the day a daily digest tells of."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    link_id: str
    title: str | None
    views: int
    plays: int
    downloads: int


class ShareAlert(Event):
    """Something a link's owner asked to be told of (DESIGN §16). By analytics-service; for
    notify-service (in-app and mail), link-service (a leak guard's `disable`) and others.
    Key: owner_id.

    `first_open`: a recipient (or, with `recipient_id` None, someone with the link's own
    token) opened it for the first time; `download`: a file was downloaded (`track_id`,
    `file_type`); `leak_suspected`: more than the guard's threshold of people (`visitors`)
    opened the link or one recipient's token, and `action` says whether it is to be
    disabled; `daily_digest`: yesterday's activity (`day`, `digest`) of the owner's links
    that asked for it, `link_id` None. The event id follows from what it tells of: the topic
    is at least once (an alert may come twice), and a consumer acts once per event id.
    """

    topic: ClassVar[str] = topics.SHARE_ALERT
    key_field: ClassVar[str] = "owner_id"

    owner_id: str
    kind: AlertKind
    link_id: str | None = None
    title: str | None = None
    owner_email: EmailStr | None = None
    recipient_id: str | None = None
    recipient_name: str | None = None
    track_id: str | None = None
    file_type: DownloadType | None = None
    visitors: int | None = None
    action: Literal["alert", "disable"] | None = None
    seen_at: AwareDatetime | None = None
    day: str | None = None
    digest: list[AlertDigestLine] = Field(default_factory=list)


class DownloadRecorded(Event):
    """A download redirect was handed out. By gateway; for analytics. Key: link_id.

    v2 adds the track's song (`group_id`, None when the track has no group) and title;
    in v1 events they are unknown. v3 adds `recipient_id`, `country` and `device`, as
    share.viewed v2 does.
    """

    topic: ClassVar[str] = topics.DOWNLOAD_RECORDED
    key_field: ClassVar[str] = "link_id"

    schema_version: int = 3
    link_id: str
    owner_id: str
    track_id: str
    group_id: str | None = None
    track_title: str | None = None
    file_id: str
    file_type: DownloadType
    file_format: str
    visitor_id: str
    recipient_id: str | None = None
    country: str | None = None
    device: Device | None = None


class CollabShareRequested(Event):
    """Share a track with its collaborators. By link-service; for dropbox. Key: track_id."""

    topic: ClassVar[str] = topics.COLLAB_SHARE_REQUESTED
    key_field: ClassVar[str] = "track_id"

    request_id: str
    job_id: str
    owner_id: str
    track_id: str
    track_title: str
    mode: ShareMode
    folder: str
    files: list[SharedFile]
    collaborators: list[Collaborator]
    message: str | None = None


class CollabGranted(Event):
    """One collaborator got Dropbox access. By dropbox; for link, notify. Key: track_id."""

    topic: ClassVar[str] = topics.COLLAB_GRANTED
    key_field: ClassVar[str] = "track_id"

    request_id: str
    job_id: str
    owner_id: str
    owner_name: str
    track_id: str
    track_title: str
    collaborator: Collaborator
    mode: ShareMode
    # Added within v1 (optional): where the collaborator opens the content, the owner's note.
    access_url: str | None = None
    message: str | None = None


class CollabFailed(Event):
    """Sharing with one collaborator failed. By dropbox; for link-service. Key: track_id."""

    topic: ClassVar[str] = topics.COLLAB_FAILED
    key_field: ClassVar[str] = "track_id"

    request_id: str
    job_id: str
    owner_id: str
    track_id: str
    collaborator_id: str
    reason: str


class CollabRevokeRequested(Event):
    """Remove one collaborator's access. By link-service; for dropbox. Key: track_id."""

    topic: ClassVar[str] = topics.COLLAB_REVOKE_REQUESTED
    key_field: ClassVar[str] = "track_id"

    request_id: str
    owner_id: str
    track_id: str
    collaborator: Collaborator


class CollabRevoked(Event):
    """A collaborator's access was removed. By dropbox; for link-service. Key: track_id."""

    topic: ClassVar[str] = topics.COLLAB_REVOKED
    key_field: ClassVar[str] = "track_id"

    request_id: str
    owner_id: str
    track_id: str
    collaborator_id: str


class CollabRevokeFailed(Event):
    """Removing a collaborator's access failed. By dropbox; for link-service. Key: track_id."""

    topic: ClassVar[str] = topics.COLLAB_REVOKE_FAILED
    key_field: ClassVar[str] = "track_id"

    request_id: str
    owner_id: str
    track_id: str
    collaborator_id: str
    reason: str


class DropboxConnected(Event):
    """A producer connected Dropbox. By dropbox-service; for link-service. Key: owner_id."""

    topic: ClassVar[str] = topics.DROPBOX_CONNECTED
    key_field: ClassVar[str] = "owner_id"

    owner_id: str
    account_email: EmailStr


class DropboxDisconnected(Event):
    """A producer disconnected Dropbox. By dropbox-service; for link-service. Key: owner_id."""

    topic: ClassVar[str] = topics.DROPBOX_DISCONNECTED
    key_field: ClassVar[str] = "owner_id"

    owner_id: str
    account_email: EmailStr


EVENTS: tuple[type[Event], ...] = (
    ShareCreated,
    ShareRevoked,
    ShareUpdated,
    ShareRecipientRevoked,
    ShareViewed,
    SharePlayed,
    ShareAlert,
    DownloadRecorded,
    CollabShareRequested,
    CollabGranted,
    CollabFailed,
    CollabRevokeRequested,
    CollabRevoked,
    CollabRevokeFailed,
    DropboxConnected,
    DropboxDisconnected,
)

BY_TOPIC: dict[str, type[Event]] = {model.topic: model for model in EVENTS}
