"""A track of a producer's catalog as link-service hands it to dropbox-service
(`GET /internal/catalog/{owner_id}/tracks/{track_id}`), which shares only what it holds
(docs/decisions/0005-catalog-checked-shares.md)."""

from pydantic import BaseModel, ConfigDict


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class CatalogFile(_Record):
    """A file of the track, where it is in the owner's Dropbox."""

    file_id: str
    dropbox_path: str


class CatalogCollaborator(_Record):
    """Someone the track may be shared with."""

    collaborator_id: str
    email: str


class CatalogTrack(_Record):
    """One track of one owner's catalog: its folder, files and collaborators now."""

    owner_id: str
    track_id: str
    dropbox_folder: str
    files: tuple[CatalogFile, ...]
    collaborators: tuple[CatalogCollaborator, ...]
