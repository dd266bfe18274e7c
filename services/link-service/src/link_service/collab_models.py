"""HTTP models of collaborator sharing (DESIGN §8); unknown fields refused."""

from datetime import datetime
from typing import Annotated, Literal

from contracts.events import ShareMode
from contracts.ids import CATALOG_ID_PATTERN
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

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


class JobStarted(BaseModel):
    """202 answer of a single-track share."""

    job_id: str


class Skipped(BaseModel):
    """A track a bulk share left out, and why (`no_collaborators`, `revoke_in_progress`)."""

    track_id: str
    reason: str


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
