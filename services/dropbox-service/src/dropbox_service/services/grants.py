"""Collaborators' access to tracks: given and taken back through Dropbox, recorded by
target, each request answered with one event per collaborator.

Both act on Dropbox before they record anything, so a request already applied is
recognised first and never acted on again (a late redelivery must not re-grant access a
later removal took back, nor remove access a later share gave).

When Dropbox fails (5xx, or a rate limit) past every retry of a call, the request is
redelivered until it is `give_up_s` old (DROPBOX_OUTAGE_GIVE_UP_S): a Dropbox outage of a
few minutes delays shares and removals; a longer one reports them failed, to be retried.

A share goes only to what the owner's catalog holds when it is carried out, asked of
link-service (decision 0005); while link-service cannot answer, the request is redelivered.
A removal needs no such check: it takes back only accesses recorded here by a share that
passed it, and must still work once the track has left the catalog.
"""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from contracts.clock import Clock
from contracts.events import (
    CollabRevoked,
    CollabRevokeFailed,
    CollabRevokeRequested,
    CollabShareRequested,
    Event,
)
from messaging.delivery import RetryLater
from messaging.idempotency import act_once
from messaging.markers import Purpose, scope
from messaging.outbox import Outbox
from messaging.transactions import Write
from prometheus_client import Counter
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from dropbox_service.catalog import Catalog, CatalogUnavailable
from dropbox_service.clients import DropboxCalls
from dropbox_service.domain import Outcome, age_s, catalog_refusals, grant_events
from dropbox_service.services import sharing
from dropbox_service.store import Stores

log = logging.getLogger(__name__)
REFUSED = Counter(
    "collab_shares_refused_total",
    "Collaborators of share requests refused by the owner's catalog, by reason",
    ["reason"],
)


@dataclass(frozen=True)
class Grants:
    """Shares and removals of one service, applied once per request (markers of `consumer`)."""

    redis: Redis
    outbox: Outbox
    stores: Stores
    calls: DropboxCalls
    catalog: Catalog
    consumer: str
    give_up_s: float
    clock: Clock

    async def share(self, request: CollabShareRequested) -> None:
        """Give each collaborator access; collab.granted or collab.failed for each."""

        async def grant() -> Write:
            refused = await self._refusals(request)
            allowed = [c for c in request.collaborators if c.collaborator_id not in refused]
            outcome = Outcome()
            if allowed:
                outcome = await self._grant(request.model_copy(update={"collaborators": allowed}))
            outcome.failed.update(refused)
            connection = await self.stores.connections.get(request.owner_id)
            events = grant_events(request, outcome, connection.name if connection else None)

            def write(pipe: Pipeline) -> None:
                for cid, given in outcome.granted.items():
                    self.stores.grants.add(pipe, request.owner_id, request.track_id, cid, given)
                for event in events:
                    self.outbox.stage(pipe, event)

            return write

        await self._once(Purpose.SHARE, request, grant)

    async def remove(self, request: CollabRevokeRequested) -> None:
        """Take back every access given to the collaborator; collab.revoked, or
        collab.revoke.failed with the reason."""
        owner_id, track_id = request.owner_id, request.track_id
        cid = request.collaborator.collaborator_id

        async def remove() -> Write:
            given = await self.stores.grants.get(owner_id, track_id, cid)
            answer = {
                "request_id": request.request_id,
                "owner_id": owner_id,
                "track_id": track_id,
                "collaborator_id": cid,
            }
            event: Event
            try:
                await sharing.revoke(self.calls, owner_id, given)
                removed, event = list(given), CollabRevoked(**answer)
            except sharing.RemovalFailed as failure:
                if failure.outage:
                    self._wait_out(request, failure)
                removed = failure.removed
                event = CollabRevokeFailed(**answer, reason=failure.reason)

            def write(pipe: Pipeline) -> None:
                self.stores.grants.drop(pipe, owner_id, track_id, cid, removed)
                self.outbox.stage(pipe, event)

            return write

        await self._once(Purpose.REVOKE, request, remove)

    async def _refusals(self, request: CollabShareRequested) -> dict[str, str]:
        """Who of the request the owner's catalog does not allow sharing with, and why; while
        link-service cannot tell, the request is redelivered (never failed nor dead-lettered)."""
        try:
            track = await self.catalog.track(request.owner_id, request.track_id)
        except CatalogUnavailable as error:
            raise RetryLater(f"catalog check: {error}") from error
        refused = catalog_refusals(request, track)
        for reason in refused.values():
            REFUSED.labels(reason).inc()
        if refused:
            log.warning(
                "share refused by the owner's catalog",
                extra={
                    "owner_id": request.owner_id,
                    "track_id": request.track_id,
                    "request_id": request.request_id,
                    "refused": refused,
                },
            )
        return refused

    async def _grant(self, request: CollabShareRequested) -> Outcome:
        """Give the request's collaborators access; an outage Dropbox kept up past the
        give-up age fails each of them with its reason."""
        try:
            return await sharing.grant(self.calls, request)
        except sharing.OUTAGES as error:
            self._wait_out(request, error)
            reason = sharing.outage_reason(error)
            return Outcome(failed={c.collaborator_id: reason for c in request.collaborators})

    def _wait_out(
        self, request: CollabShareRequested | CollabRevokeRequested, error: Exception
    ) -> None:
        """Redeliver a request Dropbox failed unless it is past `give_up_s` old."""
        age = age_s(request.occurred_at, self.clock())
        if age < self.give_up_s:
            raise RetryLater(f"Dropbox outage, {age:.0f}s into the request: {error}") from error

    async def _once(
        self,
        purpose: Purpose,
        request: CollabShareRequested | CollabRevokeRequested,
        act: Callable[[], Awaitable[Write]],
    ) -> None:
        """Act on Dropbox for a request unless it was applied, then commit (act_once)."""
        await act_once(
            self.redis,
            consumer=scope(self.consumer, purpose),
            event_id=request.event_id,
            act=act,
            tag=self.outbox.tag(request.track_id),
        )
