"""The catalog's models (DESIGN §4): what the dashboard sends, validated field by field
with unknown fields refused, and the stored track, a frozen record."""

from contracts.events import Role
from contracts.ids import CATALOG_ID_PATTERN
from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

Id = Field(pattern=CATALOG_ID_PATTERN)
# Names shown on pages, in mails and in title indexes hold no control characters.
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"
Text = Field(min_length=1, max_length=300, pattern=PRINTABLE)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class FileIn(_Strict):
    """One Dropbox file of a track."""

    file_id: str = Id
    name: str = Text
    role: Role
    dropbox_path: str = Field(min_length=2, max_length=4096, pattern=r"^/")
    size: int = Field(ge=0, le=2**50)

    @field_validator("dropbox_path")
    @classmethod
    def _no_parent_segments(cls, path: str) -> str:
        if any(part in ("", ".", "..") for part in path[1:].split("/")):
            raise ValueError("dropbox_path must not contain empty, '.' or '..' segments")
        return path


class CollaboratorIn(_Strict):
    """Someone who worked on the track."""

    collaborator_id: str = Id
    email: EmailStr
    name: str = Text
    user_id: str | None = Field(default=None, pattern=CATALOG_ID_PATTERN)


class TrackIn(_Strict):
    """A track as the dashboard sends it (PUT /v1/catalog/tracks/{track_id})."""

    title: str = Text
    artist: str = Text
    bucket: str | None = Field(default=None, min_length=1, max_length=200, pattern=PRINTABLE)
    group_id: str | None = Field(default=None, pattern=CATALOG_ID_PATTERN)
    version: int = Field(default=1, ge=1, le=100_000)
    dropbox_folder: str = Field(min_length=2, max_length=4096, pattern=r"^/")
    files: list[FileIn] = Field(min_length=1, max_length=100)
    collaborators: list[CollaboratorIn] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _ids_unique(self) -> "TrackIn":
        for label, ids in (
            ("file_id", [f.file_id for f in self.files]),
            ("collaborator_id", [c.collaborator_id for c in self.collaborators]),
        ):
            if len(set(ids)) != len(ids):
                raise ValueError(f"each {label} must be unique within the track")
        return self


class Track(TrackIn):
    """A stored track, as the catalog API answers it."""

    track_id: str


class TracksPublic(BaseModel):
    """A page of tracks."""

    items: list[Track]
    next_cursor: str | None
