"""Kafka consumers: link ownership and recipients from link-service, views, downloads and
play milestones counted once.

share.viewed, download.recorded and share.played are consumed in batches. Each record is
parsed on its own, so a record that does not parse goes to `<topic>.dlq` alone while the
rest of its batch counts; the batch is committed (by the delivery middleware) after Redis
has it.
"""

from typing import Annotated, Any

from contracts import topics
from contracts.events import (
    DownloadRecorded,
    ShareCreated,
    SharePlayed,
    ShareRevoked,
    ShareUpdated,
    ShareViewed,
)
from faststream.message import StreamMessage
from messaging.delivery import subscriber
from pydantic import WithJsonSchema

from analytics_service.context import AnalyticsContext
from analytics_service.service import Record

# The batch handlers get the Kafka records untouched and parse each on its own (see
# Analytics.count); the AsyncAPI document still shows their payload as the events.
ViewRecords = list[Annotated[Any, WithJsonSchema(ShareViewed.model_json_schema())]]
DownloadRecords = list[Annotated[Any, WithJsonSchema(DownloadRecorded.model_json_schema())]]
PlayRecords = list[Annotated[Any, WithJsonSchema(SharePlayed.model_json_schema())]]

# A rebalance (an instance starting or stopping) waits for each member's next heartbeat:
# every second rather than aiokafka's 3 s, as each of the four subscribers joins one group.
HEARTBEAT_MS = 1000

# aiokafka fetches a partition again only once its buffer is drained, and then waits for
# the fetch already in flight for the idle partitions (up to fetch_max_wait_ms): with the
# defaults (1 MiB, 500 ms) a backlog was read in 2,860-record gulps 410 ms apart.
CATCHING_UP = {"max_partition_fetch_bytes": 8 * 1024 * 1024, "fetch_max_wait_ms": 100}


def register(context: AnalyticsContext) -> None:
    """Subscribe the service's handlers on its broker."""
    group = context.runtime.settings.consumer_group
    single: dict[str, Any] = {"group_id": group, "heartbeat_interval_ms": HEARTBEAT_MS}
    batches: dict[str, Any] = single | {
        "batch": True,
        "max_records": context.batch_size,
        "decoder": kafka_records,
        **CATCHING_UP,
    }

    _register_links(context, single)
    _register_counts(context, batches)


def _register_links(context: AnalyticsContext, single: dict[str, Any]) -> None:
    """Who owns each link, when it was revoked, who its recipients are."""
    runtime, analytics = context.runtime, context.analytics
    settings = runtime.settings

    @subscriber(runtime.broker, settings.topic(topics.SHARE_CREATED), **single)
    async def remember_link_owner(event: ShareCreated) -> None:
        """From now on the link's stats are its owner's to read, by recipient too, and the
        alerts they asked for are raised."""
        await analytics.remember_link(event)

    @subscriber(runtime.broker, settings.topic(topics.SHARE_UPDATED), **single)
    async def remember_added_recipients(event: ShareUpdated) -> None:
        """Recipients added later are named in the stats too."""
        await analytics.remember_recipients(
            event.link_id, event.owner_id, event.occurred_at, event.recipients_added
        )

    @subscriber(runtime.broker, settings.topic(topics.SHARE_REVOKED), **single)
    async def remember_link_revoked(event: ShareRevoked) -> None:
        """Note the revocation; it also names the owner, should share.created come later."""
        await analytics.remember_revoked(
            event.link_id, event.owner_id, event.occurred_at, event.revoked_at
        )


def _register_counts(context: AnalyticsContext, batches: dict[str, Any]) -> None:
    """Views, plays and downloads, counted in batches."""
    runtime, analytics = context.runtime, context.analytics
    settings = runtime.settings

    @subscriber(runtime.broker, settings.topic(topics.SHARE_VIEWED), **batches)
    async def count_views(records: ViewRecords) -> None:
        """Count each page view once."""
        await analytics.count(records, ShareViewed)

    @subscriber(runtime.broker, settings.topic(topics.SHARE_PLAYED), **batches)
    async def count_plays(records: PlayRecords) -> None:
        """Count each listen's milestones once: plays, listens and completions."""
        await analytics.count(records, SharePlayed)

    @subscriber(runtime.broker, settings.topic(topics.DOWNLOAD_RECORDED), **batches)
    async def count_downloads(records: DownloadRecords) -> None:
        """Count each download once, by type, format and track."""
        await analytics.count(records, DownloadRecorded)


async def kafka_records(message: StreamMessage[Any]) -> list[Record]:
    """Decoder of the batch subscribers: the records as Kafka gave them, parsed later one by one."""
    raw = message.raw_message
    return list(raw) if isinstance(raw, tuple) else [raw]
