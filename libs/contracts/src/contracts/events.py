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


class ShareCreated(Event):
    """A share link was created. By link-service; for analytics and others. Key: link_id.

    v2 adds `tracks` (each track's group and title); v1 events have none.
    """

    topic: ClassVar[str] = topics.SHARE_CREATED
    key_field: ClassVar[str] = "link_id"

    schema_version: int = 2
    link_id: str
    owner_id: str
    kind: Literal["single", "playlist"]
    track_ids: list[str]
    include: list[Role]
    downloads: list[DownloadType]
    expires_at: AwareDatetime | None
    url: str
    tracks: list[LinkedTrack] = Field(default_factory=list)


class ShareRevoked(Event):
    """A share link was revoked. By link-service; for analytics, gateway. Key: link_id."""

    topic: ClassVar[str] = topics.SHARE_REVOKED
    key_field: ClassVar[str] = "link_id"

    link_id: str
    owner_id: str
    revoked_at: AwareDatetime


class ShareViewed(Event):
    """A person opened a share page. By gateway; for analytics. Key: link_id."""

    topic: ClassVar[str] = topics.SHARE_VIEWED
    key_field: ClassVar[str] = "link_id"

    link_id: str
    owner_id: str
    visitor_id: str  # salted hash; never a raw IP


class DownloadRecorded(Event):
    """A download redirect was handed out. By gateway; for analytics. Key: link_id.

    v2 adds the track's song (`group_id`, None when the track has no group) and title;
    in v1 events they are unknown.
    """

    topic: ClassVar[str] = topics.DOWNLOAD_RECORDED
    key_field: ClassVar[str] = "link_id"

    schema_version: int = 2
    link_id: str
    owner_id: str
    track_id: str
    group_id: str | None = None
    track_title: str | None = None
    file_id: str
    file_type: DownloadType
    file_format: str
    visitor_id: str


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
    ShareViewed,
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
