"""The counting script on real Redis: a batch's increments are summed before they are written,
yet every event still counts once, the song's latest title wins and the latest times stay."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from analytics_service.domain import Tally, link_stats
from analytics_service.store import StatsStore
from contracts.events import DownloadRecorded, ShareViewed
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

    assert counted == {link_id: 3} and again == {link_id: 0}
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
