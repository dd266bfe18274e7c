"""analytics-service on real Redis, fed events as the gateway and link-service would publish
them, and read over HTTP as producers do: in-process (`create_app(settings)`, its consumers
driven by FastStream's TestKafkaBroker, its routes over ASGI), and as a process on real Kafka.

The in-process fixtures give every test its own app and prefix. The process-level module
shares one service process (its own topic and key prefix); its tests isolate themselves
with fresh owner and link ids. The crash and scale-out tests start their own processes
under the test's prefix.
"""

import asyncio
import random
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4, uuid5

import httpx
import pytest
from analytics_service.app import create_app
from analytics_service.context import AnalyticsContext
from analytics_service.settings import Settings
from contracts import topics
from contracts.events import (
    DownloadRecorded,
    Event,
    ShareCreated,
    SharePlayed,
    ShareRevoked,
    ShareViewed,
)
from faststream.kafka import KafkaBroker, TestKafkaBroker
from faststream.kafka.testing import FakeProducer
from messaging.testing import wait_until
from service_kit.testing import ServiceProcess, bearer, client_of

FIRST_DAY = datetime(2026, 11, 25, tzinfo=UTC)
OFFSETS = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
COUNTING_TOPICS = (topics.SHARE_VIEWED, topics.DOWNLOAD_RECORDED)
FORMATS = {"audio": ["wav", "mp3", "flac"], "project": ["als", "logicx"], "other": ["pdf"]}


@pytest.fixture(scope="module")
def analytics(start_module_service) -> ServiceProcess:
    """analytics-service on real Kafka and Redis, under the module's prefix."""
    return start_module_service("analytics-service")


@pytest.fixture(scope="module")
async def http(analytics: ServiceProcess) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the module's service (no credentials of its own)."""
    async with client_of(analytics) as client:
        yield client


@dataclass(frozen=True)
class DeadLetter:
    """A record the service published to a dead-letter topic."""

    topic: str
    value: bytes
    headers: dict[str, str]


@dataclass
class InProcess:
    """The service built in-process: its context, an HTTP client of its routes, its broker
    under TestKafkaBroker, and what it dead-lettered, in order."""

    context: AnalyticsContext
    http: httpx.AsyncClient
    broker: KafkaBroker
    prefix: str
    dead: dict[str, list[DeadLetter]]  # by the counting topic's unprefixed name

    async def send(self, events: Iterable[Event]) -> None:
        """Hand each event to its consumer, one at a time; returns once every handler ran."""
        for event in events:
            await self.broker.publish(
                event.model_dump_json().encode(), topic=self.prefix + event.topic, key=event.key()
            )

    async def send_raw(self, topic: str, values: Iterable[bytes]) -> None:
        """Hand bytes that need not be events to a counting consumer as one batch."""
        await self.broker.publish_batch(*values, topic=self.prefix + topic)

    async def send_batches(self, events: Sequence[Event], size: int) -> None:
        """Hand the events to the counting consumers in batches of `size`, in order per topic."""
        by_topic: dict[str, list[bytes]] = defaultdict(list)
        for event in events:
            by_topic[event.topic].append(event.model_dump_json().encode())
        for topic, values in by_topic.items():
            for start in range(0, len(values), size):
                batch = values[start : start + size]
                await self.broker.publish_batch(*batch, topic=self.prefix + topic)


@pytest.fixture
def settings(redis_url: str, unique_prefix: str) -> Settings:
    """The in-process service's settings: the real test Redis, its own key and topic prefix."""
    return Settings(redis_url=redis_url, topic_prefix=unique_prefix, key_prefix=unique_prefix)


@pytest.fixture
def dead_letters(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[DeadLetter]]:
    """Adapts TestKafkaBroker to the service: a batch subscriber gets a tuple of records,
    as from aiokafka (TestKafkaBroker hands a list, which the shared delivery middleware and
    the service's decoder do not take for a batch); and what is published to a `.dlq` topic
    is recorded here, by the counting topic's unprefixed name, rather than delivered."""
    dead: dict[str, list[DeadLetter]] = defaultdict(list)
    handed, published = FakeProducer._execute_handler, FakeProducer.publish

    async def as_aiokafka(self: FakeProducer, msg: Any, topic: str, handler: Any) -> Any:
        return await handed(self, tuple(msg) if isinstance(msg, list) else msg, topic, handler)

    async def publish(self: FakeProducer, cmd: Any) -> None:
        if not cmd.destination.endswith(".dlq"):
            return await published(self, cmd)
        (counted,) = (t for t in COUNTING_TOPICS if cmd.destination.endswith(f".{t}.dlq"))
        dead[counted].append(DeadLetter(cmd.destination, cmd.body, dict(cmd.headers)))
        return None

    monkeypatch.setattr(FakeProducer, "_execute_handler", as_aiokafka)
    monkeypatch.setattr(FakeProducer, "publish", publish)
    return dead


@pytest.fixture
async def service(
    settings: Settings, unique_prefix: str, dead_letters: dict[str, list[DeadLetter]]
) -> AsyncIterator[InProcess]:
    """`create_app(settings)` in-process: consumers routed by TestKafkaBroker (through the
    delivery middleware), routes over ASGI (no broker started), dead letters recorded."""
    app = create_app(settings)
    context: AnalyticsContext = app.state.analytics
    transport = httpx.ASGITransport(app=app)
    async with (
        TestKafkaBroker(context.runtime.broker, connect_only=False) as testing,
        httpx.AsyncClient(transport=transport, base_url="http://analytics.test") as client,
    ):
        yield InProcess(context, client, testing, unique_prefix, dead_letters)
    await context.runtime.redis.aclose()


class Feed:
    """Publishes events, or raw bytes, to the topics of one prefix, many in flight at once."""

    def __init__(self, broker: KafkaBroker, prefix: str) -> None:
        self.broker = broker
        self.prefix = prefix

    async def send(self, events: Iterable[Event], partition: int | None = None) -> None:
        """Publish every event (keyed by its aggregate, on the key's partition unless one is
        given) and wait until Kafka has them all."""
        pending = [
            await self.broker.publish(
                event.model_dump_json().encode(),
                topic=self.prefix + event.topic,
                key=event.key(),
                partition=partition,
                headers={"content-type": "application/json"},
                no_confirm=True,
            )
            for event in events
        ]
        await asyncio.gather(*pending)

    async def send_raw(self, topic: str, values: Iterable[bytes], key: bytes) -> None:
        """Publish bytes that need not be events, labelled JSON as the outbox relay labels
        events, all in flight at once: they reach the partition in one produce batch."""
        pending = [
            await self.broker.publish(
                value,
                topic=self.prefix + topic,
                key=key,
                headers={"content-type": "application/json"},
                no_confirm=True,
            )
            for value in values
        ]
        await asyncio.gather(*pending)


@pytest.fixture
def feed(publisher: KafkaBroker, module_prefix: str) -> Feed:
    """The module service's topics."""
    return Feed(publisher, module_prefix)


@dataclass
class Owner:
    """A producer reading their stats with their own JWT, and the links they created."""

    http: httpx.AsyncClient
    owner_id: str = field(default_factory=lambda: f"u-{uuid4().hex[:8]}")

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.owner_id)

    def created(self, link_id: str | None = None, **fields: Any) -> ShareCreated:
        """share.created of a new link of this owner, as link-service publishes it."""
        link_id = link_id or f"lnk_{uuid4().hex[:24]}"
        values: dict[str, Any] = {
            "link_id": link_id,
            "owner_id": self.owner_id,
            "kind": "playlist",
            "track_ids": ["t-1", "t-2", "t-3"],
            "include": ["bounce", "stem", "project"],
            "downloads": ["audio", "project", "other"],
            "expires_at": None,
            "url": f"http://share.test/s/{uuid4().hex}",
        }
        return ShareCreated(**(values | fields))

    def revoked(self, link_id: str) -> ShareRevoked:
        return ShareRevoked(link_id=link_id, owner_id=self.owner_id, revoked_at=datetime.now(UTC))

    def view(self, link_id: str, visitor: str = "v-1", **fields: Any) -> ShareViewed:
        return ShareViewed(link_id=link_id, owner_id=self.owner_id, visitor_id=visitor, **fields)

    def download(self, link_id: str, **fields: Any) -> DownloadRecorded:
        values: dict[str, Any] = {
            "link_id": link_id,
            "owner_id": self.owner_id,
            "track_id": "t-1",
            "file_id": "f-1",
            "file_type": "audio",
            "file_format": "wav",
            "visitor_id": "v-1",
        }
        return DownloadRecorded(**(values | fields))

    def played(self, link_id: str, listen_id: UUID, milestone: str, **fields: Any) -> SharePlayed:
        """share.played as the gateway publishes it: one id per listen and milestone."""
        values: dict[str, Any] = {
            "link_id": link_id,
            "owner_id": self.owner_id,
            "recipient_id": None,
            "listen_id": listen_id,
            "track_id": "t-1",
            "group_id": None,
            "file_id": "f-1",
            "visitor_id": "v-1",
            "milestone": milestone,
        }
        event_id = uuid5(listen_id, f"{link_id}|{milestone}")
        return SharePlayed(event_id=event_id, **(values | fields))

    async def stats(self, link_id: str) -> httpx.Response:
        return await self.http.get(f"/v1/stats/links/{link_id}", headers=self.headers)

    async def page(self, **params: Any) -> httpx.Response:
        return await self.http.get("/v1/stats/links", params=params, headers=self.headers)

    async def all_stats(self) -> dict[str, dict[str, Any]]:
        """Every link's stats of this owner, by link id, walking every page."""
        found: dict[str, dict[str, Any]] = {}
        params: dict[str, Any] = {"limit": 200}
        while True:
            answer = await self.page(**params)
            assert answer.status_code == 200, answer.text
            found |= {item["link_id"]: item for item in answer.json()["items"]}
            if not (cursor := answer.json()["next_cursor"]):
                return found
            params["cursor"] = cursor

    async def wait_for(
        self, check: Callable[[dict[str, dict[str, Any]]], bool], timeout_s: float = 30
    ) -> dict[str, dict[str, Any]]:
        """Poll the owner's stats until `check` holds; answer them."""
        return await wait_until(
            self.all_stats, until=check, timeout_s=timeout_s, interval_s=0.2, message="the stats"
        )


@pytest.fixture
def owner(http: httpx.AsyncClient) -> Owner:
    """A producer of this test alone."""
    return Owner(http)


@pytest.fixture
def make_owner(http: httpx.AsyncClient) -> Callable[[], Owner]:
    """More producers of this test."""
    return lambda: Owner(http)


def mixed_events(owner: Owner, link_ids: Sequence[str], count: int, seed: int) -> list[Event]:
    """`count` distinct views (60 %) and downloads over the links, four UTC days and
    several UTC offsets, from a pool of 40 visitors per link."""
    rng = random.Random(seed)
    events: list[Event] = []
    for _ in range(count):
        link_id = rng.choice(link_ids)
        at = FIRST_DAY + timedelta(
            days=rng.randrange(4), microseconds=rng.randrange(86_400 * 10**6)
        )
        at = at.astimezone(rng.choice(OFFSETS))
        visitor = f"v-{rng.randrange(40)}"
        if rng.random() < 0.6:
            events.append(owner.view(link_id, visitor, occurred_at=at))
            continue
        kind = rng.choice(list(FORMATS))
        events.append(
            owner.download(
                link_id,
                track_id=f"t-{rng.randrange(1, 4)}",
                file_id=f"f-{rng.randrange(9)}",
                file_type=kind,
                file_format=rng.choice(FORMATS[kind]).upper(),
                visitor_id=visitor,
                occurred_at=at,
            )
        )
    return events


def with_duplicates(events: Sequence[Event], seed: int) -> list[Event]:
    """Every event, a fifth of them again and a twentieth a third time, all shuffled."""
    rng = random.Random(seed)
    sent = [
        *events,
        *rng.sample(events, len(events) // 5),
        *rng.sample(events, len(events) // 20) * 2,
    ]
    rng.shuffle(sent)
    return sent


def expected_stats(events: Iterable[Event]) -> dict[str, dict[str, Any]]:
    """What DESIGN §10 says the stats of the links are after these distinct events."""
    by_link: dict[str, list[Any]] = defaultdict(list)
    for event in events:
        by_link[event.link_id].append(event)
    return {link_id: _expected(link_id, evs) for link_id, evs in by_link.items()}


_DAY_FIELD = {ShareViewed: "views", DownloadRecorded: "downloads"}


def _expected(link_id: str, events: list[Any]) -> dict[str, Any]:
    views = [e for e in events if isinstance(e, ShareViewed)]
    downloads = [e for e in events if isinstance(e, DownloadRecorded)]
    reached = Counter(e.milestone for e in events if isinstance(e, SharePlayed))
    started = [e for e in events if isinstance(e, SharePlayed) and e.milestone == "started"]
    listened = [e for e in events if isinstance(e, SharePlayed) and e.milestone == "30s"]
    days: dict[str, dict[str, Any]] = {}
    for event in events:
        day = event.occurred_at.astimezone(UTC).date().isoformat()
        entry = days.setdefault(day, {"date": day, "views": 0, "downloads": 0, "plays": 0})
        if isinstance(event, SharePlayed):
            entry["plays"] += event.milestone == "started"
        else:
            entry[_DAY_FIELD[type(event)]] += 1
    by_type = Counter(e.file_type for e in downloads)
    songs = Counter(e.group_id or e.track_id for e in downloads)
    titles = {e.group_id or e.track_id: e.track_title for e in downloads if e.track_title}
    by_recipient: dict[str | None, list[Any]] = {None: []}
    for event in sorted(events, key=lambda e: e.recipient_id or ""):
        by_recipient.setdefault(event.recipient_id, []).append(event)
    return {
        "link_id": link_id,
        "views": len(views),
        "downloads": len(downloads),
        "downloads_by_type": {t: by_type[t] for t in ("audio", "project", "other")},
        "downloads_by_format": dict(Counter(e.file_format.lower() for e in downloads)),
        "downloads_by_track": dict(Counter(e.track_id for e in downloads)),
        "downloads_by_song": [
            {"song": song, "title": titles.get(song), "downloads": count}
            for song, count in sorted(songs.items(), key=lambda item: (-item[1], item[0]))
        ],
        "unique_visitors": len({e.visitor_id for e in events}),
        "last_viewed_at": max((e.occurred_at for e in views), default=None),
        "last_downloaded_at": max((e.occurred_at for e in downloads), default=None),
        "plays": reached["started"],
        "listens": reached["30s"],
        "completions": reached["95pct"],
        "plays_by_track": dict(Counter(e.track_id for e in started)),
        "listens_by_track": dict(Counter(e.track_id for e in listened)),
        "by_country": dict(Counter(e.country for e in views if e.country)),
        "by_device": dict(Counter(e.device for e in views if e.device)),
        "by_recipient": [_recipient(rid, evs) for rid, evs in by_recipient.items()],
        "daily": [days[day] for day in sorted(days)],
    }


def _recipient(recipient_id: str | None, events: list[Any]) -> dict[str, Any]:
    """One row of by_recipient after these events (no names: no share.created told any)."""
    views = [e for e in events if isinstance(e, ShareViewed)]
    downloads = [e for e in events if isinstance(e, DownloadRecorded)]
    reached = Counter(e.milestone for e in events if isinstance(e, SharePlayed))
    return {
        "recipient_id": recipient_id,
        "name": None,
        "email": None,
        "views": len(views),
        "unique_visitors": len({e.visitor_id for e in events}),
        "plays": reached["started"],
        "listens": reached["30s"],
        "downloads": len(downloads),
        "downloads_by_track": dict(Counter(e.track_id for e in downloads)),
        "first_opened_at": min((e.occurred_at for e in views), default=None),
        "last_seen_at": max((e.occurred_at for e in events), default=None),
    }


def assert_matches(actual: dict[str, Any], expected: dict[str, Any]) -> None:
    """The stats are exactly the expected ones; unique visitors within HyperLogLog's error."""
    _assert_close(actual, expected, ("last_viewed_at", "last_downloaded_at"))
    assert len(actual["by_recipient"]) == len(expected["by_recipient"])
    for row, wanted in zip(actual["by_recipient"], expected["by_recipient"], strict=True):
        _assert_close(row, wanted, ("first_opened_at", "last_seen_at"))
    skip = {"last_viewed_at", "last_downloaded_at", "unique_visitors", "by_recipient"}
    assert {k: v for k, v in actual.items() if k not in skip} == {
        k: v for k, v in expected.items() if k not in skip
    }


def _assert_close(
    actual: dict[str, Any], expected: dict[str, Any], instants: Sequence[str]
) -> None:
    """The instants equal, the unique visitors within HyperLogLog's error, the rest exact
    (for a by_recipient row)."""
    for name in instants:
        instant = actual[name] and datetime.fromisoformat(actual[name])
        assert instant == expected[name], name
    estimate, exact = actual["unique_visitors"], expected["unique_visitors"]
    assert abs(estimate - exact) <= max(1, exact // 50), (estimate, exact)
    if "recipient_id" in actual:
        skip = {*instants, "unique_visitors"}
        assert {k: v for k, v in actual.items() if k not in skip} == {
            k: v for k, v in expected.items() if k not in skip
        }


def counted(stats: dict[str, dict[str, Any]]) -> int:
    """Views and downloads counted over all the links."""
    return sum(item["views"] + item["downloads"] for item in stats.values())
