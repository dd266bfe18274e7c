"""Two instances of every service at once, on other ports, sharing the work (DESIGN §12,
§14): each service's consumer group splits the partitions between its two instances, the
two gateways share one guessing budget and both drop a revoked link at once, and views
through both are counted once each. Runs on one Kafka and Redis in `make test`, and on the
cluster in `make test-cluster`."""

import asyncio
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.protocol.group import MemberAssignment
from dropbox_emulator.testing import RunningEmulator
from messaging.kafka import KafkaAccess
from messaging.testing import wait_until
from service_kit.services import SERVICES
from service_kit.testing import (
    BROWSER,
    ServiceProcess,
    bearer,
    finish_dropbox_flow,
    infra_env,
    start_service,
)

CONSUMERS = ("link-service", "dropbox-service", "notify-service", "analytics-service")


@dataclass
class Pair:
    """Two instances of every service; the producer, its Dropbox connected."""

    instances: dict[str, list[ServiceProcess]]
    prefix: str
    owner_id: str

    def url(self, name: str, index: int = 0) -> str:
        return self.instances[name][index].base_url

    def link(self) -> dict:
        """A new link of a new track."""
        track_id, producer = f"t-{uuid4().hex[:8]}", bearer(self.owner_id)
        folder = f"/Producer Dashboard/{track_id}"
        file = {"file_id": "f", "name": "a.wav", "role": "bounce", "size": 4}
        body = {"title": "Night Drive", "artist": "Mara Vale", "dropbox_folder": folder}
        body["files"] = [file | {"dropbox_path": f"{folder}/a.wav"}]
        put = httpx.put(
            f"{self.url('link-service')}/v1/catalog/tracks/{track_id}", json=body, headers=producer
        )
        assert put.status_code == 200, put.text
        made = httpx.post(
            f"{self.url('link-service', 1)}/v1/links", json={"tracks": [track_id]}, headers=producer
        )
        assert made.status_code == 201, made.text
        return dict(made.json())


def _start(
    base: dict[str, str], emulator: RunningEmulator, logs: Path
) -> dict[str, list[ServiceProcess]]:
    common = base | {"DROPBOX_CA_FILE": str(emulator.ca_file), "UNKNOWN_TOKEN_BURST": "5"}
    instances: dict[str, list[ServiceProcess]] = {}
    for name in CONSUMERS:  # link-service first: dropbox-service checks shares with it
        peers = (
            [{"LINK_SERVICE_URL": link.base_url} for link in instances["link-service"]]
            if name == "dropbox-service"
            else [{}, {}]
        )
        instances[name] = [
            start_service(name, common | peers[i], log=logs / f"{name}-{i}.log") for i in (0, 1)
        ]
    instances["gateway"] = [
        start_service(
            "gateway",
            common
            | {
                "LINK_SERVICE_URL": instances["link-service"][i].base_url,
                "DROPBOX_SERVICE_URL": instances["dropbox-service"][i].base_url,
                "TRUSTED_PROXIES": "127.0.0.1",
            },
            log=logs / f"gateway-{i}.log",
        )
        for i in (0, 1)
    ]
    for pair in instances.values():
        for instance in pair:
            instance.wait_ready(90)
    return instances


@pytest.fixture(scope="module")
def pair(
    kafka_bootstrap: str,
    redis_url: str,
    module_prefix: str,
    dropbox_emulator: RunningEmulator,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Pair]:
    base = infra_env(kafka_bootstrap, redis_url, module_prefix)
    instances = _start(base, dropbox_emulator, tmp_path_factory.mktemp("logs"))
    running = Pair(instances, module_prefix, f"u-{uuid4().hex[:8]}")
    try:
        dropbox, producer = running.url("dropbox-service"), bearer(running.owner_id)
        start = httpx.get(f"{dropbox}/v1/dropbox/connect", headers=producer)
        callback = dropbox_emulator.approve(
            start.json()["authorize_url"], f"{running.owner_id}@example.com"
        )
        assert finish_dropbox_flow(dropbox, running.owner_id, callback).status_code == 200
        yield running
    finally:
        for both in instances.values():
            for instance in both:
                instance.stop()


async def test_each_service_group_splits_the_partitions_between_its_two_instances(
    pair: Pair, kafka: KafkaAccess
):
    admin = AIOKafkaAdminClient(**kafka.client_options())
    await admin.start()
    try:
        for spec in SERVICES:
            if spec.name == "gateway":
                continue  # its one consumer is in no group (every gateway hears every event)
            group = pair.prefix + spec.name

            async def split(group: str = group) -> bool:
                (response,) = await admin.describe_consumer_groups([group])
                _, _, state, _, _, members, *_ = response.groups[0]
                owners = [(client_id, _partitions(raw)) for _, client_id, _, _, raw in members]
                owned = [pair for _, pairs in owners for pair in pairs]
                instances = {client_id for client_id, pairs in owners if pairs}
                # Each instance a client id of its own (service_kit: runtime.instance_id).
                return state == "Stable" and len(owned) == len(set(owned)) and len(instances) == 2

            await wait_until(split, timeout_s=60)
    finally:
        await admin.close()


def _partitions(raw_assignment: bytes) -> set[tuple[str, int]]:
    assignment = MemberAssignment.decode(raw_assignment)
    return {(topic, p) for topic, partitions in assignment.assignment for p in partitions}


def test_the_gateways_share_one_guessing_budget(pair: Pair):
    guesser = {"User-Agent": BROWSER, "X-Forwarded-For": f"203.0.113.{uuid4().int % 250 + 1}"}
    answers = [
        httpx.get(f"{pair.url('gateway', n % 2)}/s/{secrets.token_urlsafe(24)}", headers=guesser)
        for n in range(7)
    ]
    codes = [a.status_code for a in answers]
    assert codes[:5] == [404] * 5, "five guesses of the burst, on either gateway"
    assert codes[5:] == [429, 429], "the sixth and seventh, on each gateway, are refused"


async def test_both_gateways_drop_a_revoked_link_at_once(pair: Pair):
    link = pair.link()
    person = {"User-Agent": BROWSER}
    async with httpx.AsyncClient(trust_env=False) as http:
        for n in (0, 1):  # each gateway has the link cached now
            assert (
                await http.get(f"{pair.url('gateway', n)}/s/{link['token']}", headers=person)
            ).status_code == 200
        revoke = await http.post(
            f"{pair.url('link-service', 1)}/v1/links/{link['id']}/revoke",
            headers=bearer(pair.owner_id),
        )
        assert revoke.status_code == 200, revoke.text
        began = time.monotonic()
        gone = await asyncio.gather(
            *(_gone_after(http, pair.url("gateway", n), link) for n in (0, 1))
        )
    assert all(seconds < 1.0 for seconds in gone), f"410 after {gone} s (DESIGN §6: within 1 s)"
    assert time.monotonic() - began < 2


async def _gone_after(http: httpx.AsyncClient, gateway: str, link: dict) -> float:
    began = time.monotonic()
    await wait_until(
        lambda: http.get(f"{gateway}/s/{link['token']}", headers={"User-Agent": BROWSER}),
        until=lambda page: page.status_code == 410,
        timeout_s=5,
        interval_s=0.02,
        message=f"{gateway} to drop the revoked link",
    )
    return time.monotonic() - began


async def test_views_through_both_gateways_are_counted_once_each(pair: Pair):
    link = pair.link()
    async with httpx.AsyncClient(trust_env=False) as http:

        async def view(n: int) -> None:
            person = {"User-Agent": BROWSER, "X-Forwarded-For": f"198.51.100.{n + 1}"}
            page = await http.get(f"{pair.url('gateway', n % 2)}/s/{link['token']}", headers=person)
            assert page.status_code == 200

        producer = bearer(pair.owner_id)

        async def counted() -> int:
            stats = await http.get(
                f"{pair.url('analytics-service', 1)}/v1/stats/links/{link['id']}", headers=producer
            )
            return int(stats.json()["views"]) if stats.status_code == 200 else -1

        for n in range(20):
            await view(n)
        await wait_until(counted, until=lambda views: views >= 20, timeout_s=60)
        # A sentinel view through each gateway: its event follows the earlier views through
        # the outbox onto the link's partition, so once both count, so would any double.
        for n in (20, 21):
            await view(n)
        views = await wait_until(counted, until=lambda views: views >= 22, timeout_s=60)
        assert views == 22, "every view counted once, the two sentinels included"
