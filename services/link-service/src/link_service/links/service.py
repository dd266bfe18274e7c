"""Creating, reading, listing and revoking share links (DESIGN §5)."""

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from contracts.clock import Clock
from contracts.events import (
    Event,
    LinkedTrack,
    RecipientLink,
    RevokeReason,
    ShareCreated,
    ShareRecipientRevoked,
    ShareRevoked,
    ShareUpdated,
)
from contracts.ids import new_token
from contracts.links import FileOnLink, InternalLink, LinkTrack
from messaging.outbox import Outbox
from messaging.transactions import Write, transaction, watched_transaction
from redis.asyncio.client import Pipeline
from service_kit.pagination import Position, first

from link_service.catalog.models import Track
from link_service.catalog.paths import track_confined
from link_service.catalog.store import CatalogStore
from link_service.connections.service import Connections
from link_service.links.budget import LinkBudget
from link_service.links.domain import (
    SelectionError,
    link_id_of,
    recipient_id_of,
    resolve_selection,
    shared_files,
)
from link_service.links.models import (
    MAX_RECIPIENTS,
    Entry,
    LinkCreate,
    LinkPublic,
    LinkRecord,
    Recipient,
    RecipientCreate,
    RecipientPublic,
    RecipientsAdd,
)
from link_service.links.store import LinkStore

TOKEN_BYTES = 24  # 192 bits from the OS CSPRNG; DESIGN asks for at least 128


class LinkRevoked(Exception):
    """The link is revoked: nothing can be added to it."""


class RecipientsRefused(ValueError):
    """Recipients that cannot be added (an e-mail already on the link, too many); says why."""


class Links:
    """Share links of every owner, over the catalog and link stores."""

    def __init__(
        self,
        catalog: CatalogStore,
        connections: Connections,
        store: LinkStore,
        outbox: Outbox,
        public_base_url: str,
        clock: Clock,
        budget: LinkBudget,
    ) -> None:
        self.catalog = catalog
        self.connections = connections
        self.clock = clock
        self.store = store
        self.outbox = outbox
        self.public_base_url = public_base_url.rstrip("/")
        self.budget = budget

    async def create(
        self,
        owner_id: str,
        request: LinkCreate,
        owner_name: str | None = None,
        *,
        owner_email: str | None = None,
    ) -> LinkPublic:
        """Resolve the selection, store the link and stage share.created, in one transaction;
        the new link as its owner sees it. Each recipient's token is pointed at the link
        first (recipients' mails name `owner_name`; the owner's alerts go to `owner_email`)."""
        await self.connections.require(owner_id)
        chosen, current = await self._selection(owner_id, request)
        await self.budget.spend(owner_id)  # the request is valid: only storing is left
        now = self.clock()
        link = self._new_link(owner_id, request, chosen, now)
        await self.store.add_recipients(link.id, [r.recipient_id for r in link.recipients])
        created = self._created(link, current, owner_name, owner_email, request.send_emails)
        async with transaction(self.store.redis, self.store.record_key(link.id)) as pipe:
            self.store.save(pipe, link, created_ms=int(now.timestamp() * 1000))
            self.outbox.stage(pipe, created)
            await pipe.execute()
        return self._public(link, _shared(link, current), now)  # the versions just read

    def _new_link(
        self, owner_id: str, request: LinkCreate, chosen: list[Track], now: datetime
    ) -> LinkRecord:
        """The record of a new link, with its token and its recipients' tokens."""
        token, days = new_token(TOKEN_BYTES), request.expires_in_days
        return LinkRecord(
            id=link_id_of(token),
            token=token,
            owner_id=owner_id,
            kind="single" if len(chosen) == 1 else "playlist",
            title=request.title,
            message=request.message,
            include=request.include,
            downloads=request.downloads,
            entries=[_entry(t) for t in chosen],
            created_at=now,
            expires_at=now + timedelta(days=days) if days else None,
            revoked_at=None,
            recipients=self._new_recipients(request.recipients, now),
            recipients_only=request.recipients_only,
            notify_owner=request.alerts(),
            leak_guard=request.leak_guard,
        )

    async def _selection(
        self, owner_id: str, request: LinkCreate
    ) -> tuple[list[Track], list[Track]]:
        """The tracks chosen, and each at its group's latest version; SelectionError unless
        every one has included files, all inside its folder."""
        tracks = await self.catalog.tracks(owner_id, list(dict.fromkeys(request.tracks)))
        buckets = await self.catalog.bucket_tracks(owner_id, request.buckets)
        chosen = resolve_selection(request.tracks, request.buckets, tracks, buckets)
        refs = [(t.track_id, t.group_id) for t in chosen]
        now_tracks = await self.catalog.current(owner_id, refs)
        current = [latest or t for latest, t in zip(now_tracks, chosen, strict=True)]
        if bare := [t.track_id for t in current if not shared_files(t, request.include)]:
            raise SelectionError(f"no included files on tracks: {', '.join(bare)}")
        if outside := [t.track_id for t in current if not track_confined(t)]:
            raise SelectionError(f"tracks with files outside their folder: {', '.join(outside)}")
        return chosen, current

    def _new_recipients(self, wanted: Sequence[RecipientCreate], now: datetime) -> list[Recipient]:
        recipients = []
        for recipient in wanted:
            token = new_token(TOKEN_BYTES)
            recipients.append(
                Recipient(
                    recipient_id=recipient_id_of(token),
                    name=recipient.name,
                    email=str(recipient.email),
                    token=token,
                    created_at=now,
                )
            )
        return recipients

    async def add_recipients(
        self, link: LinkRecord, request: RecipientsAdd, owner_name: str | None = None
    ) -> LinkRecord:
        """Give each new recipient a token of their own on the link and stage share.updated
        (their mails when `send_emails`); RecipientsRefused when an e-mail is already on the
        link or the link would pass MAX_RECIPIENTS, LinkRevoked when it is revoked."""
        _check_addable(link, [str(r.email) for r in request.recipients])
        added = self._new_recipients(request.recipients, self.clock())
        await self.store.add_recipients(link.id, [r.recipient_id for r in added])
        tracks = (await self._tracks([link]))[0]

        def with_added(stored: LinkRecord) -> tuple[LinkRecord, Event]:
            _check_addable(stored, [r.email for r in added])  # as it is now
            event = ShareUpdated(
                link_id=link.id,
                owner_id=link.owner_id,
                changed=["recipients"],
                recipients_added=[self._recipient_link(r) for r in added],
                send_emails=request.send_emails,
                title=stored.title,
                message=stored.message,
                owner_name=owner_name,
                tracks=[_linked(t) for t in tracks],
            )
            return stored.model_copy(update={"recipients": [*stored.recipients, *added]}), event

        return await self._change(link, with_added)

    async def revoke_recipient(
        self, link: LinkRecord, recipient_id: str, reason: RevokeReason = "owner"
    ) -> LinkRecord | None:
        """Revoke one recipient's token at once, the link's other tokens untouched (one
        share.recipient.revoked, ever); None when the link has no such recipient."""
        if link.recipient(recipient_id) is None:
            return None

        def revoked(stored: LinkRecord) -> tuple[LinkRecord, Event] | None:
            recipient = stored.recipient(recipient_id)
            if recipient is None or recipient.revoked_at is not None:
                return None
            now = self.clock()
            gone = recipient.model_copy(update={"revoked_at": now, "revoked_reason": reason})
            recipients = [gone if r is recipient else r for r in stored.recipients]
            event = ShareRecipientRevoked(
                link_id=link.id,
                owner_id=link.owner_id,
                recipient_id=recipient_id,
                revoked_at=now,
                reason=reason,
            )
            return stored.model_copy(update={"recipients": recipients}), event

        return await self._change(link, revoked)

    async def disable_leaked(
        self, owner_id: str, link_id: str, recipient_id: str | None
    ) -> LinkRecord | None:
        """The leak guard's `disable`: revoke the recipient's token, or the link when the
        link's own token leaked; None when the owner has no such link or recipient."""
        link = await self.owned(owner_id, link_id)
        if link is None:
            return None
        if recipient_id is None:
            return await self.revoke(link, "leak_guard")
        return await self.revoke_recipient(link, recipient_id, "leak_guard")

    async def owned(self, owner_id: str, link_id: str) -> LinkRecord | None:
        """The owner's link, or None (another owner's link is as good as absent)."""
        link = await self.store.get(link_id)
        return link if link and link.owner_id == owner_id else None

    async def by_token(self, token: str) -> tuple[LinkRecord, Recipient | None] | None:
        """The link a public token opens, and the recipient whose token it is (None: the
        link's own token, which opens nothing when the link is for its recipients only)."""
        link = await self.store.get(link_id_of(token))
        if link is not None and link.token == token:
            return None if link.recipients_only else (link, None)
        recipient_id = recipient_id_of(token)
        link_id = await self.store.link_of_recipient(recipient_id)
        link = await self.store.get(link_id) if link_id else None
        recipient = link.recipient(recipient_id) if link else None
        if link is None or recipient is None or recipient.token != token:
            return None
        return link, recipient

    async def revoke(self, link: LinkRecord, reason: RevokeReason = "owner") -> LinkRecord:
        """Revoke at once; a revoked link stays as it was (one share.revoked, ever)."""

        def revoked(stored: LinkRecord) -> tuple[LinkRecord, Event] | None:
            if stored.revoked_at:
                return None
            now = self.clock()
            event = ShareRevoked(
                link_id=link.id, owner_id=link.owner_id, revoked_at=now, reason=reason
            )
            return stored.model_copy(update={"revoked_at": now, "revoked_reason": reason}), event

        return await self._change(link, revoked)

    async def _change(
        self, link: LinkRecord, change: Callable[[LinkRecord], tuple[LinkRecord, Event] | None]
    ) -> LinkRecord:
        """The link as `change` makes it from the record stored now, stored with the event
        it answers in one watched transaction (retried when the record changes meanwhile);
        `change` answers None when there is nothing to do."""
        key = self.store.record_key(link.id)
        stored = link

        async def plan(pipe: Pipeline) -> Write | None:
            nonlocal stored
            stored = LinkRecord.model_validate_json(str(await pipe.get(key)))
            if (changed := change(stored)) is None:
                return None
            stored, event = changed

            def write(pipe: Pipeline) -> None:
                self.store.save(pipe, changed[0])
                self.outbox.stage(pipe, event)

            return write

        await watched_transaction(self.store.redis, [key], plan)
        return stored

    async def page(
        self, owner_id: str, status: str | None, limit: int, after: Position | None
    ) -> tuple[list[LinkRecord], str | None]:
        """Up to `limit` of the owner's links with that status, newest first, and a cursor;
        a status is paged from its index (links/status_index.py), reading only the page."""
        if status is not None:
            await self.store.prepare_statuses(owner_id, self.clock())
        positions, cursor = await first(self.store.newest_first(owner_id, after, status), limit)
        links = [await self.store.get(link_id) for _, link_id in positions]
        return [link for link in links if link is not None], cursor

    async def public(self, links: list[LinkRecord]) -> list[LinkPublic]:
        """Links of one owner as the owner sees them, their tracks resolved to their latest
        versions now (all the links' tracks read at once)."""
        now = self.clock()
        resolved = await self._tracks(links)
        return [
            self._public(link, tracks, now) for link, tracks in zip(links, resolved, strict=True)
        ]

    def _public(self, link: LinkRecord, tracks: list[LinkTrack], now: datetime) -> LinkPublic:
        shown = [
            {
                **track.model_dump(include={"track_id", "title", "artist", "version"}),
                "files": [
                    FileOnLink(**f.model_dump(exclude={"dropbox_path"})) for f in track.files
                ],
            }
            for track in tracks
        ]
        fields = link.model_dump(exclude={"entries", "owner_id", "recipients"})
        recipients = [
            RecipientPublic(
                **r.model_dump(exclude={"created_at", "revoked_at"}),
                url=self.url(r.token),
                revoked_at=r.revoked_at or link.revoked_at,
            )
            for r in link.recipients
        ]
        return LinkPublic(
            **fields,
            url=self.url(link.token),
            tracks=shown,
            status=link.status(now),
            recipients=recipients,
        )

    async def internal(self, link: LinkRecord, recipient: Recipient | None) -> InternalLink:
        """The link as the gateway needs it: whose, where its files are, whether they can be
        served now; opened by a recipient, with their token and their revocation."""
        shown = link.model_dump(
            exclude={"entries", "recipients", "notify_owner", "leak_guard", "revoked_reason"}
        )
        if recipient is not None:
            shown |= {
                "token": recipient.token,
                "recipient_id": recipient.recipient_id,
                "revoked_at": recipient.revoked_at or link.revoked_at,
            }
        return InternalLink(
            **shown,
            url=self.url(shown["token"]),
            tracks=(await self._tracks([link]))[0],
            dropbox_connected=await self.connections.dropbox_connected(link.owner_id),
        )

    def url(self, token: str) -> str:
        """The public address of a share page."""
        return f"{self.public_base_url}/s/{token}"

    async def _tracks(self, links: list[LinkRecord]) -> list[list[LinkTrack]]:
        """Each link's tracks at their latest versions, with the files it shares; the
        links are one owner's, their tracks read in one go."""
        if not links:
            return []
        refs = [(entry.track_id, entry.group_id) for link in links for entry in link.entries]
        current = iter(await self.catalog.current(links[0].owner_id, refs))
        return [_shared(link, [next(current) for _ in link.entries]) for link in links]

    def _created(
        self,
        link: LinkRecord,
        tracks: list[Track],
        owner_name: str | None,
        owner_email: str | None,
        send_emails: bool,
    ) -> ShareCreated:
        return ShareCreated(
            link_id=link.id,
            owner_id=link.owner_id,
            kind=link.kind,
            track_ids=[t.track_id for t in tracks],
            include=link.include,
            downloads=link.downloads,
            expires_at=link.expires_at,
            url=self.url(link.token),
            tracks=[_linked(t) for t in tracks],
            title=link.title,
            message=link.message,
            owner_name=owner_name,
            recipients=[self._recipient_link(r) for r in link.recipients],
            send_emails=send_emails,
            notify_owner=link.notify_owner,
            leak_guard=link.leak_guard,
            owner_email=owner_email,
        )

    def _recipient_link(self, recipient: Recipient) -> RecipientLink:
        return RecipientLink(
            recipient_id=recipient.recipient_id,
            name=recipient.name,
            email=recipient.email,
            url=self.url(recipient.token),
        )


def _check_addable(link: LinkRecord, emails: Sequence[str]) -> None:
    """LinkRevoked, or RecipientsRefused when an e-mail is already on the link or the link
    would have more than MAX_RECIPIENTS."""
    if link.revoked_at is not None:
        raise LinkRevoked(link.id)
    on_link = {r.email.lower() for r in link.recipients}
    if again := [email for email in emails if email.lower() in on_link]:
        raise RecipientsRefused(f"already recipients of the link: {', '.join(again)}")
    if len(link.recipients) + len(emails) > MAX_RECIPIENTS:
        raise RecipientsRefused(f"a link has at most {MAX_RECIPIENTS} recipients")


def _linked(track: Track | LinkTrack) -> LinkedTrack:
    return LinkedTrack(track_id=track.track_id, group_id=track.group_id, title=track.title)


def _shared(link: LinkRecord, tracks: Sequence[Track | None]) -> list[LinkTrack]:
    """The link's tracks (None: deleted from the catalog since) with the files it shares."""
    return [
        LinkTrack(
            **track.model_dump(include={"track_id", "title", "artist", "version", "group_id"}),
            files=shared_files(track, link.include),
        )
        for track in tracks
        if track is not None
    ]


def _entry(track: Track) -> Entry:
    return Entry(track_id=track.track_id, group_id=track.group_id)
