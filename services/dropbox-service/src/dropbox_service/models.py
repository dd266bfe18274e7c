"""HTTP models of the dropbox-service."""

from pydantic import AwareDatetime, BaseModel, Field, field_validator

from dropbox_service.paths import check_dropbox_path


class Authorization(BaseModel):
    """What Dropbox sent the producer back to the console with."""

    code: str = Field(min_length=1, max_length=2000)
    state: str = Field(min_length=1, max_length=200)


class Account(BaseModel):
    """The connected Dropbox account; `connected_elsewhere` warns that another producer
    has connected it too."""

    email: str
    name: str
    connected_elsewhere: bool


class DropboxStatus(BaseModel):
    """Whether the caller's Dropbox is connected, and as whom."""

    connected: bool
    account: Account | None


class TemporaryLinkCreate(BaseModel):
    """Which owner's file to link to."""

    owner_id: str = Field(min_length=1, max_length=200)
    path: str

    @field_validator("path")
    @classmethod
    def _inside_the_owners_dropbox(cls, path: str) -> str:
        return check_dropbox_path(path)


class TemporaryLinkPublic(BaseModel):
    """A direct download URL, valid until `expires_at`."""

    url: str
    expires_at: AwareDatetime
