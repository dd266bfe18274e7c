"""The service in-process on the real test Redis: views and downloads counted once, by type,
format, track, song and UTC day; ownership from link-service only; dead letters one by one;
the stats API's contract (DESIGN §10). The consumers are driven through TestKafkaBroker, so
each `send` returns once its handlers ran: no waiting."""

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from contracts import topics
from service_kit.testing import problem_of

from .conftest import (
    InProcess,
    assert_matches,
    counted,
    expected_stats,
    mixed_events,
    with_duplicates,
)

pytestmark = pytest.mark.integration

EVENTS_AT_SCALE = 10_000


@pytest.fixture
def http(service: InProcess) -> httpx.AsyncClient:
    """In this module the owners read the in-process service's routes."""
    return service.http


@pytest.fixture
def feed(service: InProcess) -> InProcess:
    """In this module events go to the in-process service's consumers."""
    return service


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_created_link_without_events_has_zero_stats_in_the_contract_shape(owner, feed):
    created = owner.created()
    await feed.send([created])

    stats = await owner.all_stats()

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
        "plays": 0,
        "listens": 0,
        "completions": 0,
        "plays_by_track": {},
        "listens_by_track": {},
        "by_country": {},
        "by_device": {},
        "by_recipient": [
            {
                "recipient_id": None,
                "name": None,
                "email": None,
                "views": 0,
                "unique_visitors": 0,
                "plays": 0,
                "listens": 0,
                "downloads": 0,
                "downloads_by_track": {},
                "first_opened_at": None,
                "last_seen_at": None,
            }
        ],
        "daily": [],
    }
    single = await owner.stats(created.link_id)
    assert single.status_code == 200
    assert single.json() == stats[created.link_id]


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

    stats = await owner.all_stats()

    assert stats[link]["downloads_by_song"] == [
        {"song": "grp-night-drive", "title": "Night Drive", "downloads": 3},
        {"song": "t-old", "title": None, "downloads": 1},
        {"song": "t-solo", "title": "Glass Harbor", "downloads": 1},
    ]
    assert stats[link]["downloads_by_track"] == {"t-nd-3": 2, "t-nd-2": 1, "t-old": 1, "t-solo": 1}


async def test_another_owners_link_is_404_like_an_unknown_link(owner, make_owner, feed):
    created = owner.created()
    await feed.send([created, owner.view(created.link_id)])
    assert (await owner.stats(created.link_id)).json()["views"] == 1

    stranger = make_owner()
    theirs = await stranger.stats(created.link_id)
    unknown = await stranger.stats("lnk_" + "0" * 24)

    assert (theirs.status_code, unknown.status_code) == (404, 404)
    assert problem_of(theirs) == problem_of(unknown) == (404, "link_not_found")
    assert theirs.json() == unknown.json(), "another owner's link reveals nothing"
    assert (await stranger.page()).json() == {"items": [], "next_cursor": None}


async def test_malformed_link_ids_and_cursors_are_422_with_a_reason(owner):
    for link_id in ("lnk_x", "x:results", "lnk_" + "0" * 23 + "Z"):
        answer = await owner.stats(link_id)
        assert answer.status_code == 422, link_id
    forged = base64.urlsafe_b64encode(json.dumps([True, "x"]).encode()).decode()
    answer = await owner.page(cursor=forged)
    assert answer.status_code == 422
    assert "cursor" in answer.text


async def test_stats_need_a_valid_bearer_token(http):
    missing = await http.get("/v1/stats/links")
    forged = await http.get("/v1/stats/links/lnk_x", headers={"Authorization": "Bearer nope"})
    assert (missing.status_code, forged.status_code) == (401, 401)


async def test_list_shows_only_the_callers_links_newest_first_a_page_at_a_time(
    owner, make_owner, feed
):
    start = datetime(2026, 11, 20, tzinfo=UTC)
    mine = [owner.created(occurred_at=start + timedelta(seconds=i)) for i in range(5)]
    other = make_owner()
    await feed.send([*mine, other.created()])

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
    theirs = await other.all_stats()
    assert len(theirs) == 1 and set(theirs).isdisjoint(newest_first)


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 201}, {"cursor": "bm9wZQ=="}, {"cursor": "%%%"}]
)
async def test_bad_page_parameters_are_422_with_a_reason(owner, params):
    answer = await owner.page(**params)
    assert problem_of(answer) == (422, "validation_failed")
    assert answer.json()["errors"][0]["loc"][:2] == ["query", next(iter(params))]


async def test_view_before_share_created_is_counted_at_once_and_shown_once_the_link_is_known(
    owner, feed
):
    store = feed.context.analytics.store
    created = owner.created()
    early = [owner.view(created.link_id, f"v-{i}") for i in range(3)]
    await feed.send(early)

    (raw,) = await store.stats([created.link_id])
    assert raw.counters.get("views") == "3"
    assert (await owner.stats(created.link_id)).status_code == 404  # whose it is, unknown yet

    await feed.send([created, *early])  # redelivered: still counted once
    assert (await owner.all_stats())[created.link_id]["views"] == 3
    assert (await owner.stats(created.link_id)).json()["views"] == 3


async def test_share_revoked_alone_also_tells_whose_link_it_is(owner, feed):
    link = f"lnk_{uuid4().hex[:24]}"
    revoked = owner.revoked(link)
    await feed.send([owner.view(link), revoked])

    stats = await owner.all_stats()

    assert list(stats) == [link] and stats[link]["views"] == 1
    counters = await feed.context.analytics.store.redis.hgetall(
        feed.context.analytics.store.keys(link)[0]
    )
    assert counters["revoked_at"] == revoked.revoked_at.isoformat()


async def test_share_created_naming_another_owner_does_not_take_a_link_over(
    owner, make_owner, feed
):
    created = owner.created()
    await feed.send([created])
    thief = make_owner()
    control = thief.created()

    await feed.send([thief.created(created.link_id), control])

    assert (await thief.stats(created.link_id)).status_code == 404
    assert list(await thief.all_stats()) == [control.link_id]
    assert (await owner.stats(created.link_id)).status_code == 200


async def test_poison_messages_go_to_the_dlq_one_by_one_and_counting_carries_on(owner, feed):
    link = owner.created().link_id
    poison_views = [b"{not json", json.dumps({"link_id": link}).encode()]
    bad_download = owner.download(link).model_dump(mode="json") | {"file_type": "video"}
    views = [owner.view(link).model_dump_json().encode() for _ in range(4)]
    downloads = [json.dumps(bad_download).encode(), owner.download(link).model_dump_json().encode()]
    await feed.send([owner.created(link)])
    # Poison between good records of one batch.
    mixed = [views[0], poison_views[0], views[1], poison_views[1], views[2], views[3]]
    await feed.send_raw(topics.SHARE_VIEWED, mixed)
    await feed.send_raw(topics.DOWNLOAD_RECORDED, downloads)

    stats = await owner.all_stats()

    assert (stats[link]["views"], stats[link]["downloads"]) == (4, 1)
    assert stats[link]["downloads_by_type"] == {"audio": 1, "project": 0, "other": 0}
    dead_views = feed.dead[topics.SHARE_VIEWED]
    dead_downloads = feed.dead[topics.DOWNLOAD_RECORDED]
    assert [record.value for record in dead_views] == poison_views
    assert [json.loads(record.value)["file_type"] for record in dead_downloads] == ["video"]
    for record in dead_views + dead_downloads:
        assert record.headers["x-dlq-error-type"] == "ValidationError"
        assert record.headers["x-dlq-topic"] + ".dlq" == record.topic


async def test_ten_thousand_mixed_events_with_duplicates_give_exact_totals(owner, feed):
    links = [owner.created() for _ in range(8)]
    events = mixed_events(owner, [c.link_id for c in links], EVENTS_AT_SCALE, seed=6)
    sent = with_duplicates(events, seed=7)
    assert len(sent) >= EVENTS_AT_SCALE * 1.25
    await feed.send(links)

    # Batches as the consumer reads them: duplicates within a batch and across batches.
    await feed.send_batches(sent, size=feed.context.batch_size // 4)

    stats = await owner.all_stats()
    expected = expected_stats(events)
    assert counted(stats) == EVENTS_AT_SCALE
    assert sorted(stats) == sorted(expected)
    for link_id, wanted in expected.items():
        assert_matches(stats[link_id], wanted)


async def test_a_link_whose_counters_cannot_be_written_goes_to_the_dlq_alone(owner, feed):
    store = feed.context.analytics.store
    broken, fine = owner.created(), owner.created()
    await feed.send([broken, fine])
    formats = store.keys(broken.link_id)[1]
    await store.redis.set(formats, "not a hash")  # damaged by hand
    lost = owner.download(broken.link_id)

    await feed.send_batches([lost, owner.download(fine.link_id)], size=2)  # one batch

    assert (await owner.stats(fine.link_id)).json()["downloads"] == 1
    (dead,) = feed.dead[topics.DOWNLOAD_RECORDED]
    assert json.loads(dead.value)["event_id"] == str(lost.event_id)
    assert dead.headers["x-dlq-error"].startswith("WRONGTYPE")
    counters = await store.redis.hgetall(store.keys(broken.link_id)[0])
    assert "downloads" not in counters  # nothing of the failed script was written
