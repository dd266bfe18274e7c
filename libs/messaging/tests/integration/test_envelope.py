"""Events from a producer we never met, on real Kafka and Redis: a record without its
envelope (event_id, occurred_at, schema_version) goes to `<topic>.dlq` and is never
applied, where the model's defaults would have given it a fresh id on every delivery; a
complete one is applied once (decision 0003)."""

import asyncio
import json
from collections.abc import Iterable
from typing import Any
from uuid import uuid4

import pytest
from contracts.events import ShareViewed
from contracts.topics import dlq
from faststream.kafka import KafkaBroker
from messaging.delivery import DeliveryPolicy, subscriber
from messaging.idempotency import apply_once
from messaging.kafka import KafkaAccess, make_broker
from messaging.testing import read_topic, wait_until
from redis.asyncio import Redis

pytestmark = pytest.mark.integration

FAST = DeliveryPolicy(max_attempts=3, retry_backoff_s=0.01, outage_backoff_s=0.05)


def _foreign_view(link_id: str, **envelope: Any) -> bytes:
    """share.viewed as a producer in another language writes it: a plain JSON object."""
    payload = {"link_id": link_id, "owner_id": "u-1", "visitor_id": "v-1", **envelope}
    return json.dumps(payload).encode()


def _envelope() -> dict[str, Any]:
    return {"event_id": str(uuid4()), "occurred_at": "2026-12-02T10:00:00Z", "schema_version": 1}


async def _send(publisher: KafkaBroker, topic: str, values: Iterable[bytes]) -> None:
    """All in flight at once, labelled JSON as our relay labels events: one produce batch."""
    headers = {"content-type": "application/json"}
    pending = [
        await publisher.publish(v, topic=topic, key=b"lnk", headers=headers, no_confirm=True)
        for v in values
    ]
    await asyncio.gather(*pending)


def _counter(redis: Redis, group: str, key: str) -> Any:
    async def count(event: ShareViewed) -> None:
        await apply_once(
            redis,
            consumer=group,
            event_id=event.event_id,
            write=lambda pipe: pipe.incr(key),
            tag=key,
        )

    return count


async def test_an_event_without_its_envelope_is_dead_lettered_and_a_complete_one_applied(
    kafka: KafkaAccess, topic: str, publisher: KafkaBroker, unique_prefix: str, redis: Redis
):
    consumer = make_broker(kafka, client_id="test", policy=FAST)
    group, key = unique_prefix + "views", "{" + unique_prefix + "views}"
    count = _counter(redis, group, key)
    handled: list[str] = []

    @subscriber(consumer, topic, group_id=group)
    async def count_view(event: ShareViewed) -> None:
        handled.append(event.link_id)
        await count(event)

    complete = _envelope()
    no_id = {k: v for k, v in complete.items() if k != "event_id"}
    no_version = {k: v for k, v in _envelope().items() if k != "schema_version"}
    refused = [_foreign_view("bare"), _foreign_view("no-id", **no_id)]
    refused.append(_foreign_view("no-version", **no_version))
    # The bare one twice: with a fresh id each time it would have counted twice.
    await _send(publisher, topic, [*refused, refused[0], _foreign_view("whole", **complete)])
    await consumer.start()
    try:
        dead = await read_topic(kafka, dlq(topic), expect=4, timeout_s=30)
        await wait_until(lambda: _is(redis, key, "1"))
    finally:
        await consumer.stop()

    assert handled == ["whole"]
    assert [r.value for r in dead] == [*refused, refused[0]]
    for record, missing in zip(dead, ["event_id", "event_id", "schema_version"], strict=False):
        headers = dict(record.headers)
        assert headers["x-dlq-error-type"] == b"ValidationError"
        assert missing.encode() in headers["x-dlq-error"]


async def test_a_batch_counts_its_complete_events_and_dead_letters_the_rest_alone(
    kafka: KafkaAccess, topic: str, publisher: KafkaBroker, unique_prefix: str, redis: Redis
):
    consumer = make_broker(kafka, client_id="test", policy=FAST)
    group, key = unique_prefix + "views", "{" + unique_prefix + "views}"
    count = _counter(redis, group, key)
    batches: list[list[str]] = []

    @subscriber(consumer, topic, group_id=group, batch=True, max_records=100)
    async def count_views(events: list[ShareViewed]) -> None:
        batches.append([event.link_id for event in events])
        for event in events:
            await count(event)

    values = [_foreign_view(f"good-{i}", **_envelope()) for i in range(3)]
    bare = _foreign_view("bare")
    await _send(publisher, topic, [values[0], bare, values[1], values[2]])
    await consumer.start()
    try:
        [dead] = await read_topic(kafka, dlq(topic), expect=1, timeout_s=30)
        await wait_until(lambda: _is(redis, key, "3"))
    finally:
        await consumer.stop()

    assert dead.value == bare
    assert dict(dead.headers)["x-dlq-offset"] == b"1"
    assert [name for batch in batches for name in batch] == ["good-0", "good-1", "good-2"]
    assert len(batches) == 1, "the good records around the bare one were handled together"


async def _is(redis: Redis, key: str, value: str) -> bool:
    return await redis.get(key) == value
