"""The catalog's models (DESIGN §4): what the dashboard sends, validated field by field
with unknown fields refused, and the stored track, a frozen record."""

from contracts.events import Role
from contracts.ids import CATALOG_ID_PATTERN
from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from link_service.catalog.paths import MAX_PATH, inside, normal_path

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
    dropbox_path: str = Field(min_length=2, max_length=MAX_PATH, pattern=r"^/")
    size: int = Field(ge=0, le=2**50)


class CollaboratorIn(_Strict):
    """Someone who worked on the track."""

    collaborator_id: str = Id
    email: EmailStr
    name: str = Text
    user_id: str | None = Field(default=None, pattern=CATALOG_ID_PATTERN)


class _TrackFields(_Strict):
    """What a track holds, as sent and as stored."""

    title: str = Text
    artist: str = Text
    bucket: str | None = Field(default=None, min_length=1, max_length=200, pattern=PRINTABLE)
    group_id: str | None = Field(default=None, pattern=CATALOG_ID_PATTERN)
    version: int = Field(default=1, ge=1, le=100_000)
    dropbox_folder: str = Field(min_length=2, max_length=MAX_PATH, pattern=r"^/")
    files: list[FileIn] = Field(min_length=1, max_length=100)
    collaborators: list[CollaboratorIn] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _ids_unique(self) -> "_TrackFields":
        for label, ids in (
            ("file_id", [f.file_id for f in self.files]),
            ("collaborator_id", [c.collaborator_id for c in self.collaborators]),
        ):
            if len(set(ids)) != len(ids):
                raise ValueError(f"each {label} must be unique within the track")
        return self


class TrackIn(_TrackFields):
    """A track as the dashboard sends it (PUT /v1/catalog/tracks/{track_id}). Its
    `dropbox_folder` and each `dropbox_path` are absolute and normal (no empty, `.` or `..`
    segment, no control character, no trailing `/`), and every file lies inside the folder,
    compared case-insensitively as Dropbox does; else 422 naming the field."""

    @field_validator("dropbox_folder")
    @classmethod
    def _normal_folder(cls, folder: str) -> str:
        return normal_path(folder, "dropbox_folder")

    @field_validator("files")
    @classmethod
    def _inside_the_folder(cls, files: list[FileIn], info: ValidationInfo) -> list[FileIn]:
        folder = info.data.get("dropbox_folder")  # absent when it was itself refused
        for n, file in enumerate(files):
            normal_path(file.dropbox_path, f"files[{n}].dropbox_path")
            if folder and not inside(file.dropbox_path, folder):
                raise ValueError(f"files[{n}].dropbox_path must lie inside the dropbox_folder")
        return files


# Not a TrackIn: a track stored before paths were confined still loads as it was stored.
class Track(_TrackFields):
    """A stored track, as the catalog API answers it."""

    track_id: str


class TracksPublic(BaseModel):
    """A page of tracks."""

    items: list[Track]
    next_cursor: str | None
