"""What a share link lets a visitor do (DESIGN §6): open it, see its page, play a preview,
download a file. Anything refused raises `Refusal`, which the pages answer (api/problems.py);
the clock comes in."""

from collections.abc import Callable
from dataclasses import dataclass, field

from contracts.clock import Clock
from contracts.events import Device, DownloadRecorded, SharePlayed, ShareViewed
from contracts.ids import is_token
from contracts.links import InternalLink
from fastapi.responses import StreamingResponse
from service_kit.caching import Flights
from service_kit.service_client import ServiceError

from gateway.clients import DropboxService, LinkService, OwnerDisconnected
from gateway.domain import (
    MEDIA_TYPES,
    Signer,
    expiry_of,
    milestones_of,
    page_of,
    play_event_id,
    preview_file,
)
from gateway.html import SharePages
from gateway.models import ListeningReport
from gateway.store import Events, ListeningLimit, UnknownTokenLimit


@dataclass(frozen=True)
class Seen:
    """Who a request came from, as its events tell it: a salted visitor id (never the
    address), whether a person (not a bot), on what device and from which country."""

    visitor_id: str
    person: bool
    device: Device
    country: str | None


class Refusal(Exception):
    """Why a request gets a message page instead: its status, reason and Retry-After."""

    def __init__(self, status: int, reason: str, retry_after: int | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.retry_after = retry_after


@dataclass(frozen=True)
class Shares:
    """Share links as visitors reach them: the links and files, the preview signer, the
    guessing budget, the events, the rendered pages and the clock."""

    links: LinkService
    dropbox: DropboxService
    signer: Signer
    limit: UnknownTokenLimit
    listening_limit: ListeningLimit
    events: Events
    pages: SharePages
    clock: Clock
    _first_opens: Flights[str, InternalLink | None] = field(
        default_factory=Flights, init=False, repr=False
    )

    async def open(self, token: str, client: str) -> InternalLink:
        """The active link behind `token`, for `client`; else Refusal (404, 410, 429) or
        OwnerDisconnected. Unknown tokens count against the client's guessing budget; a token
        the gateway found a link for before, or is looking up now, is no new guess and is not
        counted (many people behind one address opening a link at once must not lock each
        other out)."""
        if self.links.found_before(token):
            link = await self.links.get(token)
        else:
            link = await self._look_up(token, client)
        if link is None:
            raise Refusal(404, "not_found")
        if (status := link.status(self.clock())) != "active":
            raise Refusal(410, status)
        if not link.dropbox_connected:
            raise OwnerDisconnected(link.owner_id)
        return link

    async def _look_up(self, token: str, client: str) -> InternalLink | None:
        """Count the attempt, then look the token up; a found link gives its attempt back.
        Requests for a token already being counted and looked up wait for that answer."""
        return await self._first_opens.join(token, lambda: self._count_and_look_up(token, client))

    async def _count_and_look_up(self, token: str, client: str) -> InternalLink | None:
        if (wait := await self.limit.take(client)) is not None:
            raise Refusal(429, "slow_down", wait)
        link = await self.links.get(token) if is_token(token) else None
        if link is not None:
            self.limit.give_back(client)
        return link

    async def page(self, link: InternalLink, seen: Seen | None) -> str:
        """The page's HTML; a person's view is published (not a bot's, nor a HEAD: None)."""
        if seen is not None and seen.person:
            viewed = ShareViewed(
                link_id=link.id,
                owner_id=link.owner_id,
                visitor_id=seen.visitor_id,
                recipient_id=link.recipient_id,
                country=seen.country,
                device=seen.device,
            )
            await self.events.record(viewed)
        return self.pages.html(link, self._signed(link))

    def previews(self, link: InternalLink) -> dict[str, str]:
        """Fresh signed preview URLs of the link's players, by file id (as its page has)."""
        page = page_of(link, self._signed(link))
        return {t["preview_file"]: t["preview_url"] for t in page["tracks"] if t["preview_file"]}

    def _signed(self, link: InternalLink) -> Callable[[str], str]:
        now = self.clock()
        return lambda file_id: self.signer.url(link.token, link.id, file_id, now)

    async def download(self, link: InternalLink, file_id: str, seen: Seen) -> str:
        """A temporary link to the file when its type may be downloaded; counts a download."""
        found = link.file(file_id)
        if found is None:
            raise Refusal(404, "not_in_link")
        track, file = found
        if file.type not in link.downloads:
            raise Refusal(403, "not_downloadable")
        url = await self.dropbox.temporary_link(link.owner_id, file.dropbox_path)
        await self.events.record(
            DownloadRecorded(
                link_id=link.id,
                owner_id=link.owner_id,
                track_id=track.track_id,
                group_id=track.group_id,
                track_title=track.title,
                file_id=file.file_id,
                file_type=file.type,
                file_format=file.format,
                visitor_id=seen.visitor_id,
                recipient_id=link.recipient_id,
                country=seen.country,
                device=seen.device,
            )
        )
        return url

    async def listening(self, link: InternalLink, report: ListeningReport, seen: Seen) -> None:
        """Publish the milestones a player's report shows reached, on the track's player file
        (the one a page plays); analytics-service counts each once per listen."""
        found = link.file(report.file_id)
        player = preview_file(found[0]) if found else None
        if found is None or player is None or player.file_id != report.file_id:
            raise Refusal(404, "not_in_link")
        if (wait := await self.listening_limit.take(seen.visitor_id)) is not None:
            raise Refusal(429, "slow_down", wait)
        track = found[0]
        for milestone in milestones_of(report.event, report.position_s, report.duration_s):
            played = SharePlayed(
                event_id=play_event_id(link.id, report.listen_id, milestone),
                link_id=link.id,
                owner_id=link.owner_id,
                recipient_id=link.recipient_id,
                listen_id=report.listen_id,
                track_id=track.track_id,
                group_id=track.group_id,
                file_id=report.file_id,
                visitor_id=seen.visitor_id,
                milestone=milestone,
                country=seen.country,
                device=seen.device,
            )
            await self.events.record(played)

    async def preview(
        self, link: InternalLink, file_id: str, expires: str, signature: str, byte_range: str | None
    ) -> StreamingResponse:
        """The bytes of a track's player file (one range of them), behind a valid signature;
        the stream stops when the link stops being active."""
        found = link.file(file_id)
        file = preview_file(found[0]) if found else None
        if file is None or file.file_id != file_id:
            raise Refusal(404, "not_in_link")
        instant = expiry_of(expires)
        if instant is None or not self.signer.valid(
            link.id, file_id, instant, signature, self.clock()
        ):
            raise Refusal(403, "preview_expired")
        url = await self.dropbox.temporary_link(link.owner_id, file.dropbox_path)
        media_type = MEDIA_TYPES[file.format]
        return await self.dropbox.relay(
            url, byte_range, media_type, lambda: self._active(link.token)
        )

    def forget(self, revoked_id: str) -> None:
        """A revoked link or recipient token: drop it from this instance's cache (on
        share.revoked and share.recipient.revoked)."""
        self.links.forget(revoked_id)

    async def _active(self, token: str) -> bool:
        try:
            current = await self.links.get(token)
        except ServiceError:
            return True  # no revoke can happen while link-service is away either
        return current is not None and current.status(self.clock()) == "active"
