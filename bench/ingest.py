"""4. Analytics ingest: download.recorded events published ahead (analytics-service stopped),
then the time until its totals are exact, against a bare aiokafka consumer reading the
same records and doing nothing with them."""

import asyncio
import time
from typing import Any
from uuid import uuid4

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from contracts import topics
from contracts.events import DownloadRecorded
from devstack import kafka, services
from stack import Stack


async def analytics_ingest(stack: Stack, events: int) -> dict[str, Any]:
    """Ours: analytics-service from ready to exact totals. Baseline: a bare consumer reading
    the same records from the same offsets."""
    link = stack.create_link(stack.track_ids[:1])
    await _until(lambda: stack.downloads(link["id"]) == 0)  # analytics knows the link
    analytics = next(s for s in services.SERVICES if s.name == "analytics-service")
    services.stop(analytics)
    start = await _end_offsets()
    await _publish(link, events)
    services.start(analytics, stack.env)
    services.wait_ready(analytics, stack.env, 60)
    began = time.perf_counter()
    await _until(lambda: stack.downloads(link["id"]) >= events, timeout_s=600)
    ours = time.perf_counter() - began
    bare = await _bare_consumer(start, events)
    ratio = bare / ours
    return {
        "name": f"analytics ingest, {events:,} download.recorded published ahead",
        "ours_events_per_s": round(events / ours),
        "baseline_events_per_s": round(events / bare),
        "ratio": round(ratio, 2),
        "exact": stack.downloads(link["id"]) == events,
        "target": ">= 0.5",
        "met": ratio >= 0.5,
    }


async def _publish(link: dict[str, Any], events: int) -> None:
    producer = AIOKafkaProducer(
        **kafka.operator_access().client_options(), acks="all", linger_ms=20
    )
    await producer.start()
    try:
        sent = []
        for _ in range(events):
            event = DownloadRecorded(
                link_id=link["id"],
                owner_id="u-bench",
                track_id=link["tracks"][0]["track_id"],
                file_id="f",
                file_type="audio",
                file_format="wav",
                visitor_id=uuid4().hex[:16],
            )
            value = event.model_dump_json().encode()
            sent.append(await producer.send(topics.DOWNLOAD_RECORDED, value, key=event.key()))
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def _end_offsets() -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(
        topics.DOWNLOAD_RECORDED, **kafka.operator_access().client_options()
    )
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topics.DOWNLOAD_RECORDED) or set()
        wanted = [TopicPartition(topics.DOWNLOAD_RECORDED, p) for p in partitions]
        return dict(await consumer.end_offsets(wanted))
    finally:
        await consumer.stop()


async def _bare_consumer(start: dict[TopicPartition, int], events: int) -> float:
    """Seconds a bare consumer takes to read `events` records from `start`."""
    consumer = AIOKafkaConsumer(
        **kafka.operator_access().client_options(), enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign(list(start))
        for partition, offset in start.items():
            consumer.seek(partition, offset)
        began, seen = time.perf_counter(), 0
        while seen < events:
            batches = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            seen += sum(len(records) for records in batches.values())
        return time.perf_counter() - began
    finally:
        await consumer.stop()


async def _until(condition: Any, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("analytics-service did not get there in time")
        await asyncio.sleep(0.2)
