"""The gateway in-process (`create_app(settings, clock=, transport=)` over ASGI) in front of
link-service and dropbox-service built in-process too (the root conftest's `service_app`),
on the real test Redis and the Dropbox emulator: its calls to them are real HTTP over
`service_kit.testing.Hosts`; events move between them by hand from one's outbox to the
other's consumers (TestKafkaBroker), as the relay and Kafka would."""

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import httpx
import pytest
from contracts import topics
from dropbox_emulator.testing import RunningEmulator
from faststream.kafka import KafkaBroker, TestKafkaBroker
from gateway.app import create_app
from gateway.settings import Settings
from messaging.testing import staged
from service_kit import caching
from service_kit.testing import BROWSER, Hosts, MovableClock, bearer, callback_body

CALLBACK = "http://gateway.test/console/dropbox/callback"
AUDIO = b"RIFF" + bytes(range(256)) * 64
FILES = (("bounce", "(Master).wav", AUDIO), ("stem", "Stems.zip", b"PK\x03\x04stems"))


class CacheClock:
    """`time.monotonic` as the caches of `service_kit.caching` read it (theirs alone, not
    the event loop's): still unless moved, so a cached link ages only when a test says."""

    def __init__(self) -> None:
        self.now = time.monotonic()

    def monotonic(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def cache_clock(monkeypatch: pytest.MonkeyPatch) -> CacheClock:
    """The caches' clock, for this test."""
    clock = CacheClock()
    monkeypatch.setattr(caching, "time", SimpleNamespace(monotonic=clock.monotonic))
    return clock


@pytest.fixture
def clock() -> MovableClock:
    """The gateway's clock (links' expiry and preview signatures are read against it)."""
    return MovableClock()


@dataclass
class Running:
    """The three services in-process: HTTP clients of each, the brokers their consumers are
    on (under TestKafkaBroker), and a producer whose Dropbox is connected."""

    gateway: httpx.AsyncClient
    links: httpx.AsyncClient
    dropbox: httpx.AsyncClient
    apps: dict[str, Any]
    brokers: dict[str, KafkaBroker]
    emulator: httpx.AsyncClient
    owner_id: str
    email: str

    async def staged(self, service: str, topic: str, key: str) -> list[dict[str, Any]]:
        """The payloads `service` committed to its outbox for `topic`, keyed `key`."""
        runtime = self.apps[service].state.runtime
        return [
            value for at, value in await staged(runtime.redis, runtime.outbox, topic) if at == key
        ]

    async def relay(self, source: str, topic: str, key: str, target: str) -> int:
        """Hand what `source` staged for `topic` under `key` to `target`'s consumers, as the
        relay and Kafka would; answers how many events went."""
        events = await self.staged(source, topic, key)
        deployed = self.apps[target].state.runtime.settings.topic(topic)
        for event in events:
            await self.brokers[target].publish(event, topic=deployed, key=key)
        return len(events)

    async def connect_dropbox(self, emulator: RunningEmulator) -> None:
        """The producer connects Dropbox; link-service hears of it."""
        start = await self.dropbox.get("/v1/dropbox/connect", headers=bearer(self.owner_id))
        callback = emulator.approve(start.json()["authorize_url"], self.email)
        finished = await self.dropbox.post(
            "/v1/dropbox/callback", json=callback_body(callback), headers=bearer(self.owner_id)
        )
        assert finished.status_code == 200, finished.text
        sent = await self.relay(
            "dropbox-service", topics.DROPBOX_CONNECTED, self.owner_id, "link-service"
        )
        assert sent == 1

    async def put_track(self, track_id: str, title: str) -> None:
        """A track whose bounce and stems are in the producer's Dropbox, in the catalog."""
        folder = f"/Producer Dashboard/{track_id}"
        files = []
        for role, suffix, data in FILES:
            path = f"{folder}/{title} {suffix}"
            params = {"account": self.email, "path": path}
            stored = await self.emulator.put("/_emulator/files", params=params, content=data)
            stored.raise_for_status()
            files.append(
                {"file_id": f"{track_id}-{role}", "name": path.rsplit("/", 1)[1], "role": role}
                | {"dropbox_path": path, "size": len(data)}
            )
        body = {"title": title, "artist": "Mara Vale", "dropbox_folder": folder, "files": files}
        answer = await self.links.put(
            f"/v1/catalog/tracks/{track_id}", json=body, headers=bearer(self.owner_id)
        )
        assert answer.status_code == 200, answer.text

    async def share(self, **body: Any) -> dict[str, Any]:
        """Create a link; its JSON."""
        answer = await self.links.post("/v1/links", json=body, headers=bearer(self.owner_id))
        assert answer.status_code == 201, answer.text
        link: dict[str, Any] = answer.json()
        return link

    async def revoke(self, link: dict[str, Any]) -> None:
        """The producer revokes the link in link-service (nothing delivered yet)."""
        answer = await self.links.post(
            f"/v1/links/{link['id']}/revoke", headers=bearer(self.owner_id)
        )
        assert answer.status_code == 200, answer.text

    async def page(self, link: dict[str, Any], agent: str = BROWSER) -> httpx.Response:
        """A visitor's GET of the link's share page."""
        return await self.gateway.get(f"/s/{link['token']}", headers={"User-Agent": agent})


@pytest.fixture
async def running(
    service_app: Callable[..., Any],
    redis_url: str,
    unique_prefix: str,
    dropbox_emulator: RunningEmulator,
    clock: MovableClock,
) -> AsyncIterator[Running]:
    """The gateway, link-service and dropbox-service in-process, a producer connected."""
    link = service_app("link-service", public_base_url="http://gateway.test")
    dropbox = service_app(
        "dropbox-service", dropbox_ca_file=dropbox_emulator.ca_file, dropbox_redirect_uri=CALLBACK
    )
    settings = Settings(
        redis_url=redis_url,
        topic_prefix=unique_prefix,
        key_prefix=unique_prefix,
        link_service_url="http://link.test",
        dropbox_service_url="http://dropbox.test",
        unknown_token_burst=5,
        trusted_proxies="127.0.0.1",  # the tests' clients stand in for a proxy
        dropbox_content_hosts="localhost",  # the emulator's temporary links
    )
    network = Hosts({"link.test": link, "dropbox.test": dropbox})
    gateway = create_app(settings, clock=clock, transport=network)
    apps = {"gateway": gateway, "link-service": link, "dropbox-service": dropbox}
    async with (
        TestKafkaBroker(gateway.state.runtime.broker, connect_only=False) as gateway_broker,
        TestKafkaBroker(link.state.runtime.broker, connect_only=False) as link_broker,
        httpx.AsyncClient(transport=network, base_url="http://link.test") as links,
        httpx.AsyncClient(transport=network, base_url="http://dropbox.test") as dropbox_http,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=gateway), base_url="http://gateway.test"
        ) as visitor,
        httpx.AsyncClient(
            base_url=dropbox_emulator.base_url,
            verify=dropbox_emulator.ssl_context(),
            trust_env=False,
        ) as emulator,
    ):
        system = Running(
            visitor,
            links,
            dropbox_http,
            apps,
            {"gateway": gateway_broker, "link-service": link_broker},
            emulator,
            f"u-{uuid4().hex[:8]}",
            f"p{uuid4().hex[:8]}@example.com",
        )
        await system.connect_dropbox(dropbox_emulator)
        yield system
    context = gateway.state.gateway
    for close in (
        context.shares.links.aclose,
        context.shares.dropbox.aclose,
        context.console.aclose,
    ):
        await close()
    await gateway.state.runtime.redis.aclose()
