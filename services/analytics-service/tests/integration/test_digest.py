"""The daily digest (DESIGN §16) on real Redis: once a UTC day is over, one share.alert per
owner whose links asked for it and saw activity that day, each such link's counts of the
day in it; a second round, or a second instance, stages the same event id."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from analytics_service.digest import Digests
from analytics_service.domain import Alerting, Tally
from analytics_service.store import StatsStore
from contracts import topics
from contracts.events import DownloadRecorded, SharePlayed, ShareViewed
from messaging.outbox import Outbox
from messaging.testing import staged
from redis.asyncio import Redis

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 3, 0, 5, tzinfo=UTC)  # five minutes into the day after
YESTERDAY = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)


@pytest.fixture
async def store(redis_url: str, unique_prefix: str) -> AsyncIterator[StatsStore]:
    redis = Redis.from_url(redis_url, decode_responses=True)
    yield StatsStore(redis, unique_prefix, "analytics", clock=lambda: NOW)
    await redis.aclose()


@pytest.fixture
def outbox(unique_prefix: str) -> Outbox:
    return Outbox(service="analytics-service", key_prefix=unique_prefix)


async def _link(store: StatsStore, owner: str, title: str, alerts: list[str]) -> str:
    link_id = f"lnk_{uuid4().hex[:24]}"
    await store.claim(link_id, owner, YESTERDAY)
    alerting: Alerting = {
        "notify_owner": alerts,
        "leak_guard": None,
        "owner_email": f"{owner}@example.com",
        "title": title,
    }
    await store.remember_alerting(link_id, alerting)
    return link_id


async def _count(store: StatsStore, tallies: list[Tally]) -> None:
    """As Analytics.count does: count, then note the days to digest."""
    for link_id, counted in (await store.count(tallies)).items():
        assert not isinstance(counted, Exception)
        await store.note_digest_days(link_id, counted.digest_days)


def _activity(link_id: str, owner: str, at: datetime, views: int, downloads: int) -> list[Tally]:
    seen = [
        ShareViewed(link_id=link_id, owner_id=owner, visitor_id=f"v{n}", occurred_at=at)
        for n in range(views)
    ]
    taken = [
        DownloadRecorded(
            link_id=link_id,
            owner_id=owner,
            track_id="t-1",
            file_id="f-1",
            file_type="audio",
            file_format="wav",
            visitor_id="v0",
            occurred_at=at,
        )
        for _ in range(downloads)
    ]
    played = SharePlayed(
        link_id=link_id,
        owner_id=owner,
        recipient_id=None,
        listen_id=uuid4(),
        track_id="t-1",
        group_id=None,
        file_id="f-1",
        visitor_id="v0",
        milestone="started",
        occurred_at=at,
    )
    return [Tally.of(event) for event in [*seen, *taken, played]]


async def test_each_owner_gets_one_digest_of_the_links_that_asked_for_it(store, outbox):
    ana, bo = f"u-ana{uuid4().hex[:6]}", f"u-bo{uuid4().hex[:6]}"
    ep = await _link(store, ana, "Demo EP", ["daily_digest"])
    single = await _link(store, ana, "Single", ["first_open", "daily_digest"])
    quiet = await _link(store, ana, "Quiet", ["first_open"])  # asked for no digest
    theirs = await _link(store, bo, "Bo's", ["daily_digest"])
    idle = await _link(store, bo, "Idle yesterday", ["daily_digest"])
    await _count(store, _activity(ep, ana, YESTERDAY, views=3, downloads=2))
    await _count(store, _activity(single, ana, YESTERDAY, views=1, downloads=0))
    await _count(store, _activity(quiet, ana, YESTERDAY, views=5, downloads=5))
    await _count(store, _activity(theirs, bo, YESTERDAY, views=1, downloads=0))
    await _count(store, _activity(idle, bo, NOW, views=2, downloads=0))  # today: not yet

    digests = Digests(store, outbox, interval_s=1)
    sent = await digests.send_due()
    again = await digests.send_due()

    assert (sent, again) == (2, 0), "one per owner; the links told of are forgotten"
    found = {
        payload["owner_id"]: payload
        for _, payload in await staged(store.redis, outbox, topics.SHARE_ALERT)
    }
    assert set(found) == {ana, bo}
    mine = found[ana]
    assert (mine["kind"], mine["day"], mine["owner_email"]) == (
        "daily_digest",
        "2026-12-02",
        f"{ana}@example.com",
    )
    assert [
        (line["title"], line["views"], line["plays"], line["downloads"]) for line in mine["digest"]
    ] == [
        ("Demo EP", 3, 1, 2),
        ("Single", 1, 1, 0),
    ]
    assert [line["link_id"] for line in found[bo]["digest"]] == [theirs]


async def test_activity_counted_late_gives_the_same_digest_id(store, outbox):
    owner = f"u-{uuid4().hex[:8]}"
    link_id = await _link(store, owner, "Demo EP", ["daily_digest"])
    await _count(store, _activity(link_id, owner, YESTERDAY, views=1, downloads=0))
    digests = Digests(store, outbox, interval_s=1)
    await digests.send_due()
    await _count(store, _activity(link_id, owner, YESTERDAY + timedelta(hours=1), 1, 0))
    await digests.send_due()

    first, late = [
        p
        for _, p in await staged(store.redis, outbox, topics.SHARE_ALERT)
        if p["owner_id"] == owner
    ]
    assert first["event_id"] == late["event_id"], "notify-service tells the owner once"
