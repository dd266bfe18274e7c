"""Exact totals when the consumer is SIGKILLed mid-batch, and when two instances share the work."""

import asyncio
import os
import re
import signal
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.partitioner import DefaultPartitioner
from analytics_service.store import StatsStore
from contracts.events import ShareCreated, ShareViewed
from faststream.kafka import KafkaBroker
from messaging.kafka import KafkaAccess
from messaging.testing import wait_until
from redis.asyncio import Redis
from service_kit.services import BY_NAME
from service_kit.testing import ServiceProcess, client_of

from .conftest import (
    Feed,
    Owner,
    assert_matches,
    counted,
    expected_stats,
    mixed_events,
    with_duplicates,
)

pytestmark = pytest.mark.integration

EVENTS = 10_000
LINKS = 6
COUNTED_METRIC = re.compile(r"^analytics_events_counted_total\{[^}]*\} (\S+)$", re.MULTILINE)


@pytest.fixture
def feed(publisher: KafkaBroker, unique_prefix: str) -> Any:
    """The topics of this test's service processes."""
    return Feed(publisher, unique_prefix)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for whichever instance a test reads from (they share Redis)."""
    async with client_of() as client:
        yield client


async def start(start_service: Any, count: int = 1, **env: str) -> list[ServiceProcess]:
    """`count` analytics-service processes of this test, once each answers ready."""
    services = [start_service("analytics-service", **env) for _ in range(count)]
    await asyncio.gather(*(asyncio.to_thread(s.wait_ready) for s in services))
    return services


def counted_by(service: ServiceProcess) -> int:
    """How many views and downloads this process applied (its own Prometheus counters)."""
    text = httpx.get(f"{service.base_url}/metrics", timeout=10).text
    return sum(int(float(value)) for value in COUNTED_METRIC.findall(text))


async def test_consumer_killed_mid_batch_and_restarted_counts_every_event_exactly_once(
    start_service, feed, http, redis_url, unique_prefix
):
    (first,) = await start(start_service, ANALYTICS_BATCH_SIZE="50")
    http.base_url = first.base_url
    owner = Owner(http)
    links = [owner.created() for _ in range(LINKS)]
    events = mixed_events(owner, [c.link_id for c in links], EVENTS, seed=11)
    await feed.send(links)
    await owner.wait_for(lambda s: len(s) == LINKS)

    await feed.send(with_duplicates(events, seed=12))
    await owner.wait_for(lambda s: counted(s) >= EVENTS // 10, timeout_s=60)
    first.process.send_signal(signal.SIGKILL)  # no shutdown, no commit of the batch in hand
    first.process.wait(timeout=10)
    at_kill = await _counted_in_redis(redis_url, unique_prefix, [c.link_id for c in links])
    assert at_kill < EVENTS, "killed too late to test anything"

    restarted = time.monotonic()
    (second,) = await start(start_service)
    http.base_url = second.base_url
    await owner.wait_for(lambda s: counted(s) >= EVENTS, timeout_s=60)
    took = time.monotonic() - restarted
    print(f"killed at {at_kill}/{EVENTS}; all counted {took:.1f}s after the restart")  # noqa: T201

    stats, sentinels = await _settled(owner, feed, links)
    assert counted(stats) == EVENTS + len(sentinels)
    for link_id, expected in expected_stats([*events, *sentinels]).items():
        assert_matches(stats[link_id], expected)


async def test_two_instances_in_one_group_split_the_partitions_and_totals_stay_exact(
    start_service, feed, http, kafka, unique_prefix
):
    one, two = await start(start_service, count=2)
    # Every subscriber of both processes in the group: the partitions are split between them.
    subscribers = len(BY_NAME["analytics-service"].consumes)
    await _wait_group_stable(kafka, unique_prefix + "analytics-service", members=2 * subscribers)
    http.base_url = one.base_url
    owner = Owner(http)
    links = _on_every_partition(owner, LINKS)
    events = mixed_events(owner, [c.link_id for c in links], EVENTS, seed=21)
    await feed.send(links)

    await feed.send(with_duplicates(events, seed=22))
    await owner.wait_for(lambda s: counted(s) >= EVENTS, timeout_s=60)

    stats, sentinels = await _settled(owner, feed, links)
    assert counted(stats) == EVENTS + len(sentinels)
    for link_id, expected in expected_stats([*events, *sentinels]).items():
        assert_matches(stats[link_id], expected)
    by_instance = [counted_by(one), counted_by(two)]
    assert min(by_instance) > 0, by_instance
    assert sum(by_instance) == EVENTS + len(sentinels), by_instance


async def _settled(
    owner: Owner, feed: Feed, links: list[ShareCreated]
) -> tuple[dict[str, dict[str, Any]], list[ShareViewed]]:
    """The stats once everything sent so far was handled: one sentinel view per link, keyed
    like the link's events (so on their partition, behind them) and later than any of
    them, counted for every link. Answers the stats and the sentinels."""
    sentinels = [owner.view(link.link_id, "v-sentinel") for link in links]
    await feed.send(sentinels)
    latest = {view.link_id: view.occurred_at for view in sentinels}

    def all_sentinels_counted(stats: dict[str, dict[str, Any]]) -> bool:
        return all(
            (seen := stats.get(link_id, {}).get("last_viewed_at"))
            and datetime.fromisoformat(seen) == at
            for link_id, at in latest.items()
        )

    return await owner.wait_for(all_sentinels_counted, timeout_s=60), sentinels


def _on_every_partition(owner: Owner, count: int) -> list[ShareCreated]:
    """`count` new links whose events are keyed onto each of the test topics' partitions in
    turn (random ids all land on one partition of two 1 time in 32, and one instance would
    count everything). The producer's own partitioner says where a key goes."""
    partitions = list(range(int(os.environ["KAFKA_TOPIC_PARTITIONS"])))
    partition_of = DefaultPartitioner()
    links: list[ShareCreated] = []
    while len(links) < count:
        link = owner.created()
        if partition_of(link.key(), partitions, partitions) == len(links) % len(partitions):
            links.append(link)
    return links


async def _counted_in_redis(redis_url: str, prefix: str, link_ids: list[str]) -> int:
    redis = Redis.from_url(redis_url, decode_responses=True)
    try:
        store = StatsStore(redis, prefix, consumer=prefix + "analytics-service")
        raw = await store.stats(link_ids)
    finally:
        await redis.aclose()
    return sum(int(r.counters.get("views", 0)) + int(r.counters.get("downloads", 0)) for r in raw)


async def _wait_group_stable(kafka: KafkaAccess, group: str, members: int) -> None:
    admin = AIOKafkaAdminClient(**kafka.client_options())
    await admin.start()
    try:

        async def state_and_members() -> tuple[str, int]:
            (response,) = await admin.describe_consumer_groups([group])
            _, _, state, _, _, found, *_ = response.groups[0]
            return state, len(found)

        await wait_until(
            state_and_members,
            until=lambda now: now == ("Stable", members),
            timeout_s=60,
            interval_s=0.3,
            message=f"{group} to be stable with {members} members",
        )
    finally:
        await admin.close()
