"""Views and downloads counted once and read over HTTP, on real Kafka and Redis (DESIGN §10)."""

import asyncio
import base64
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from analytics_service.store import StatsStore
from contracts import topics
from messaging.testing import read_topic, wait_until
from redis.asyncio import Redis
from service_kit.testing import problem_of

from .conftest import assert_matches, counted, expected_stats, mixed_events, with_duplicates

pytestmark = pytest.mark.integration

EVENTS_AT_SCALE = 10_000


@pytest.fixture
async def store(redis_url: str, module_prefix: str) -> AsyncIterator[StatsStore]:
    """The service's counters as Redis holds them, read with the service's own key layout."""
    redis = Redis.from_url(redis_url, decode_responses=True)
    yield StatsStore(redis, module_prefix, consumer=module_prefix + "analytics-service")
    await redis.aclose()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_created_link_without_events_has_zero_stats_in_the_contract_shape(owner, feed):
    created = owner.created()
    await feed.send([created])

    stats = await owner.wait_for(lambda s: created.link_id in s)

    assert stats[created.link_id] == {
        "link_id": created.link_id,
        "views": 0,
        "downloads": 0,
        "downloads_by_type": {"audio": 0, "project": 0, "other": 0},
        "downloads_by_format": {},
        "downloads_by_track": {},
        "downloads_by_song": [],
        "unique_visitors": 0,
        "last_viewed_at": None,
        "last_downloaded_at": None,
        "daily": [],
    }
    single = await owner.stats(created.link_id)
    assert single.status_code == 200
    assert single.json() == stats[created.link_id]


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
    await feed.send([owner.created(link), *events, *events])  # every event delivered twice

    await owner.wait_for(lambda s: s.get(link, {}).get("downloads") == 3)
    await asyncio.sleep(1)  # a second delivery counted late would show now
    answer = await owner.stats(link)

    assert answer.status_code == 200
    assert answer.json() == {
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
        "daily": [
            {"date": "2026-11-26", "views": 0, "downloads": 1},
            {"date": "2026-11-27", "views": 2, "downloads": 1},
            {"date": "2026-11-28", "views": 1, "downloads": 1},
        ],
    }


async def test_downloads_of_every_version_of_a_song_count_for_the_song_with_its_title(owner, feed):
    link = owner.created().link_id
    night_drive = {"group_id": "grp-night-drive", "file_type": "audio", "file_format": "wav"}
    events = [
        owner.download(link, track_id="t-nd-2", track_title="Night Drive (v2)", **night_drive),
        owner.download(link, track_id="t-nd-3", track_title="Night Drive", **night_drive),
        owner.download(link, track_id="t-nd-3", track_title="Night Drive", **night_drive),
        owner.download(
            link,
            track_id="t-solo",
            track_title="Glass Harbor",
            group_id=None,
            file_type="audio",
            file_format="mp3",
        ),
        # A v1 event does not know the song: its track counts on its own, without a title.
        owner.download(
            link, track_id="t-old", schema_version=1, file_type="audio", file_format="mp3"
        ),
    ]
    await feed.send([owner.created(link), *events])

    stats = await owner.wait_for(lambda s: s.get(link, {}).get("downloads") == 5)

    assert stats[link]["downloads_by_song"] == [
        {"song": "grp-night-drive", "title": "Night Drive", "downloads": 3},
        {"song": "t-old", "title": None, "downloads": 1},
        {"song": "t-solo", "title": "Glass Harbor", "downloads": 1},
    ]
    assert stats[link]["downloads_by_track"] == {"t-nd-3": 2, "t-nd-2": 1, "t-old": 1, "t-solo": 1}


async def test_another_owners_link_is_404_like_an_unknown_link(owner, make_owner, feed):
    created = owner.created()
    await feed.send([created, owner.view(created.link_id)])
    await owner.wait_for(lambda s: s.get(created.link_id, {}).get("views") == 1)

    stranger = make_owner()
    theirs = await stranger.stats(created.link_id)
    unknown = await stranger.stats("lnk_" + "0" * 24)

    assert (theirs.status_code, unknown.status_code) == (404, 404)
    assert problem_of(theirs) == problem_of(unknown) == (404, "link_not_found")
    assert theirs.json() == unknown.json(), "another owner's link reveals nothing"
    assert (await stranger.page()).json() == {"items": [], "next_cursor": None}


async def test_malformed_link_ids_and_cursors_are_422_with_a_reason(owner, http):
    for link_id in ("lnk_x", "x:results", "lnk_" + "0" * 23 + "Z"):
        answer = await owner.stats(link_id)
        assert answer.status_code == 422, link_id
    forged = base64.urlsafe_b64encode(json.dumps([True, "x"]).encode()).decode()
    answer = await owner.page(cursor=forged)
    assert answer.status_code == 422
    assert "cursor" in answer.text


async def test_stats_need_a_valid_bearer_token(owner, http):
    missing = await http.get("/v1/stats/links")
    forged = await http.get("/v1/stats/links/lnk_x", headers={"Authorization": "Bearer nope"})
    assert (missing.status_code, forged.status_code) == (401, 401)


async def test_list_shows_only_the_callers_links_newest_first_a_page_at_a_time(
    owner, make_owner, feed
):
    start = datetime.now(UTC)
    mine = [owner.created(occurred_at=start + timedelta(seconds=i)) for i in range(5)]
    other = make_owner()
    await feed.send([*mine, other.created()])
    await owner.wait_for(lambda s: len(s) == 5)

    pages: list[list[str]] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        answer = await owner.page(**params)
        assert answer.status_code == 200, answer.text
        pages.append([item["link_id"] for item in answer.json()["items"]])
        if not (cursor := answer.json()["next_cursor"]):
            break
        params["cursor"] = cursor

    newest_first = [created.link_id for created in reversed(mine)]
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:]]
    theirs = await other.wait_for(lambda s: len(s) == 1)
    assert set(theirs).isdisjoint(newest_first)


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 201}, {"cursor": "bm9wZQ=="}, {"cursor": "%%%"}]
)
async def test_bad_page_parameters_are_422_with_a_reason(owner, params):
    answer = await owner.page(**params)
    assert problem_of(answer) == (422, "validation_failed")
    assert answer.json()["errors"][0]["loc"][:2] == ["query", next(iter(params))]


async def test_view_before_share_created_is_counted_at_once_and_shown_once_the_link_is_known(
    owner, feed, store
):
    created = owner.created()
    early = [owner.view(created.link_id, f"v-{i}") for i in range(3)]
    await feed.send(early)

    async def counted_without_owner() -> bool:
        (raw,) = await store.stats([created.link_id])
        return raw.counters.get("views") == "3"

    await wait_until(counted_without_owner, timeout_s=30)
    assert (await owner.stats(created.link_id)).status_code == 404  # whose it is, unknown yet

    await feed.send([created, *early])  # redelivered: still counted once
    stats = await owner.wait_for(lambda s: created.link_id in s)
    await asyncio.sleep(1)
    assert stats[created.link_id]["views"] == 3
    assert (await owner.stats(created.link_id)).json()["views"] == 3


async def test_share_revoked_alone_also_tells_whose_link_it_is(owner, feed):
    link = f"lnk_{uuid4().hex[:24]}"
    await feed.send([owner.view(link), owner.revoked(link)])

    stats = await owner.wait_for(lambda s: s.get(link, {}).get("views") == 1)

    assert list(stats) == [link]


async def test_share_created_naming_another_owner_does_not_take_a_link_over(
    owner, make_owner, feed
):
    created = owner.created()
    await feed.send([created])
    await owner.wait_for(lambda s: created.link_id in s)
    thief = make_owner()
    control = thief.created()
    # One partition for both: once the control shows, the hijack before it was handled.
    await feed.send([thief.created(created.link_id), control], partition=0)

    await thief.wait_for(lambda s: control.link_id in s)

    assert (await thief.stats(created.link_id)).status_code == 404
    assert list(await thief.all_stats()) == [control.link_id]
    assert (await owner.stats(created.link_id)).status_code == 200


async def test_poison_messages_go_to_the_dlq_one_by_one_and_counting_carries_on(
    owner, feed, kafka_bootstrap, module_prefix
):
    link = owner.created().link_id
    key = link.encode()
    poison_views = [b"{not json", json.dumps({"link_id": link}).encode()]
    bad_download = owner.download(link).model_dump(mode="json") | {"file_type": "video"}
    views = [owner.view(link).model_dump_json().encode() for _ in range(4)]
    downloads = [json.dumps(bad_download).encode(), owner.download(link).model_dump_json().encode()]
    await feed.send([owner.created(link)])
    # Poison between good records of one partition, sent together: they share a batch.
    mixed = [views[0], poison_views[0], views[1], poison_views[1], views[2], views[3]]
    await feed.send_raw(topics.SHARE_VIEWED, mixed, key)
    await feed.send_raw(topics.DOWNLOAD_RECORDED, downloads, key)

    stats = await owner.wait_for(
        lambda s: s.get(link, {}).get("views") == 4 and s[link]["downloads"] == 1
    )

    assert stats[link]["downloads_by_type"] == {"audio": 1, "project": 0, "other": 0}
    dead_views = await _dead_letters(kafka_bootstrap, module_prefix + topics.SHARE_VIEWED, key, 2)
    dead_downloads = await _dead_letters(
        kafka_bootstrap, module_prefix + topics.DOWNLOAD_RECORDED, key, 1
    )
    assert [record.value for record in dead_views] == poison_views
    assert [json.loads(record.value)["file_type"] for record in dead_downloads] == ["video"]
    for record in dead_views + dead_downloads:
        headers = dict(record.headers)
        assert headers["x-dlq-error-type"] == b"ValidationError"
        assert headers["x-dlq-topic"] + b".dlq" == record.topic.encode()


async def _dead_letters(bootstrap: str, topic: str, key: bytes, expect: int) -> list[Any]:
    return await read_topic(
        bootstrap, topics.dlq(topic), expect=expect, timeout_s=20, match=lambda r: r.key == key
    )


async def test_ten_thousand_mixed_events_with_duplicates_give_exact_totals(owner, feed):
    links = [owner.created() for _ in range(8)]
    events = mixed_events(owner, [c.link_id for c in links], EVENTS_AT_SCALE, seed=6)
    sent = with_duplicates(events, seed=7)
    assert len(sent) >= EVENTS_AT_SCALE * 1.25
    await feed.send(links)

    started = time.monotonic()
    await feed.send(sent)
    await owner.wait_for(lambda s: counted(s) >= EVENTS_AT_SCALE, timeout_s=60)
    elapsed = time.monotonic() - started
    await asyncio.sleep(1.5)  # any duplicate counted late would show now

    stats = await owner.all_stats()
    expected = expected_stats(events)
    assert counted(stats) == EVENTS_AT_SCALE
    assert sorted(stats) == sorted(expected)
    for link_id, wanted in expected.items():
        assert_matches(stats[link_id], wanted)
    print(f"{len(sent)} records ({EVENTS_AT_SCALE} distinct) counted in {elapsed:.1f}s")  # noqa: T201


async def test_a_link_whose_counters_cannot_be_written_goes_to_the_dlq_alone(
    owner, feed, store, kafka_bootstrap, module_prefix
):
    broken, fine = owner.created(), owner.created()
    await feed.send([broken, fine])
    await owner.wait_for(lambda s: len(s) == 2)
    formats = store.keys(broken.link_id)[1]
    await store.redis.set(formats, "not a hash")  # damaged by hand

    lost = owner.download(broken.link_id)
    await feed.send([lost, owner.download(fine.link_id)], partition=0)  # one batch

    async def fine_counted() -> bool:
        return (await owner.stats(fine.link_id)).json()["downloads"] == 1

    await wait_until(fine_counted, timeout_s=30)
    (dead,) = await _dead_letters(
        kafka_bootstrap, module_prefix + topics.DOWNLOAD_RECORDED, broken.link_id.encode(), 1
    )
    assert json.loads(dead.value)["event_id"] == str(lost.event_id)
    assert dict(dead.headers)["x-dlq-error"].startswith(b"WRONGTYPE")
    counters = await store.redis.hgetall(store.keys(broken.link_id)[0])
    assert "downloads" not in counters  # nothing of the failed script was written
    await store.redis.delete(formats)
