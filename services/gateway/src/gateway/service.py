"""What a share link lets a visitor do (DESIGN §6): open it, see its page, play a preview,
download a file. Anything refused raises `Refusal`, which the pages answer (pages.py)."""

from collections.abc import Callable
from datetime import UTC, datetime

from contracts.events import DownloadRecorded, ShareViewed
from contracts.ids import is_token
from contracts.links import InternalLink
from fastapi.responses import StreamingResponse
from service_kit.caching import Flights

from gateway.dropbox_files import DropboxFiles, OwnerDisconnected
from gateway.events import Events
from gateway.html import SharePages
from gateway.link_source import LinkServiceUnavailable, LinkSource
from gateway.previews import MEDIA_TYPES, Signer, preview_file, relay
from gateway.rate_limit import UnknownTokenLimit
from gateway.view import page_of


class Refusal(Exception):
    """Why a request gets a message page instead: its status, reason and Retry-After."""

    def __init__(self, status: int, reason: str, retry_after: int | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.retry_after = retry_after


class Shares:
    """Share links as visitors reach them."""

    def __init__(
        self,
        links: LinkSource,
        dropbox: DropboxFiles,
        signer: Signer,
        limit: UnknownTokenLimit,
        events: Events,
        pages: SharePages,
    ) -> None:
        self.links = links
        self.dropbox = dropbox
        self.signer = signer
        self.limit = limit
        self.events = events
        self.pages = pages
        self._first_opens: Flights[str, InternalLink | None] = Flights()

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
        if (status := link.status(datetime.now(UTC))) != "active":
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

    async def page(self, link: InternalLink, visitor: str | None) -> str:
        """The page's HTML; a view of `visitor` (None: a bot or a HEAD) is published."""
        if visitor is not None:
            viewed = ShareViewed(link_id=link.id, owner_id=link.owner_id, visitor_id=visitor)
            await self.events.record(viewed)
        return self.pages.html(link, self._signed(link))

    def previews(self, link: InternalLink) -> dict[str, str]:
        """Fresh signed preview URLs of the link's players, by file id (as its page has)."""
        page = page_of(link, self._signed(link))
        return {t["preview_file"]: t["preview_url"] for t in page["tracks"] if t["preview_file"]}

    def _signed(self, link: InternalLink) -> Callable[[str], str]:
        return lambda file_id: self.signer.url(link.token, link.id, file_id)

    async def download(self, link: InternalLink, file_id: str, visitor: str) -> str:
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
                visitor_id=visitor,
            )
        )
        return url

    async def preview(
        self, link: InternalLink, file_id: str, expires: str, signature: str, byte_range: str | None
    ) -> StreamingResponse:
        """The bytes of a track's player file (one range of them), behind a valid signature;
        the stream stops when the link stops being active."""
        found = link.file(file_id)
        file = preview_file(found[0]) if found else None
        if file is None or file.file_id != file_id:
            raise Refusal(404, "not_in_link")
        instant = int(expires) if expires.isdigit() and len(expires) < 12 else -1
        if not self.signer.valid(link.id, file_id, instant, signature):
            raise Refusal(403, "preview_expired")
        url = await self.dropbox.temporary_link(link.owner_id, file.dropbox_path)
        media_type = MEDIA_TYPES[file.format]
        return await relay(
            self.dropbox.content, url, byte_range, media_type, lambda: self._active(link.token)
        )

    async def _active(self, token: str) -> bool:
        try:
            current = await self.links.get(token)
        except LinkServiceUnavailable:
            return True  # no revoke can happen while link-service is away either
        return current is not None and current.status(datetime.now(UTC)) == "active"
