"""Consumption against real Kafka and Redis: commit after work, DLQ, redelivery, duplicates."""

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from contracts.events import ShareViewed
from contracts.topics import dlq
from faststream.kafka import KafkaBroker
from messaging.delivery import DeliveryPolicy, RetryLater, subscriber
from messaging.idempotency import apply_once
from messaging.kafka import KafkaAccess, ensure_topics, make_broker
from messaging.testing import read_topic, wait_until
from redis.asyncio import Redis

pytestmark = pytest.mark.integration

FAST = DeliveryPolicy(max_attempts=3, retry_backoff_s=0.01, outage_backoff_s=0.05)


def _view(link_id: str = "lnk_1") -> ShareViewed:
    return ShareViewed(link_id=link_id, owner_id="u-1", visitor_id="v-1")


async def _committed(kafka: KafkaAccess, group: str, topic: str) -> int | None:
    consumer = AIOKafkaConsumer(**kafka.client_options(), group_id=group)
    await consumer.start()
    try:
        return await consumer.committed(TopicPartition(topic, 0))
    finally:
        await consumer.stop()


async def test_malformed_message_goes_to_dlq_and_consumer_carries_on(
    kafka: KafkaAccess, topic: str, publisher: KafkaBroker, unique_prefix: str
):
    handled: list[ShareViewed] = []
    consumer = make_broker(kafka, client_id="test", policy=FAST)
    group = unique_prefix + "views"

    @subscriber(consumer, topic, group_id=group)
    async def count_view(event: ShareViewed) -> None:
        handled.append(event)

    good = _view()
    await publisher.publish(b"{not json", topic=topic, key=b"lnk_1")
    await publisher.publish(b'{"link_id": "missing fields"}', topic=topic, key=b"lnk_1")
    await publisher.publish(good, topic=topic, key=good.key())
    await consumer.start()
    try:
        await wait_until(lambda: len(handled) == 1)
    finally:
        await consumer.stop()

    assert handled == [good]
    dead = await read_topic(kafka, dlq(topic), expect=2)
    assert [r.value for r in dead] == [b"{not json", b'{"link_id": "missing fields"}']
    headers = dict(dead[1].headers)
    assert headers["x-dlq-error-type"] == b"ValidationError"
    assert headers["x-dlq-topic"] == topic.encode()
    assert headers["x-dlq-offset"] == b"1"
    assert await _committed(kafka, group, topic) == 3


async def test_handler_that_keeps_failing_is_retried_then_dead_lettered(
    kafka: KafkaAccess, topic: str, publisher: KafkaBroker, unique_prefix: str
):
    attempts: dict[str, int] = {}
    consumer = make_broker(kafka, client_id="test", policy=FAST)

    @subscriber(consumer, topic, group_id=unique_prefix + "views")
    async def count_view(event: ShareViewed) -> None:
        attempts[event.link_id] = attempts.get(event.link_id, 0) + 1
        if event.link_id == "lnk_bad":
            raise ValueError("cannot apply this one")

    await publisher.publish(_view("lnk_bad"), topic=topic, key=b"lnk_bad")
    await publisher.publish(_view("lnk_good"), topic=topic, key=b"lnk_good")
    await consumer.start()
    try:
        await wait_until(lambda: "lnk_good" in attempts)
    finally:
        await consumer.stop()

    assert attempts == {"lnk_bad": 3, "lnk_good": 1}
    [dead] = await read_topic(kafka, dlq(topic), expect=1)
    assert dict(dead.headers)["x-dlq-attempts"] == b"3"
    assert b"cannot apply this one" in dict(dead.headers)["x-dlq-error"]


async def test_outage_redelivers_instead_of_dead_lettering(
    kafka: KafkaAccess, topic: str, publisher: KafkaBroker, unique_prefix: str
):
    calls: list[str] = []
    consumer = make_broker(kafka, client_id="test", policy=FAST)

    @subscriber(consumer, topic, group_id=unique_prefix + "views")
    async def count_view(event: ShareViewed) -> None:
        calls.append(event.link_id)
        if len(calls) <= 5:
            raise RetryLater("redis is restarting")

    await publisher.publish(_view("lnk_1"), topic=topic, key=b"lnk_1")
    await publisher.publish(_view("lnk_2"), topic=topic, key=b"lnk_2")
    await consumer.start()
    try:
        await wait_until(lambda: "lnk_2" in calls)
    finally:
        await consumer.stop()

    assert calls == ["lnk_1"] * 6 + ["lnk_2"], "order kept while the outage lasted"
    assert await read_topic(kafka, dlq(topic), expect=0, timeout_s=2) == []


async def test_redelivered_event_is_applied_once(
    kafka: KafkaAccess, topic: str, publisher: KafkaBroker, unique_prefix: str, redis: Redis
):
    consumer = make_broker(kafka, client_id="test", policy=FAST)
    group = unique_prefix + "views"

    @subscriber(consumer, topic, group_id=group)
    async def count_view(event: ShareViewed) -> None:
        await apply_once(
            redis,
            consumer=group,
            event_id=event.event_id,
            write=lambda pipe: pipe.incr(unique_prefix + "{views}"),
            tag="{views}",  # the counter's slot: one transaction on Redis Cluster
        )

    twice = _view()
    for event in (twice, twice, _view(), twice):
        await publisher.publish(event, topic=topic, key=event.key())
    await consumer.start()
    try:
        await wait_until(lambda: _committed_is(kafka, group, topic, 4))
    finally:
        await consumer.stop()
    assert await redis.get(unique_prefix + "{views}") == "2"


async def test_consumer_killed_mid_stream_counts_every_event_exactly_once(
    kafka: KafkaAccess,
    topic: str,
    publisher: KafkaBroker,
    unique_prefix: str,
    redis: Redis,
    start_worker,
    kill,
):
    events = [_view(f"lnk_{i % 5}") for i in range(400)]
    duplicates = events[::4]  # Kafka may deliver any of them again; so do we
    for event in events + duplicates:
        await publisher.publish(event, topic=topic, key=event.key())
    counter = unique_prefix + "{views}"  # as worker_process.py counts

    first = start_worker("consume", 0.005)
    try:
        await wait_until(lambda: _count_at_least(redis, counter, 60), timeout_s=60)
    finally:
        kill(first)
    assert int(await redis.get(counter) or 0) < len(events), "killed too late to test anything"

    start_worker("consume", 0.0)
    await wait_until(lambda: _count_at_least(redis, counter, len(events)), timeout_s=60)
    # A sentinel for each link: it follows every earlier event of its key on its partition,
    # so once all are counted any event counted twice would show.
    sentinels = [_view(f"lnk_{i}") for i in range(5)]
    for event in sentinels:
        await publisher.publish(event, topic=topic, key=event.key())
    total = len(events) + len(sentinels)
    await wait_until(lambda: _count_at_least(redis, counter, total), timeout_s=60)
    assert int(await redis.get(counter) or 0) == total


async def _committed_is(kafka: KafkaAccess, group: str, topic: str, offset: int) -> bool:
    return await _committed(kafka, group, topic) == offset


async def _count_at_least(redis: Redis, key: str, n: int) -> bool:
    return int(await redis.get(key) or 0) >= n


async def test_producer_waits_for_all_replicas_and_is_idempotent(
    kafka: KafkaAccess, unique_prefix: str
):
    # The broker gives a producer id only to idempotent producers, and writes it into each
    # batch they send; aiokafka refuses idempotence unless acks=all, so it proves both.
    name = unique_prefix + "acks"
    await ensure_topics(kafka, [name], partitions=1, replication_factor=1)
    broker = make_broker(kafka, client_id=unique_prefix + "acks")
    await broker.start()
    try:
        await broker.publish(b"idempotent", name)
    finally:
        await broker.stop()
    async with _plain_producer(kafka) as plain:
        await plain.send_and_wait(name, b"plain")
    ours, plains = _producer_ids(await _segment(kafka, name))
    assert ours >= 0
    assert plains == -1, "a producer that is not idempotent writes no producer id"


@contextlib.asynccontextmanager
async def _plain_producer(kafka: KafkaAccess) -> AsyncIterator[AIOKafkaProducer]:
    producer = AIOKafkaProducer(**kafka.client_options())
    await producer.start()
    try:
        yield producer
    finally:
        await producer.stop()


async def _segment(kafka: KafkaAccess, topic: str) -> bytes:
    """The first log segment of partition 0, read where the broker (on this machine) keeps it."""
    admin = AIOKafkaAdminClient(**kafka.client_options())
    await admin.start()
    try:
        node = (await admin.describe_cluster())["brokers"][0]["node_id"]
        broker = ConfigResource(ConfigResourceType.BROKER, str(node))
        [response] = await admin.describe_configs([broker])
    finally:
        await admin.close()
    entries = {entry[0]: entry[1] for entry in response.resources[0][4]}
    log_dir = Path(entries["log.dirs"].split(",")[0])
    return (log_dir / f"{topic}-0" / "00000000000000000000.log").read_bytes()


def _producer_ids(segment: bytes) -> list[int]:
    """Each record batch's producer id (-1 when the producer is not idempotent), per the
    batch header of Kafka's message format v2."""
    ids, position = [], 0
    while position + 12 <= len(segment):
        batch_length = int.from_bytes(segment[position + 8 : position + 12], "big")
        ids.append(int.from_bytes(segment[position + 43 : position + 51], "big", signed=True))
        position += 12 + batch_length
    return ids
