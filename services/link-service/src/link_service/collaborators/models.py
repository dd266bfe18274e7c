"""Collaborator sharing's models (DESIGN §8): requests (unknown fields refused), the
stored records (a collaborator's entry on a track, a job and its answers) and the answers."""

from datetime import datetime
from typing import Annotated, Literal

from contracts.events import ShareMode
from contracts.ids import CATALOG_ID_PATTERN
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

MAX_BULK_TRACKS = 200
TrackId = Annotated[str, StringConstraints(pattern=CATALOG_ID_PATTERN)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CollaboratorShare(_Strict):
    """POST /v1/tracks/{track_id}/collaborators/share."""

    mode: ShareMode
    message: str | None = Field(default=None, max_length=2000)


class BulkShare(CollaboratorShare):
    """POST /v1/collaborators/share-bulk: each track with its own collaborators."""

    track_ids: list[TrackId] = Field(min_length=1, max_length=MAX_BULK_TRACKS)

    @field_validator("track_ids")
    @classmethod
    def _deduplicate(cls, ids: list[str]) -> list[str]:
        return list(dict.fromkeys(ids))


class Person(BaseModel):
    """A collaborator as a job asked for them."""

    model_config = ConfigDict(frozen=True)

    collaborator_id: str
    email: str
    name: str


class Entry(BaseModel):
    """A collaborator's entry on a track: the latest intent and where it stands (no entry:
    never shared, or access removed; `not_shared` only while a removal is on its way)."""

    model_config = ConfigDict(frozen=True)

    status: Literal["pending", "granted", "failed", "not_shared"]
    request_id: str
    reason: str | None = None
    revoking: bool = False


class JobTrack(BaseModel):
    """A track a job queued: its request and the collaborators it asked for."""

    model_config = ConfigDict(frozen=True)

    track_id: str
    title: str
    request_id: str
    collaborators: list[Person]


class JobResult(BaseModel):
    """One collaborator's answer within a job."""

    model_config = ConfigDict(frozen=True)

    status: Literal["granted", "failed"]
    reason: str | None = None


class JobStarted(BaseModel):
    """202 answer of a single-track share."""

    job_id: str


class Skipped(BaseModel):
    """A track a bulk share left out, and why (`no_collaborators`, `revoke_in_progress`)."""

    model_config = ConfigDict(frozen=True)

    track_id: str
    reason: str


class JobHeader(BaseModel):
    """A job as stored: what it queued and what it skipped."""

    model_config = ConfigDict(frozen=True)

    job_id: str
    owner_id: str
    mode: ShareMode
    message: str | None
    created_at: AwareDatetime
    tracks: list[JobTrack]
    skipped: list[Skipped]


class BulkStarted(BaseModel):
    """202 answer of a bulk share: the tracks queued and those skipped."""

    job_id: str
    total: int
    queued: list[str]
    skipped: list[Skipped]


class CollaboratorResult(BaseModel):
    """One collaborator's answer within a job."""

    collaborator_id: str
    email: str
    name: str
    status: Literal["pending", "granted", "failed"]
    reason: str | None


class TrackProgress(BaseModel):
    """One track of a job."""

    track_id: str
    title: str
    state: Literal["pending", "done", "failed"]
    collaborators: list[CollaboratorResult]


class JobPublic(BaseModel):
    """GET /v1/jobs/{job_id}: total, done and failed count tracks (skipped ones apart)."""

    job_id: str
    state: Literal["running", "done", "failed"]
    mode: ShareMode
    total: int
    done: int
    failed: int
    tracks: list[TrackProgress]
    skipped: list[Skipped]
    created_at: datetime


class CollaboratorStatus(BaseModel):
    """A collaborator's dot: granted (green), or pending / not_shared / failed."""

    collaborator_id: str
    email: str
    name: str
    status: Literal["granted", "pending", "not_shared", "failed"]
    reason: str | None
    revoking: bool


class ShareStatusPublic(BaseModel):
    """GET /v1/tracks/{track_id}/share-status."""

    track_id: str
    status: Literal["none", "partial", "all"]
    collaborators: list[CollaboratorStatus]
