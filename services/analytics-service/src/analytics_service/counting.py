"""Counting views and downloads in batches: each record parsed on its own, every new event
applied once by one script per link (store.py), what cannot be counted dead-lettered alone."""

import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import TypeAlias

from aiokafka import ConsumerRecord
from contracts.events import DownloadRecorded, ShareViewed
from contracts.topics import dlq
from faststream.kafka import KafkaBroker
from messaging.delivery import RetryLater, dead_letter
from messaging.metrics import DUPLICATES_SKIPPED
from messaging.tracing import record_spans
from prometheus_client import Counter
from pydantic import ValidationError

from analytics_service.domain import Tally
from analytics_service.store import StatsStore

log = logging.getLogger(__name__)

COUNTED = Counter("analytics_events_counted_total", "Views and downloads counted", ["topic"])

Record: TypeAlias = ConsumerRecord[bytes, bytes]


class BatchCounter:
    """Counts a batch of views or downloads; what cannot be counted goes to the DLQ alone."""

    def __init__(self, store: StatsStore, broker: KafkaBroker) -> None:
        self.store = store
        self.broker = broker

    async def count(
        self, records: Sequence[Record], model: type[ShareViewed] | type[DownloadRecorded]
    ) -> None:
        """Apply every record of the batch exactly once, or dead-letter it."""
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
            COUNTED.labels(model.topic).inc(result)
            DUPLICATES_SKIPPED.labels(self.store.consumer).inc(len(by_link[link_id]) - result)
        for record, problem in rejected:
            await self._dead_letter(record, problem)

    async def _dead_letter(self, record: Record, error: Exception) -> None:
        try:
            await dead_letter(self.broker, record, error, attempts=1)
        except Exception as publish_error:  # keep the batch: it comes again
            raise RetryLater(f"dead-letter publish failed: {publish_error!r}") from publish_error
        log.error(
            "sent to %s: %r",
            dlq(record.topic),
            error,
            extra={"partition": record.partition, "offset": record.offset},
        )
