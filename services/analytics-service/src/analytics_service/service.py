"""What analytics-service does: count views, downloads and play milestones in batches
(each record parsed on its own, every new event applied once by one script per link in
store.py, what cannot be counted dead-lettered alone), raise the owner's alerts and the
leak guard's, record whose link it is and who its recipients are, and answer an owner's
stats."""

import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

from aiokafka import ConsumerRecord
from contracts.events import (
    DownloadRecorded,
    RecipientLink,
    ShareCreated,
    SharePlayed,
    ShareViewed,
)
from faststream.kafka import KafkaBroker
from messaging.delivery import RetryLater, dead_letter
from messaging.metrics import DUPLICATES_SKIPPED
from messaging.outbox import Outbox
from messaging.tracing import record_spans
from prometheus_client import Counter
from pydantic import ValidationError
from service_kit.pagination import PageParams, first

from analytics_service.domain import (
    Tally,
    activity_entry,
    alert_of,
    alerting_of,
    csv_line,
    link_stats,
)
from analytics_service.store import Counted, StatsStore

log = logging.getLogger(__name__)

# Entries read per round trip while a CSV streams.
CSV_PAGE = 500
ACTIVITY_COLUMNS = (
    "at",
    "kind",
    "recipient_id",
    "visitor",
    "track_id",
    "file_type",
    "file_format",
    "country",
    "device",
)
COUNTED = Counter(
    "analytics_events_counted_total", "Views, downloads and play milestones counted", ["topic"]
)
Countable = type[ShareViewed] | type[DownloadRecorded] | type[SharePlayed]

Record: TypeAlias = ConsumerRecord[bytes, bytes]


@dataclass(frozen=True)
class Analytics:
    """Counts a batch of views or downloads (what cannot be counted goes to the DLQ alone),
    records link ownership, and reads an owner's stats."""

    store: StatsStore
    broker: KafkaBroker
    outbox: Outbox

    async def count(self, records: Sequence[Record], model: Countable) -> None:
        """Apply every record of the batch exactly once, or dead-letter it; stage the alerts
        it raised."""
        tallies: list[Tally] = []
        by_link: dict[str, list[Record]] = defaultdict(list)
        rejected: list[tuple[Record, Exception]] = []
        for record in records:
            try:
                tally = Tally.of(model.model_validate_json(record.value or b""))
            except ValidationError as error:
                rejected.append((record, error))
                continue
            tallies.append(tally)
            by_link[tally.link_id].append(record)
        with record_spans(records, f"{model.topic} count"):
            counted = await self.store.count(tallies)
        for link_id, result in counted.items():
            if isinstance(result, Exception):
                if not str(result).startswith("WRONGTYPE"):
                    raise result  # not this link's fault: the middleware retries the batch
                rejected += [(record, result) for record in by_link[link_id]]
                continue
            COUNTED.labels(model.topic).inc(result.applied)
            DUPLICATES_SKIPPED.labels(self.store.consumer).inc(
                len(by_link[link_id]) - result.applied
            )
            await self._stage_alerts(link_id, result)
            if result.digest_days:
                await self.store.note_digest_days(link_id, result.digest_days)
        for record, problem in rejected:
            await self._dead_letter(record, problem)

    async def _stage_alerts(self, link_id: str, counted: Counted) -> None:
        """Hand the link's pending alerts to the outbox, then forget them. A crash in between
        stages them again on the next count (the batch comes again), with the same ids."""
        if not counted.alerts:
            return
        for field, raised in counted.alerts.items():
            try:
                alert = alert_of(link_id, field, raised)
            except ValidationError:  # never a reason to stop counting the link
                kind = field.partition("|")[0]  # not the values: an address is no log's
                log.error("dropped an alert that is no share.alert", extra={"kind": kind})
                continue
            await self.outbox.add(self.store.redis, alert)
        await self.store.alerts_staged(link_id, counted.alerts)

    async def _dead_letter(self, record: Record, error: Exception) -> None:
        try:
            await dead_letter(self.broker, record, error, attempts=1)
        except Exception as publish_error:  # keep the batch: it comes again
            raise RetryLater(f"dead-letter publish failed: {publish_error!r}") from publish_error

    async def remember_owner(self, link_id: str, owner_id: str, at: datetime) -> bool:
        """Record the link's owner; False (and a warning) when another one was recorded first."""
        if await self.store.claim(link_id, owner_id, at):
            return True
        log.warning(
            "share.created names another owner than the one recorded", extra={"link_id": link_id}
        )
        return False

    async def remember_recipients(
        self, link_id: str, owner_id: str, at: datetime, recipients: Sequence[RecipientLink]
    ) -> bool:
        """Note who the link's recipients are, for its stats by recipient; False (and
        nothing noted) when the link is another owner's."""
        if not await self.remember_owner(link_id, owner_id, at):
            return False
        await self.store.name_recipients(link_id, recipients)
        return True

    async def remember_link(self, event: ShareCreated) -> None:
        """Note the new link's owner, recipients, and the alerts its owner asked for."""
        noted = await self.remember_recipients(
            event.link_id, event.owner_id, event.occurred_at, event.recipients
        )
        if noted and (alerting := alerting_of(event)) is not None:
            await self.store.remember_alerting(event.link_id, alerting)

    async def remember_revoked(
        self, link_id: str, owner_id: str, at: datetime, revoked_at: datetime
    ) -> None:
        """Note the revocation; it also names the owner, should share.created come later."""
        if await self.store.claim(link_id, owner_id, at):
            await self.store.mark_revoked(link_id, revoked_at)

    async def link_stats(self, owner_id: str, link_id: str) -> dict[str, Any] | None:
        """The stats of one of the owner's links (DESIGN §10); None for another owner's or an
        unknown link."""
        if await self.store.owner_of(link_id) != owner_id:
            return None
        (raw,) = await self.store.stats([link_id])
        return link_stats(link_id, raw)

    async def activity(
        self, owner_id: str, link_id: str, page: PageParams
    ) -> tuple[list[dict[str, Any]], str | None] | None:
        """A page of the link's activity, newest first, and the next page's cursor; None for
        another owner's or an unknown link."""
        if await self.store.owner_of(link_id) != owner_id:
            return None
        entries, cursor = await first(self.store.activity(link_id, page.after), page.limit)
        return [activity_entry(*entry) for entry in entries], cursor

    async def activity_csv(self, link_id: str) -> AsyncIterator[str]:
        """The link's whole activity as CSV, newest first, CSV_PAGE lines per write (the
        caller checked the owner): memory stays flat however long the log."""
        lines = [csv_line(ACTIVITY_COLUMNS)]
        async for at_us, entry in self.store.activity(link_id):
            shown = activity_entry(at_us, entry)
            lines.append(csv_line([shown[column] for column in ACTIVITY_COLUMNS]))
            if len(lines) >= CSV_PAGE:
                yield "".join(lines)
                lines = []
        yield "".join(lines)

    async def owned_stats(
        self, owner_id: str, page: PageParams
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of the owner's links' stats, newest link first, and the next page's cursor."""
        link_ids, cursor = await self.store.owned_page(owner_id, page.limit, page.after)
        raw = await self.store.stats(link_ids)
        return [link_stats(i, r) for i, r in zip(link_ids, raw, strict=True)], cursor
