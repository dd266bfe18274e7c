"""link-service as a process on real Kafka and Redis, and producers that talk to it over HTTP.

Each module starts one service process with its own topic and key prefix; its tests
isolate themselves with fresh owner ids and by filtering topic records by key.
"""

import json
from collections.abc import AsyncIterator, Callable
from typing import Any
from uuid import uuid4

import httpx
import pytest
from contracts import topics
from contracts.events import DropboxConnected, DropboxDisconnected
from faststream.kafka import KafkaBroker
from messaging.testing import read_topic, wait_until
from service_kit.testing import INTERNAL_HEADERS, ServiceProcess, bearer

PUBLIC_BASE_URL = "http://share.test"
PROBE_TRACK = "probe-no-such-track"


@pytest.fixture(scope="module")
def link_service(start_module_service) -> ServiceProcess:
    """link-service on real Kafka and Redis, under the module's prefix."""
    return start_module_service("link-service", PUBLIC_BASE_URL=PUBLIC_BASE_URL)


@pytest.fixture(scope="module")
async def http(link_service: ServiceProcess) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the module's service (no credentials of its own)."""
    async with httpx.AsyncClient(
        base_url=link_service.base_url, trust_env=False, timeout=30
    ) as client:
        yield client


@pytest.fixture
def topic(module_prefix: str) -> Callable[[str], str]:
    """The deployed name of a topic for this module's service."""
    return lambda name: module_prefix + name


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

    def __init__(
        self,
        http: httpx.AsyncClient,
        publisher: KafkaBroker,
        topic: Callable[[str], str],
        owner_id: str,
    ) -> None:
        self.http = http
        self.publisher = publisher
        self.topic = topic
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
        event = DropboxConnected(owner_id=self.owner_id, account_email=self.email)
        await self.publisher.publish(
            event, topic=self.topic(topics.DROPBOX_CONNECTED), key=event.key()
        )
        await wait_until(self._connected, timeout_s=30)

    async def disconnect_dropbox(self) -> None:
        """Announce that the producer disconnected Dropbox, and wait until it counts."""
        event = DropboxDisconnected(owner_id=self.owner_id, account_email=self.email)
        await self.publisher.publish(
            event, topic=self.topic(topics.DROPBOX_DISCONNECTED), key=event.key()
        )
        await wait_until(self._disconnected, timeout_s=30)

    async def _connected(self) -> bool:
        return await self.probe() != 409

    async def _disconnected(self) -> bool:
        return await self.probe() == 409


@pytest.fixture
def make_producer(
    http: httpx.AsyncClient, publisher: KafkaBroker, topic: Callable[[str], str]
) -> Callable[[], Producer]:
    """Producers with fresh owner ids, Dropbox not connected."""
    return lambda: Producer(http, publisher, topic, f"u-{uuid4().hex[:8]}")


@pytest.fixture
async def producer(make_producer: Callable[[], Producer]) -> Producer:
    """A fresh producer whose Dropbox is connected."""
    owner = make_producer()
    await owner.connect_dropbox()
    return owner


@pytest.fixture
def gateway(http: httpx.AsyncClient) -> Callable[..., Any]:
    """GET /internal/links/by-token/{token} as the gateway calls it."""

    async def by_token(token: str, headers: dict[str, str] = INTERNAL_HEADERS) -> httpx.Response:
        return await http.get(f"/internal/links/by-token/{token}", headers=headers)

    return by_token


@pytest.fixture
def events(kafka_bootstrap: str, topic: Callable[[str], str]) -> Callable[..., Any]:
    """The JSON payloads of a topic's records keyed `key` (or of `owner_id`); waits for
    `expect` of them, then `idle_s` more."""

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
            kafka_bootstrap,
            topic(name),
            expect=expect,
            idle_s=idle_s,
            timeout_s=20,
            match=lambda record: wanted(record, key, owner_id),
        )
        return [json.loads(record.value) for record in records]

    return read
