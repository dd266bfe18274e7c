"""How far this service's consumer group is behind, per topic, for `/metrics`
(`consumer_lag_messages`): the records its topics hold past what the group committed."""

import asyncio
import logging

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from messaging.metrics import CONSUMER_LAG

from service_kit.settings import ServiceSettings

log = logging.getLogger(__name__)


async def watch_lag(settings: ServiceSettings, interval_s: float) -> None:
    """Measure the group's lag every `interval_s` until cancelled, the first time one
    interval after start (start-up has better things to do with Kafka). Kafka away, or a
    pass that fails, leaves the last figures and tries again with fresh clients."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await _watch(settings, interval_s)
        except Exception as error:
            log.debug("consumer lag not measured", extra={"error": repr(error)})


async def _watch(settings: ServiceSettings, interval_s: float) -> None:
    options = settings.kafka.client_options()
    admin = AIOKafkaAdminClient(**options, client_id=settings.service_name)
    ends = AIOKafkaConsumer(**options, group_id=None, enable_auto_commit=False)
    try:
        await admin.start()
        await ends.start()
        while True:
            await _measure(admin, ends, settings.consumer_group)
            await asyncio.sleep(interval_s)
    finally:
        await ends.stop()
        await admin.close()


async def _measure(admin: AIOKafkaAdminClient, ends: AIOKafkaConsumer, group: str) -> None:
    committed = await admin.list_consumer_group_offsets(group)
    if not committed:
        return
    latest = await ends.end_offsets(list(committed))
    lag: dict[str, int] = {}
    for partition, offset in committed.items():
        behind = max(0, latest[partition] - max(offset.offset, 0))
        lag[partition.topic] = lag.get(partition.topic, 0) + behind
    for topic, records in lag.items():
        CONSUMER_LAG.labels(topic).set(records)
