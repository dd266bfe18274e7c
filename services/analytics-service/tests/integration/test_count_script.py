"""The counting script on real Redis: a batch's increments are summed before they are written,
yet every event still counts once, the song's latest title wins and the latest times stay;
the owner's alerts and the leak guard's are raised once, and wait until staged."""

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from analytics_service.domain import Alerting, Tally, alert_of, link_stats
from analytics_service.store import StatsStore
from contracts.events import DownloadRecorded, LeakGuard, RecipientLink, ShareViewed
from redis.asyncio import Redis

T0 = datetime(2026, 11, 28, 23, 59, 59, 999_999, tzinfo=UTC)


@pytest.fixture
async def store(redis_url: str, unique_prefix: str) -> AsyncIterator[StatsStore]:
    redis = Redis.from_url(redis_url, decode_responses=True)
    yield StatsStore(redis, unique_prefix, "analytics")
    await redis.aclose()


def download(link_id: str, at: datetime, title: str, file_format: str = "WAV ") -> Tally:
    return Tally.of(
        DownloadRecorded(
            link_id=link_id,
            owner_id="u-1",
            track_id="t-1",
            group_id="song-1",
            track_title=title,
            file_id="f-1",
            file_type="audio",
            file_format=file_format,
            visitor_id=uuid4().hex[:16],
            occurred_at=at,
        )
    )


async def test_a_batch_sums_its_increments_and_counts_a_repeated_event_once(store):
    link_id = uuid4().hex
    first = download(link_id, T0, "Demo")
    later = download(link_id, T0 + timedelta(microseconds=1), "Final", "mp3")
    view = Tally.of(ShareViewed(link_id=link_id, owner_id="u-1", visitor_id="v", occurred_at=T0))

    counted = await store.count([first, later, first, view, view])
    again = await store.count([later, view])

    assert counted[link_id].applied == 3 and again[link_id].applied == 0
    (raw,) = await store.stats([link_id])
    stats = link_stats(link_id, raw)
    assert (stats["views"], stats["downloads"]) == (1, 2)
    assert stats["downloads_by_format"] == {"mp3": 1, "wav": 1}
    assert stats["downloads_by_song"] == [{"song": "song-1", "title": "Final", "downloads": 2}]
    assert stats["daily"] == [
        {"date": "2026-11-28", "views": 1, "downloads": 1, "plays": 0},
        {"date": "2026-11-29", "views": 0, "downloads": 1, "plays": 0},
    ]
    assert stats["last_downloaded_at"] == "2026-11-29T00:00:00+00:00"
    assert stats["last_viewed_at"] == T0.isoformat()
    assert stats["unique_visitors"] == 3


async def test_an_earlier_batch_arriving_late_keeps_the_latest_times(store):
    link_id = uuid4().hex
    await store.count([download(link_id, T0, "Final")])
    await store.count([download(link_id, T0 - timedelta(days=1), "Demo")])

    (raw,) = await store.stats([link_id])
    assert link_stats(link_id, raw)["last_downloaded_at"] == T0.isoformat()


def view(link_id: str, visitor: str, recipient: str | None = None) -> Tally:
    return Tally.of(
        ShareViewed(link_id=link_id, owner_id="u-1", visitor_id=visitor, recipient_id=recipient)
    )


async def alerting_link(store: StatsStore, **alerting) -> str:
    """A link of u-1 with recipient rcp_a (Label X) and these alert settings."""
    link_id = uuid4().hex
    await store.claim(link_id, "u-1", T0)
    label = RecipientLink(
        recipient_id="rcp_a", name="Label X", email="x@label.example", url="https://s/x"
    )
    await store.name_recipients(link_id, [label])
    settings: Alerting = {
        "notify_owner": [],
        "leak_guard": None,
        "owner_email": "ana@example.com",
        "title": "For A&R",
    }
    await store.remember_alerting(link_id, settings | alerting)  # type: ignore[typeddict-item]
    return link_id


async def test_first_opens_and_downloads_raise_one_alert_each_until_staged(store):
    link_id = await alerting_link(store, notify_owner=["first_open", "download"])
    first = view(link_id, "v1", "rcp_a")
    got = download(link_id, T0, "Final")

    counted = await store.count([first, view(link_id, "v2", "rcp_a"), first, got])
    again = await store.count([first, got])  # redelivered: nothing new, still pending

    alerts = counted[link_id].alerts
    assert sorted(alerts) == ["download|" + got.event_id.hex, "first_open|rcp_a"]
    assert again[link_id].alerts == alerts
    opened = alert_of(link_id, "first_open|rcp_a", alerts["first_open|rcp_a"])
    assert (opened.kind, opened.owner_id, opened.recipient_name) == ("first_open", "u-1", "Label X")
    assert (opened.owner_email, opened.title, opened.link_id) == (
        "ana@example.com",
        "For A&R",
        link_id,
    )
    assert (
        opened.event_id
        == alert_of(link_id, "first_open|rcp_a", alerts["first_open|rcp_a"]).event_id
    )
    taken = alert_of(
        link_id, "download|" + got.event_id.hex, alerts["download|" + got.event_id.hex]
    )
    assert (taken.kind, taken.recipient_id, taken.track_id, taken.file_type) == (
        "download",
        None,
        "t-1",
        "audio",
    )

    await store.alerts_staged(link_id, alerts)
    later = await store.count([view(link_id, "v3", "rcp_a"), view(link_id, "v4")])
    # The recipient opened it before; the link's own token now opens for the first time.
    assert list(later[link_id].alerts) == ["first_open|link"]


async def test_a_link_without_alerts_raises_none(store):
    link_id = uuid4().hex
    await store.claim(link_id, "u-1", T0)
    counted = await store.count([view(link_id, "v1"), download(link_id, T0, "Final")])
    assert counted[link_id].alerts == {}


async def test_a_leak_crossing_is_raised_once_however_many_instances_count(
    store, redis_url: str, unique_prefix: str
):
    guard = LeakGuard(unique_visitors=30, per_recipient=4, action="disable").model_dump()
    link_id = await alerting_link(store, leak_guard=guard)
    others = [Redis.from_url(redis_url, decode_responses=True) for _ in range(3)]
    instances = [StatsStore(r, unique_prefix, "analytics") for r in others]
    # Four instances count 40 visitors of the label's token at once, ten each, one by one.
    batches = [[view(link_id, f"v{i}-{n}", "rcp_a") for n in range(10)] for i in range(4)]

    async def count_alone(instance: StatsStore, batch: list[Tally]) -> list[dict[str, str]]:
        # Alerts left pending by the others show here too: only the final read is checked.
        return [(await instance.count([t]))[link_id].alerts for t in batch]

    seen = await asyncio.gather(
        *(count_alone(i, b) for i, b in zip([store, *instances], batches, strict=True))
    )
    for redis in others:
        await redis.aclose()

    assert all(run for run in seen), "every instance counted"
    final = (await store.count([view(link_id, "v0-0", "rcp_a")]))[link_id].alerts
    assert sorted(final) == ["leak|link", "leak|rcp_a"]
    leaked = {field: json.loads(value) for field, value in final.items()}
    assert leaked["leak|rcp_a"]["visitors"] == 5, "raised as the 5th visitor came, once"
    assert leaked["leak|link"]["visitors"] == 31
    assert all(alert["action"] == "disable" for alert in leaked.values())
    await store.alerts_staged(link_id, final)
    more = await store.count([view(link_id, f"w{n}", "rcp_a") for n in range(20)])
    assert more[link_id].alerts == {}, "one alert per crossing, not one per visitor past it"
    windows = [store.keys(link_id)[13], store.recipient_keys(link_id, "rcp_a")[2]]
    assert await store.redis.exists(*windows) == 0, "past its crossing a window is not kept"
