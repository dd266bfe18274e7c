"""Fault runs (`make chaos`): Redis and Kafka restart under load; nothing lost or doubled.

These stop and start devstack's own local Kafka and Redis, so they never run inside
`make test` and refuse to run against infrastructure they do not manage.
"""

import asyncio
import time
from uuid import uuid4

import httpx
import pytest
from aiokafka.errors import KafkaError
from contracts import topics
from contracts.events import DropboxConnected, ShareCreated, ShareViewed
from devstack import kafka as devstack_kafka
from devstack import redis
from messaging.kafka import make_broker
from messaging.testing import read_topic, wait_until
from service_kit.testing import ServiceProcess, bearer, infra_env, start_service

pytestmark = pytest.mark.chaos

EVENTS = 3000
DUPLICATE_EVERY = 10


async def _publish_patiently(broker, event, topic: str) -> None:  # noqa: ANN001
    """Publish until Kafka acknowledges (it may be restarting); the event id stays the same."""
    while True:
        try:
            await broker.publish(event, topic=topic, key=event.key())
            return
        except (TimeoutError, KafkaError, OSError):
            await asyncio.sleep(0.5)


def _service(name: str, bootstrap: str, redis_url: str, prefix: str, **env: str) -> ServiceProcess:
    service = start_service(
        name, infra_env(bootstrap, redis_url, prefix) | {"KAFKA_TOPIC_PARTITIONS": "2", **env}
    )
    service.wait_ready()
    return service


async def test_views_counted_exactly_once_across_redis_and_kafka_restarts(
    kafka, redis_url, unique_prefix, outages
):
    bootstrap, prefix = kafka.bootstrap_servers, unique_prefix
    owner, link_id = "u-chaos", f"lnk_{uuid4().hex[:24]}"
    analytics = _service("analytics-service", bootstrap, redis_url, prefix)
    broker = make_broker(kafka, client_id="chaos-publisher")
    await broker.start()
    try:
        created = ShareCreated(
            link_id=link_id,
            owner_id=owner,
            kind="single",
            track_ids=["t"],
            include=["bounce"],
            downloads=[],
            expires_at=None,
            url="http://x/s/y",
        )
        await _publish_patiently(broker, created, prefix + topics.SHARE_CREATED)
        views = [
            ShareViewed(link_id=link_id, owner_id=owner, visitor_id=f"v{i % 50}")
            for i in range(EVENTS)
        ]

        async def produce() -> None:
            for i, view in enumerate(views):
                for _ in range(2 if i % DUPLICATE_EVERY == 0 else 1):
                    await _publish_patiently(broker, view, prefix + topics.SHARE_VIEWED)
                await asyncio.sleep(0.004)

        async def faults() -> None:
            await asyncio.sleep(3)
            await outages.stop(redis, pause_s=2)
            await asyncio.sleep(3)
            await outages.stop(devstack_kafka, pause_s=3)

        await asyncio.gather(produce(), faults())

        async def counted() -> int:
            answer = await asyncio.to_thread(
                httpx.get,
                f"{analytics.base_url}/v1/stats/links/{link_id}",
                headers=bearer(owner),
                timeout=5,
            )
            return int(answer.json()["views"]) if answer.status_code == 200 else -1

        await wait_until(lambda: _reached(counted, EVENTS), timeout_s=180, interval_s=1)
        await asyncio.sleep(5)  # anything more would be a double count
        assert await counted() == EVENTS
    finally:
        await broker.stop()
        analytics.stop()


async def test_links_created_while_kafka_restarts_are_all_announced_once(
    kafka, redis_url, unique_prefix, outages
):
    bootstrap, prefix, owner = kafka.bootstrap_servers, unique_prefix, f"u-{uuid4().hex[:6]}"
    links = _service("link-service", bootstrap, redis_url, prefix)
    broker = make_broker(kafka, client_id="chaos-publisher")
    await broker.start()
    try:
        connected = DropboxConnected(owner_id=owner, account_email="p@example.com")
        await _publish_patiently(broker, connected, prefix + topics.DROPBOX_CONNECTED)
        track = {
            "title": "Night Drive",
            "artist": "Mara Vale",
            "dropbox_folder": "/x",
            "files": [
                {
                    "file_id": "f",
                    "name": "a.wav",
                    "role": "bounce",
                    "dropbox_path": "/x/a.wav",
                    "size": 1,
                }
            ],
        }
        async with httpx.AsyncClient(base_url=links.base_url, headers=bearer(owner)) as client:
            assert (await client.put("/v1/catalog/tracks/t-1", json=track)).status_code == 200
            await wait_until(lambda: _accepts_links(client), timeout_s=30)
            created: list[str] = []

            async def create() -> None:
                deadline = time.monotonic() + 25
                while time.monotonic() < deadline:
                    answer = await client.post("/v1/links", json={"tracks": ["t-1"]})
                    assert answer.status_code in (201, 503), answer.text  # never a 500
                    if answer.status_code == 201:
                        created.append(answer.json()["id"])
                    await asyncio.sleep(0.05)

            async def faults() -> None:
                await asyncio.sleep(4)
                await outages.stop(devstack_kafka, pause_s=4)
                await asyncio.sleep(4)
                await outages.stop(redis, pause_s=2)

            await asyncio.gather(create(), faults())
        records = await read_topic(
            kafka, prefix + topics.SHARE_CREATED, expect=len(created), timeout_s=120
        )
        announced = [r.key.decode() for r in records]
        assert set(announced) == set(created), "every created link is announced"
        assert len(announced) - len(set(announced)) <= 200, "duplicates only from a relay batch"
    finally:
        await broker.stop()
        links.stop()


async def _reached(counted, target: int) -> bool:  # noqa: ANN001
    return await counted() >= target


async def _accepts_links(client: httpx.AsyncClient) -> bool:
    answer = await client.post("/v1/links", json={"tracks": ["no-such-track"]})
    return answer.status_code != 409
