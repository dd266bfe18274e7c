"""dropbox-service on real Redis and the real Dropbox emulator (the unmodified SDK over
HTTPS): its core in-process (the consumers driven through FastStream's TestKafkaBroker, the
events read back from the outbox they were committed to, the routes over ASGI, link-service's
catalog route answered by `LinkServiceCatalog`), and as a process on real Kafka beside a
link-service process."""

import json
import re
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import uuid4

import httpx
import pytest
from contracts.catalog import CatalogCollaborator, CatalogFile, CatalogTrack
from contracts.events import Collaborator, CollabRevokeRequested, CollabShareRequested, SharedFile
from dropbox_emulator.testing import RunningEmulator
from dropbox_service import consumers
from dropbox_service.app import create_app, dropbox_context
from dropbox_service.context import DropboxContext
from dropbox_service.settings import Settings
from faststream.kafka import TestKafkaBroker
from messaging.testing import staged
from pydantic import BaseModel
from service_kit.app import build_runtime
from service_kit.testing import (
    MovableClock,
    ServiceProcess,
    bearer,
    finish_dropbox_flow,
    free_port,
)

CONSOLE_CALLBACK = "http://console.test/console/dropbox/callback"
FOLDER = "/Producer Dashboard/Night Drive"
FILES = [f"{FOLDER}/Night Drive (Master).wav", f"{FOLDER}/Night Drive Stems.zip"]
AUDIO = b"RIFF" + bytes(range(256)) * 64


# What the process below is started with, for the in-process core too.
FAST_RETRIES = {
    "dropbox_backoff_base_s": 0.05,
    "dropbox_max_5xx_retries": 2,
    # A rate limit longer than this redelivers a grant and fails a removal.
    "dropbox_rate_limit_budget_s": 2,
    # A request Dropbox keeps failing is redelivered for this long, then reported failed.
    "dropbox_outage_give_up_s": 6,
}


class Outbox:
    """The events the core committed, read back from its outbox stream (nothing relays them
    in-process): what the relay would publish."""

    def __init__(self, core: DropboxContext) -> None:
        self.core = core

    async def events(self, topic: str, **fields: Any) -> list[dict[str, Any]]:
        """The committed events of `topic` (a bare name) whose values hold `fields`."""
        runtime = self.core.runtime
        staged_now = await staged(runtime.redis, runtime.outbox, topic)
        return [value for _, value in staged_now if fields.items() <= value.items()]


class LinkServiceCatalog:
    """link-service's `GET /internal/catalog/{owner_id}/tracks/{track_id}` as dropbox-service
    calls it (an httpx transport): the tracks the test made the catalog hold, 401 without
    `token`, 503 while `down`; `asked` counts the calls."""

    ROUTE = re.compile(r"/internal/catalog/(?P<owner>[^/]+)/tracks/(?P<track>[^/]+)")

    def __init__(self, token: str) -> None:
        self.token = token
        self.tracks: dict[tuple[str, str], CatalogTrack] = {}
        self.down = False
        self.asked = 0
        self.transport = httpx.MockTransport(self._answer)

    def holds(self, request: CollabShareRequested) -> CollabShareRequested:
        """Make the owner's catalog hold what `request` names (as link-service would have
        sent it); `request`."""
        self.tracks[request.owner_id, request.track_id] = CatalogTrack(
            owner_id=request.owner_id,
            track_id=request.track_id,
            dropbox_folder=request.folder,
            files=tuple(
                CatalogFile(file_id=f.file_id, dropbox_path=f.dropbox_path) for f in request.files
            ),
            collaborators=tuple(
                CatalogCollaborator(collaborator_id=c.collaborator_id, email=c.email)
                for c in request.collaborators
            ),
        )
        return request

    def _answer(self, request: httpx.Request) -> httpx.Response:
        self.asked += 1
        if request.headers.get("X-Internal-Token") != self.token:
            return _problem(401, "not_authenticated")
        if self.down:
            return _problem(503, "service_unavailable")
        route = self.ROUTE.fullmatch(request.url.path)
        if request.method != "GET" or route is None:
            return _problem(404, "not_found")
        track = self.tracks.get((route["owner"], route["track"]))
        if track is None:
            return _problem(404, "track_not_found")
        return httpx.Response(200, json=track.model_dump(mode="json"))


def _problem(status: int, code: str) -> httpx.Response:
    body = {"type": "about:blank", "title": code, "status": status, "code": code}
    return httpx.Response(status, json=body, headers={"content-type": "application/problem+json"})


@pytest.fixture
def catalog(settings: Settings) -> LinkServiceCatalog:
    """The owners' catalogs the in-process core checks shares against."""
    return LinkServiceCatalog(settings.internal_token.get_secret_value())


@pytest.fixture
def settings(redis_url: str, unique_prefix: str, dropbox_emulator: RunningEmulator) -> Settings:
    """The test's settings: the real test Redis, its own prefixes, the emulator's CA."""
    return Settings(
        redis_url=redis_url,
        topic_prefix=unique_prefix,
        key_prefix=unique_prefix,
        dropbox_ca_file=dropbox_emulator.ca_file,
        dropbox_redirect_uri=CONSOLE_CALLBACK,
        **FAST_RETRIES,
    )


@pytest.fixture
def clock() -> MovableClock:
    """The in-process core's clock."""
    return MovableClock()


@pytest.fixture
async def core(
    settings: Settings, clock: MovableClock, catalog: LinkServiceCatalog
) -> AsyncIterator[DropboxContext]:
    """The service's core in-process on the test Redis, the emulator and `catalog`, its
    consumers registered on a broker that `deliver` drives."""
    runtime = build_runtime(settings)
    context = dropbox_context(runtime, settings, clock, catalog.transport)
    consumers.register(context)
    yield context
    context.calls.close()
    await context.catalog.aclose()
    await runtime.redis.aclose()


@pytest.fixture
def outbox(core: DropboxContext) -> Outbox:
    """The events `core` committed."""
    return Outbox(core)


@pytest.fixture
async def deliver(
    core: DropboxContext, settings: Settings
) -> AsyncIterator[Callable[[str, BaseModel], Any]]:
    """Hand a request to the service's consumer of `topic` (a bare name), routed by
    TestKafkaBroker through the delivery middleware; returns once the handler has run."""
    async with TestKafkaBroker(core.runtime.broker, connect_only=False) as broker:

        async def send(topic: str, request: Any) -> None:
            await broker.publish(request, topic=settings.topic(topic), key=request.key())

        yield send


@pytest.fixture
def connect_core(core: DropboxContext, dropbox_emulator: RunningEmulator):
    """Run the whole connect flow in-process for `owner_id` as the Dropbox account `email`."""

    async def run(owner_id: str, email: str):
        authorize_url = await core.connections.start(owner_id)
        query = parse_qs(urlsplit(dropbox_emulator.approve(authorize_url, email)).query)
        return await core.connections.finish(owner_id, query["state"][0], query["code"][0])

    return run


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, DropboxContext]]:
    """The service's routes in-process (`create_app(settings)` over ASGI, no broker started),
    and its context."""
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://dropbox.test") as client:
        yield client, app.state.dropbox
    app.state.dropbox.calls.close()
    await app.state.runtime.redis.aclose()


@pytest.fixture(scope="module")
def link_service(start_module_service) -> ServiceProcess:
    """link-service on real Kafka and Redis: the catalog dropbox-service checks shares with."""
    return start_module_service("link-service")


@pytest.fixture(scope="module")
def dropbox_service(
    start_module_service, dropbox_emulator: RunningEmulator, link_service: ServiceProcess
) -> ServiceProcess:
    """dropbox-service on real Kafka and Redis, its SDK pointed at the emulator, its shares
    checked with `link_service`'s catalog."""
    port = free_port()
    return start_module_service(
        "dropbox-service",
        DROPBOX_SERVICE_PORT=str(port),
        LINK_SERVICE_URL=link_service.base_url,
        DROPBOX_CA_FILE=str(dropbox_emulator.ca_file),
        DROPBOX_REDIRECT_URI=CONSOLE_CALLBACK,
        DROPBOX_BACKOFF_BASE_S="0.05",
        DROPBOX_MAX_5XX_RETRIES="2",
        # A rate limit longer than this redelivers a grant and fails a removal.
        DROPBOX_RATE_LIMIT_BUDGET_S="2",
        # A request Dropbox keeps failing is redelivered for this long, then reported failed.
        DROPBOX_OUTAGE_GIVE_UP_S="6",
    )


def put_in_catalog(link_service: ServiceProcess, request: CollabShareRequested) -> None:
    """Make the owner's catalog in `link_service` hold the track `request` names, as the
    dashboard puts it (PUT /v1/catalog/tracks/{track_id})."""
    track = {
        "title": request.track_title,
        "artist": "Test",
        "dropbox_folder": request.folder,
        "files": [
            {
                "role": "other",
                "size": 1,
                **f.model_dump(include={"file_id", "name", "dropbox_path"}),
            }
            for f in request.files
        ],
        "collaborators": [c.model_dump(exclude_none=True) for c in request.collaborators],
    }
    answer = httpx.put(
        f"{link_service.base_url}/v1/catalog/tracks/{request.track_id}",
        json=track,
        headers=bearer(request.owner_id),
    )
    assert answer.status_code == 200, answer.text


@pytest.fixture
def connect(dropbox_service: ServiceProcess, dropbox_emulator: RunningEmulator):
    """Run the whole connect flow for `owner_id` as the Dropbox account `email`."""

    def run(owner_id: str, email: str) -> httpx.Response:
        start = httpx.get(
            f"{dropbox_service.base_url}/v1/dropbox/connect", headers=bearer(owner_id)
        )
        assert start.status_code == 200, start.text
        callback = dropbox_emulator.approve(start.json()["authorize_url"], email)
        return finish(dropbox_service, owner_id, callback)

    return run


def finish(service: ServiceProcess, owner_id: str, callback: str) -> httpx.Response:
    """Dropbox's redirect, sent to the console, finished as `owner_id`."""
    assert callback.startswith(CONSOLE_CALLBACK + "?"), callback
    return finish_dropbox_flow(service.base_url, owner_id, callback)


@pytest.fixture
def topic(module_prefix: str) -> Callable[[str], str]:
    """The deployed name of a topic for this module's service."""
    return lambda name: module_prefix + name


@pytest.fixture
def owner_id() -> str:
    """A producer of this test alone."""
    return f"u-{uuid4().hex[:8]}"


def people() -> list[Collaborator]:
    return [
        Collaborator(
            collaborator_id="c-1",
            email=f"ana{uuid4().hex[:6]}@example.com",
            name="Ana",
            user_id="u-ana",
        ),
        Collaborator(collaborator_id="c-2", email=f"bo{uuid4().hex[:6]}@example.com", name="Bo"),
    ]


def share_request(owner_id: str, mode: str, people: list[Collaborator]) -> CollabShareRequested:
    return CollabShareRequested(
        request_id=f"r-{uuid4().hex[:6]}",
        job_id="job-1",
        owner_id=owner_id,
        track_id="t-1",
        track_title="Night Drive",
        mode=mode,
        folder=FOLDER,
        files=[
            SharedFile(file_id=f"f-{i}", name=p.rsplit("/", 1)[1], dropbox_path=p)
            for i, p in enumerate(FILES)
        ],
        collaborators=people,
        message="Mixes v3",
    )


def answering(request) -> object:
    """Kafka records answering `request` (a module's tests share topics)."""
    return lambda record: json.loads(record.value)["request_id"] == request.request_id


def invitations(control, email: str) -> list[dict]:
    answer = control.get("/_emulator/invitations", params={"email": email.lower()})
    assert answer.status_code == 200, answer.text
    return answer.json()


def revoke_request(owner_id: str, person: Collaborator) -> CollabRevokeRequested:
    return CollabRevokeRequested(
        request_id=f"r-{uuid4().hex[:6]}", owner_id=owner_id, track_id="t-1", collaborator=person
    )


def members(control, email: str, path: str) -> set[str]:
    answer = control.get("/_emulator/members", params={"account": email, "path": path})
    assert answer.status_code == 200, answer.text
    return {m["email"].lower() for m in answer.json()["members"]}
