"""The console's forms as models: what their fields may hold, and what they ask of a
service. The services check the values again; these checks give the producer a sentence
to fix rather than a refusal."""

from typing import Annotated, Any

from contracts.ids import CATALOG_ID_PATTERN
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from gateway.console.views import PERMISSIONS

# A selected track: `t` once per track, in the query of a page, in the body of a form; each
# a catalog id, checked before it reaches a service's path.
TrackId = Annotated[str, StringConstraints(pattern=CATALOG_ID_PATTERN)]


class FilesWidget(BaseModel):
    """Create Share Link, as the Files widget posts it (its CSRF field is the session's)."""

    model_config = ConfigDict(extra="ignore")

    tracks: list[TrackId] = Field(alias="t", min_length=1, max_length=50)
    include: list[str] = []
    permission: str = "all"
    expiry: str = "never"
    days: int | None = None
    title: str = ""
    message: str = ""
    recipients: str = Field("", max_length=20_000)
    send_emails: bool = False
    recipients_only: bool = False
    notify_owner: list[str] = []
    leak_guard: str = "alert"

    def problem(self, recipients: list[dict[str, str]]) -> str | None:
        """What the producer must fix first, in a sentence; None when nothing."""
        if not self.include:
            return "Choose at least one kind of file to share."
        if self.expiry == "days" and self.days is None:
            return "Enter after how many days the link expires, or choose Never expires."
        if self.recipients_only and not recipients:
            return "Name at least one recipient, or let anyone with the link open it."
        return None

    def link_request(self, recipients: list[dict[str, str]]) -> dict[str, Any]:
        """The POST /v1/links body (link-service checks the alerts and the guard's action)."""
        return {
            "tracks": self.tracks,
            "include": self.include,
            "downloads": PERMISSIONS.get(self.permission, [self.permission]),
            "expires_in_days": self.days if self.expiry == "days" else None,
            "title": self.title.strip() or None,
            "message": self.message.strip() or None,
            "recipients": recipients,
            "send_emails": self.send_emails and bool(recipients),
            "recipients_only": self.recipients_only,
            "notify_owner": self.notify_owner,
            "leak_guard": None if self.leak_guard == "off" else {"action": self.leak_guard},
        }
