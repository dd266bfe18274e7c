"""The outbox relay against real Redis and Kafka, including a relay killed mid-work."""

import asyncio
import json

import pytest
from contracts.events import ShareViewed
from messaging.context import correlation_id_var
from messaging.delivery import subscriber
from messaging.kafka import KafkaAccess, ensure_topics, make_broker
from messaging.outbox import Outbox, OutboxRelay
from messaging.testing import read_topic, wait_until
from redis.asyncio import Redis

pytestmark = pytest.mark.integration


def _view(link_id: str) -> ShareViewed:
    return ShareViewed(link_id=link_id, owner_id="u-1", visitor_id="v-1")


async def _stage(redis: Redis, outbox: Outbox, events: list[ShareViewed], prefix: str) -> None:
    """Commit a change and its event together, as a service would, with no relay running."""
    for event in events:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.incr(f"{prefix}changes:{outbox.tag(event.key().decode())}")  # its event's slot
            outbox.stage(pipe, event)
            await pipe.execute()


@pytest.fixture
async def topic(kafka: KafkaAccess, unique_prefix: str) -> str:
    name = unique_prefix + ShareViewed.topic
    await ensure_topics(kafka, [name], partitions=3, replication_factor=1)
    return name


async def test_event_committed_before_a_crash_is_published_exactly_once_on_restart(
    kafka: KafkaAccess, redis: Redis, unique_prefix: str, topic: str
):
    outbox = Outbox(service="svc", key_prefix=unique_prefix, topic_prefix=unique_prefix)
    event = _view("lnk_1")
    await _stage(redis, outbox, [event], unique_prefix)  # the writer died before any publish

    broker = make_broker(kafka, client_id="relay-test")
    await broker.start()
    relay = OutboxRelay(redis, broker, outbox, instance_id="restarted")
    task = asyncio.create_task(relay.run())
    try:
        await wait_until(lambda: _stream_empty(redis, outbox))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await broker.stop()

    records = await read_topic(kafka, topic, expect=1)
    assert [json.loads(r.value)["event_id"] for r in records] == [str(event.event_id)]
    assert records[0].key == b"lnk_1"
    assert dict(records[0].headers)["event-id"] == str(event.event_id).encode()


async def test_relay_killed_mid_batch_loses_nothing_and_duplicates_only_the_last_batch(
    kafka: KafkaAccess, redis: Redis, unique_prefix: str, topic: str, start_worker, kill
):
    outbox = Outbox(service="svc", key_prefix=unique_prefix, topic_prefix=unique_prefix)
    events = [_view(f"lnk_{i % 7}") for i in range(2000)]
    await _stage(redis, outbox, events, unique_prefix)
    batch = 50

    first = start_worker("relay", batch)
    try:
        await wait_until(lambda: _stream_shorter_than(redis, outbox, len(events) - 200))
    finally:
        kill(first)
    assert await redis.xlen(outbox.stream(0)) > 0, "the kill came too late to test anything"

    second = start_worker("relay", batch)
    try:
        await wait_until(lambda: _stream_empty(redis, outbox), timeout_s=60)
    finally:
        second.terminate()
        second.wait(timeout=10)

    records = await read_topic(kafka, topic, expect=len(events), timeout_s=60)
    ids = [json.loads(r.value)["event_id"] for r in records]
    assert set(ids) == {str(e.event_id) for e in events}
    assert len(ids) - len(set(ids)) <= batch
    for link in {e.link_id for e in events}:  # one aggregate's events stay in order
        staged = [str(e.event_id) for e in events if e.link_id == link]
        relayed = [i for r, i in zip(records, ids, strict=True) if r.key == link.encode()]
        assert list(dict.fromkeys(relayed)) == staged


async def test_two_relays_share_one_lease_and_keep_order(
    kafka: KafkaAccess, redis: Redis, unique_prefix: str, topic: str
):
    outbox = Outbox(service="svc", key_prefix=unique_prefix, topic_prefix=unique_prefix)
    events = [_view("lnk_same") for _ in range(300)]
    broker = make_broker(kafka, client_id="relay-test")
    await broker.start()
    relays = [
        asyncio.create_task(OutboxRelay(redis, broker, outbox, instance_id=name).run())
        for name in ("a", "b")
    ]
    try:
        await _stage(redis, outbox, events, unique_prefix)
        await wait_until(lambda: _stream_empty(redis, outbox))
    finally:
        for task in relays:
            task.cancel()
        await asyncio.gather(*relays, return_exceptions=True)
        await broker.stop()

    records = await read_topic(kafka, topic, expect=len(events))
    assert [json.loads(r.value)["event_id"] for r in records] == [str(e.event_id) for e in events]
    assert await redis.exists(outbox.lease(0)) == 0, "a stopped relay releases its lease"


async def _stream_empty(redis: Redis, outbox: Outbox) -> bool:
    return await redis.xlen(outbox.stream(0)) == 0


async def _stream_shorter_than(redis: Redis, outbox: Outbox, length: int) -> bool:
    return await redis.xlen(outbox.stream(0)) < length


async def test_the_correlation_id_rides_from_the_stager_through_kafka_into_the_handler(
    kafka: KafkaAccess, redis: Redis, unique_prefix: str, topic: str
):
    outbox = Outbox(service="svc", key_prefix=unique_prefix, topic_prefix=unique_prefix)
    token = correlation_id_var.set("req-42")
    try:
        await _stage(redis, outbox, [_view("lnk_c")], unique_prefix)  # inside a request
    finally:
        correlation_id_var.reset(token)
    await _stage(redis, outbox, [caused := _view("lnk_d")], unique_prefix)  # no request

    seen: dict[str, str | None] = {}
    broker = make_broker(kafka, client_id="relay-test")

    @subscriber(broker, topic, group_id=unique_prefix + "corr")
    async def handle(event: ShareViewed) -> None:
        seen[event.link_id] = correlation_id_var.get()

    await broker.start()
    relay = OutboxRelay(redis, broker, outbox, instance_id="corr")
    try:
        await relay.relay_once(0)
        await wait_until(lambda: len(seen) == 2)
    finally:
        await broker.stop()
    assert seen == {"lnk_c": "req-42", "lnk_d": str(caused.event_id)}
