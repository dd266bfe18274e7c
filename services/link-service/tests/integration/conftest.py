"""link-service on real Redis: by default in-process (its core from `link_context`, its
routes from `create_app(settings)` over ASGI, its consumers driven through FastStream's
TestKafkaBroker, the events it stages read back from its outbox in Redis); and as a process
on real Kafka (`process_*` fixtures, used by test_service_process.py only).

Each in-process test has its own key and topic prefix; the process's tests isolate
themselves with fresh owner ids and by filtering topic records by key.
"""

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest
from contracts.events import DropboxConnected, DropboxDisconnected, Event
from faststream.kafka import KafkaBroker, TestKafkaBroker
from link_service import consumers
from link_service.app import create_app, link_context
from link_service.context import LinkContext
from link_service.settings import Settings
from messaging.kafka import KafkaAccess
from messaging.testing import read_topic, staged, wait_until
from service_kit.app import build_runtime
from service_kit.testing import (
    ServiceProcess,
    SteppingClock,
    bearer,
    client_of,
    internal_headers,
)

AS_GATEWAY = internal_headers("gateway")  # an internal call as gateway makes it

PUBLIC_BASE_URL = "http://share.test"
PROBE_TRACK = "probe-no-such-track"
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

Announce = Callable[[Event], Awaitable[None]]


@pytest.fixture
def settings(redis_url: str, unique_prefix: str) -> Settings:
    """The test's settings: the real test Redis, its own key and topic prefix."""
    return Settings(
        redis_url=redis_url,
        topic_prefix=unique_prefix,
        key_prefix=unique_prefix,
        public_base_url=PUBLIC_BASE_URL,
    )


@pytest.fixture
async def core(settings: Settings) -> AsyncIterator[LinkContext]:
    """The service's core in-process on the test Redis with a stepping clock, its consumers
    registered on a broker that `deliver` drives."""
    runtime = build_runtime(settings)
    context = link_context(runtime, settings, SteppingClock(START))
    consumers.register(context)
    yield context
    await runtime.redis.aclose()


@pytest.fixture
async def deliver(core: LinkContext) -> AsyncIterator[Announce]:
    """Hand an event to the core's consumer of its topic, routed by TestKafkaBroker (through
    the delivery middleware); returns once the handler has run."""
    settings = core.runtime.settings
    async with TestKafkaBroker(core.runtime.broker, connect_only=False) as broker:

        async def send(event: Event) -> None:
            await broker.publish(event, topic=settings.topic(event.topic), key=event.key())

        yield send


@pytest.fixture
def outbox_of(core: LinkContext) -> Callable[[str], Awaitable[list[dict[str, Any]]]]:
    """The payloads the core committed to its outbox for a topic."""

    async def read(name: str) -> list[dict[str, Any]]:
        return [
            payload for _, payload in await staged(core.runtime.redis, core.runtime.outbox, name)
        ]

    return read


@pytest.fixture
async def app_context(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    """The service's routes in-process (`create_app(settings)` over ASGI, no broker or relay
    started) and its app."""
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://link.test") as client:
        yield client, app
    await app.state.runtime.redis.aclose()


@pytest.fixture
def http(app_context: tuple[httpx.AsyncClient, Any]) -> httpx.AsyncClient:
    """An HTTP client of the in-process service (no credentials of its own)."""
    return app_context[0]


@pytest.fixture
async def announce(app_context: tuple[httpx.AsyncClient, Any]) -> AsyncIterator[Announce]:
    """Hand an event to the in-process service's consumer of its topic (TestKafkaBroker)."""
    runtime = app_context[1].state.runtime
    async with TestKafkaBroker(runtime.broker, connect_only=False) as broker:

        async def send(event: Event) -> None:
            await broker.publish(event, topic=runtime.settings.topic(event.topic), key=event.key())

        yield send


@pytest.fixture(scope="module")
def link_service(start_module_service) -> ServiceProcess:
    """link-service on real Kafka and Redis, under the module's prefix."""
    return start_module_service("link-service", PUBLIC_BASE_URL=PUBLIC_BASE_URL)


@pytest.fixture(scope="module")
async def process_http(link_service: ServiceProcess) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the module's service process (no credentials of its own)."""
    async with client_of(link_service) as client:
        yield client


@pytest.fixture
def topic(module_prefix: str) -> Callable[[str], str]:
    """The deployed name of a topic for this module's service process."""
    return lambda name: module_prefix + name


@pytest.fixture
def process_announce(publisher: KafkaBroker, topic: Callable[[str], str]) -> Announce:
    """Publish an event on the process's topic, as dropbox-service would."""

    async def send(event: Event) -> None:
        await publisher.publish(event, topic=topic(event.topic), key=event.key())

    return send


def track_body(
    title: str,
    *,
    artist: str = "Mara Vale",
    bucket: str | None = None,
    group_id: str | None = None,
    version: int = 1,
    files: list[dict[str, Any]] | None = None,
    collaborators: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A valid PUT /v1/catalog/tracks body (DESIGN §4): a bounce, stems and a project file."""
    folder = f"/Producer Dashboard/{title}"
    default_files = [
        ("f-1", f"{title} (Master).wav", "bounce", 48_213_342),
        ("f-2", f"{title} Stems.zip", "stem", 1_000),
        ("f-3", f"{title}.als", "project", 20_000),
    ]
    return {
        "title": title,
        "artist": artist,
        "bucket": bucket,
        "group_id": group_id,
        "version": version,
        "dropbox_folder": folder,
        "files": files
        if files is not None
        else [
            {
                "file_id": file_id,
                "name": name,
                "role": role,
                "dropbox_path": f"{folder}/{name}",
                "size": size,
            }
            for file_id, name, role, size in default_files
        ],
        "collaborators": collaborators
        if collaborators is not None
        else [
            {"collaborator_id": "c-1", "email": "ana@example.com", "name": "Ana", "user_id": "u-a"},
            {"collaborator_id": "c-2", "email": "bo@example.com", "name": "Bo", "user_id": None},
        ],
    }


class Producer:
    """One producer of the test, speaking to link-service with their own JWT."""

    def __init__(self, http: httpx.AsyncClient, announce: Announce, owner_id: str) -> None:
        self.http = http
        self.announce = announce
        self.owner_id = owner_id
        self.headers = bearer(owner_id)
        self.email = f"{owner_id}@example.com"

    track_body = staticmethod(track_body)

    async def put_track(self, track_id: str, title: str, **fields: Any) -> dict[str, Any]:
        """Store a valid track (see `track_body`); fails unless answered 200."""
        answer = await self.put_raw(track_id, track_body(title, **fields))
        assert answer.status_code == 200, answer.text
        stored: dict[str, Any] = answer.json()
        return stored

    async def put_raw(self, track_id: str, body: Any) -> httpx.Response:
        return await self.http.put(
            f"/v1/catalog/tracks/{track_id}", json=body, headers=self.headers
        )

    async def get_track(self, track_id: str) -> httpx.Response:
        return await self.http.get(f"/v1/catalog/tracks/{track_id}", headers=self.headers)

    async def delete_track(self, track_id: str) -> httpx.Response:
        return await self.http.delete(f"/v1/catalog/tracks/{track_id}", headers=self.headers)

    async def list_tracks(self, **params: str) -> httpx.Response:
        return await self.http.get("/v1/catalog/tracks", params=params, headers=self.headers)

    async def post_link(self, body: Any) -> httpx.Response:
        return await self.http.post("/v1/links", json=body, headers=self.headers)

    async def create_link(self, **body: Any) -> dict[str, Any]:
        """POST /v1/links; fails unless answered 201."""
        answer = await self.post_link(body)
        assert answer.status_code == 201, answer.text
        link: dict[str, Any] = answer.json()
        return link

    async def get_link(self, link_id: str) -> httpx.Response:
        return await self.http.get(f"/v1/links/{link_id}", headers=self.headers)

    async def list_links(self, **params: Any) -> httpx.Response:
        return await self.http.get("/v1/links", params=params, headers=self.headers)

    async def revoke(self, link_id: str) -> httpx.Response:
        return await self.http.post(f"/v1/links/{link_id}/revoke", headers=self.headers)

    async def link_ids(self) -> list[str]:
        """Every link of the producer, newest first, walking all pages."""
        ids: list[str] = []
        params: dict[str, Any] = {"limit": 200}
        while True:
            answer = await self.list_links(**params)
            assert answer.status_code == 200, answer.text
            ids += [item["id"] for item in answer.json()["items"]]
            if not (cursor := answer.json()["next_cursor"]):
                return ids
            params["cursor"] = cursor

    async def probe(self) -> int:
        """The status of a link request that can only fail: 409 while not connected."""
        answer = await self.post_link({"tracks": [PROBE_TRACK]})
        assert answer.status_code in (409, 422), answer.text
        return answer.status_code

    async def connect_dropbox(self) -> None:
        """Announce the producer's Dropbox as dropbox-service would, and wait until it counts."""
        # The probe tells connection state only if the gate is checked before the selection.
        assert await self.probe() == 409, "expected 409 dropbox_not_connected before connecting"
        await self.announce(DropboxConnected(owner_id=self.owner_id, account_email=self.email))
        await wait_until(self._connected, timeout_s=30)

    async def disconnect_dropbox(self) -> None:
        """Announce that the producer disconnected Dropbox, and wait until it counts."""
        await self.announce(DropboxDisconnected(owner_id=self.owner_id, account_email=self.email))
        await wait_until(self._disconnected, timeout_s=30)

    async def _connected(self) -> bool:
        return await self.probe() != 409

    async def _disconnected(self) -> bool:
        return await self.probe() == 409


@pytest.fixture
def make_producer(http: httpx.AsyncClient, announce: Announce) -> Callable[[], Producer]:
    """Producers with fresh owner ids, Dropbox not connected."""
    return lambda: Producer(http, announce, f"u-{uuid4().hex[:8]}")


@pytest.fixture
async def producer(make_producer: Callable[[], Producer]) -> Producer:
    """A fresh producer whose Dropbox is connected."""
    owner = make_producer()
    await owner.connect_dropbox()
    return owner


@pytest.fixture
def gateway(http: httpx.AsyncClient) -> Callable[..., Any]:
    """GET /internal/links/by-token/{token} as the gateway calls it."""

    async def by_token(token: str, headers: dict[str, str] = AS_GATEWAY) -> httpx.Response:
        return await http.get(f"/internal/links/by-token/{token}", headers=headers)

    return by_token


@pytest.fixture
def events(app_context: tuple[httpx.AsyncClient, Any]) -> Callable[..., Any]:
    """The payloads the in-process service committed to its outbox for a topic, keyed `key`
    (or of `owner_id`); `expect` and `idle_s` are the process version's, unused here: a
    commit is done when the call that made it answers."""
    runtime = app_context[1].state.runtime

    async def read(
        name: str,
        key: str | None = None,
        *,
        owner_id: str | None = None,
        expect: int = 1,
        idle_s: float = 1.0,
    ) -> list[Any]:
        found = await staged(runtime.redis, runtime.outbox, name)
        if key is not None:
            return [payload for at, payload in found if at == key]
        return [payload for _, payload in found if payload.get("owner_id") == owner_id]

    return read


@pytest.fixture
def process_events(kafka: KafkaAccess, topic: Callable[[str], str]) -> Callable[..., Any]:
    """The JSON payloads of the process's topic records keyed `key` (or of `owner_id`);
    waits for `expect` of them, then `idle_s` more."""

    def wanted(record: Any, key: str | None, owner_id: str | None) -> bool:
        if key is not None:
            return bool(record.key == key.encode())
        return bool(json.loads(record.value).get("owner_id") == owner_id)

    async def read(
        name: str,
        key: str | None = None,
        *,
        owner_id: str | None = None,
        expect: int = 1,
        idle_s: float = 1.0,
    ) -> list[Any]:
        records = await read_topic(
            kafka,
            topic(name),
            expect=expect,
            idle_s=idle_s,
            timeout_s=20,
            match=lambda record: wanted(record, key, owner_id),
        )
        return [json.loads(record.value) for record in records]

    return read
