"""analytics-service as a process on real Kafka and Redis: views and downloads published as
the gateway and link-service publish them are counted once and read over HTTP (DESIGN §10).
The rules behind them are tested in-process (test_counting.py)."""

from datetime import datetime

import pytest

pytestmark = pytest.mark.integration


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_views_and_downloads_count_by_type_format_track_and_utc_day(owner, feed):
    link = owner.created().link_id
    events = [
        owner.view(link, "a", occurred_at=at("2026-11-27T23:30:00-05:00")),  # 28th in UTC
        owner.view(link, "a", occurred_at=at("2026-11-27T10:00:00+00:00")),
        owner.view(link, "b", occurred_at=at("2026-11-27T11:00:00+00:00")),
        owner.download(
            link,
            visitor_id="b",
            track_id="t-1",
            file_type="audio",
            file_format="wav",
            occurred_at=at("2026-11-28T01:00:00+02:00"),
        ),
        owner.download(
            link,
            visitor_id="c",
            track_id="t-7",
            file_type="project",
            file_format="als",
            occurred_at=at("2026-11-28T12:00:00+00:00"),
        ),
        owner.download(
            link,
            visitor_id="a",
            track_id="t-1",
            file_type="audio",
            file_format="MP3",
            occurred_at=at("2026-11-26T08:00:00+00:00"),
        ),
    ]
    # Every event delivered twice, all on one partition, then a sentinel link's view and
    # download behind them: once the sentinel is counted, every copy before it was handled.
    await feed.send([owner.created(link), *events, *events], partition=0)
    sentinel = owner.created()
    await feed.send(
        [sentinel, owner.view(sentinel.link_id), owner.download(sentinel.link_id)], partition=0
    )

    stats = await owner.wait_for(
        lambda s: (
            s.get(sentinel.link_id, {}).get("downloads") == 1 and s[sentinel.link_id]["views"] == 1
        )
    )
    answer = await owner.stats(link)

    assert answer.status_code == 200
    shown = answer.json()
    [anyone] = shown.pop("by_recipient")
    assert (anyone["recipient_id"], anyone["views"], anyone["downloads"]) == (None, 3, 3)
    assert anyone["first_opened_at"] == "2026-11-27T10:00:00Z"  # the earliest view
    assert shown == {
        "link_id": link,
        "views": 3,
        "downloads": 3,
        "downloads_by_type": {"audio": 2, "project": 1, "other": 0},
        "downloads_by_format": {"als": 1, "mp3": 1, "wav": 1},
        "downloads_by_track": {"t-1": 2, "t-7": 1},
        "downloads_by_song": [
            {"song": "t-1", "title": None, "downloads": 2},
            {"song": "t-7", "title": None, "downloads": 1},
        ],
        "unique_visitors": 3,
        "last_viewed_at": "2026-11-28T04:30:00Z",
        "last_downloaded_at": "2026-11-28T12:00:00Z",
        "plays": 0,
        "listens": 0,
        "completions": 0,
        "plays_by_track": {},
        "listens_by_track": {},
        "by_country": {},
        "by_device": {},
        "daily": [
            {"date": "2026-11-26", "views": 0, "downloads": 1, "plays": 0},
            {"date": "2026-11-27", "views": 2, "downloads": 1, "plays": 0},
            {"date": "2026-11-28", "views": 1, "downloads": 1, "plays": 0},
        ],
    }
    assert stats[link] == answer.json()  # the list shows what the link's own page shows
