"""Creating share links (DESIGN §5) over HTTP: Dropbox gate, selection, files, expiry, 422s."""

import asyncio
import json
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from contracts.links import InternalLink
from service_kit.testing import problem_of

pytestmark = pytest.mark.integration

ALL_ROLES = ["bounce", "stem", "project", "other"]
ALL_TYPES = ["audio", "project", "other"]
MIB = 1024 * 1024


def _ids(link: dict[str, Any]) -> list[str]:
    return [track["track_id"] for track in link["tracks"]]


def _instant(value: str) -> datetime:
    instant = datetime.fromisoformat(value)
    assert instant.utcoffset() == timedelta(0), f"{value} is not UTC with an offset"
    return instant


async def test_unconnected_producer_gets_409_and_nothing_is_stored(make_producer):
    owner = make_producer()
    await owner.put_track("t-1", "Night Drive")

    answer = await owner.post_link({"tracks": ["t-1"]})

    assert problem_of(answer) == (409, "dropbox_not_connected")
    assert answer.json()["title"] == "Dropbox is not connected"
    assert await owner.link_ids() == []


async def test_disconnected_producer_gets_409_again_until_reconnected(producer):
    await producer.put_track("t-1", "Night Drive")
    first = await producer.create_link(tracks=["t-1"])

    await producer.disconnect_dropbox()
    refused = await producer.post_link({"tracks": ["t-1"]})

    assert problem_of(refused) == (409, "dropbox_not_connected")
    assert await producer.link_ids() == [first["id"]]
    await producer.connect_dropbox()
    assert (await producer.post_link({"tracks": ["t-1"]})).status_code == 201


async def test_single_track_link_has_the_contract_shape(producer):
    await producer.put_track("t-1", "Night Drive", artist="Mara Vale", version=3)

    answer = await producer.post_link(
        {"tracks": ["t-1"], "title": "For Label X", "message": "Mixes v3, feedback welcome"}
    )

    assert answer.status_code == 201, answer.text
    link = answer.json()
    assert link["id"].startswith("lnk_")
    assert re.fullmatch(r"[A-Za-z0-9_-]{22,}", link["token"])
    assert link["token"] not in link["id"]
    assert link["url"] == f"http://share.test/s/{link['token']}"
    assert (link["kind"], link["title"], link["message"]) == (
        "single",
        "For Label X",
        "Mixes v3, feedback welcome",
    )
    assert (link["include"], link["downloads"]) == (ALL_ROLES, ALL_TYPES)
    assert link["tracks"] == [
        {
            "track_id": "t-1",
            "title": "Night Drive",
            "artist": "Mara Vale",
            "version": 3,
            "files": [
                {
                    "file_id": "f-1",
                    "name": "Night Drive (Master).wav",
                    "role": "bounce",
                    "type": "audio",
                    "format": "wav",
                    "size": 48_213_342,
                },
                {
                    "file_id": "f-2",
                    "name": "Night Drive Stems.zip",
                    "role": "stem",
                    "type": "audio",
                    "format": "zip",
                    "size": 1_000,
                },
                {
                    "file_id": "f-3",
                    "name": "Night Drive.als",
                    "role": "project",
                    "type": "project",
                    "format": "als",
                    "size": 20_000,
                },
            ],
        }
    ]
    assert (link["status"], link["expires_at"], link["revoked_at"]) == ("active", None, None)
    assert abs(datetime.now().astimezone() - _instant(link["created_at"])) < timedelta(minutes=1)
    fetched = await producer.get_link(link["id"])
    assert fetched.status_code == 200
    assert fetched.json() == link


async def test_file_type_follows_the_role_and_format_the_extension(producer):
    names = [
        ("Mix.WAV", "bounce", "audio", "wav"),
        ("Stems.Zip", "stem", "audio", "zip"),
        ("Session.logicx", "project", "project", "logicx"),
        ("Liner notes.final.PDF", "other", "other", "pdf"),
        ("Reference.mp3", "other", "other", "mp3"),
    ]
    files = [
        {
            "file_id": f"f-{i}",
            "name": name,
            "role": role,
            "dropbox_path": f"/Producer Dashboard/Night Drive/{name}",
            "size": i,
        }
        for i, (name, role, _, _) in enumerate(names)
    ]
    await producer.put_track("t-1", "Night Drive", files=files)

    link = await producer.create_link(tracks=["t-1"])

    shown = [(f["name"], f["role"], f["type"], f["format"]) for f in link["tracks"][0]["files"]]
    assert shown == names
    assert all("dropbox_path" not in f for f in link["tracks"][0]["files"])


async def test_include_limits_the_files_and_downloads_are_kept(producer):
    await producer.put_track("t-1", "Night Drive")

    link = await producer.create_link(
        tracks=["t-1"], include=["project", "bounce"], downloads=["audio"]
    )
    preview_only = await producer.create_link(tracks=["t-1"], include=["bounce"], downloads=[])

    assert [f["file_id"] for f in link["tracks"][0]["files"]] == ["f-1", "f-3"]
    assert (sorted(link["include"]), link["downloads"]) == (["bounce", "project"], ["audio"])
    assert [f["role"] for f in preview_only["tracks"][0]["files"]] == ["bounce"]
    assert preview_only["downloads"] == []
    assert (await producer.get_link(preview_only["id"])).json()["downloads"] == []


async def test_include_that_leaves_a_track_without_files_is_422(producer):
    await producer.put_track("t-1", "Night Drive")
    bounce_only = [
        {
            "file_id": "f-1",
            "name": "A.wav",
            "role": "bounce",
            "dropbox_path": "/Producer Dashboard/Afterglow/A.wav",
        }
    ]
    await producer.put_track("t-2", "Afterglow", files=[{**bounce_only[0], "size": 1}])

    answer = await producer.post_link({"tracks": ["t-1", "t-2"], "include": ["stem"]})

    assert problem_of(answer) == (422, "invalid_selection")
    assert "t-2" in answer.json()["detail"]
    assert await producer.link_ids() == []


async def test_two_tracks_make_a_playlist(producer):
    await producer.put_track("t-1", "Night Drive")
    await producer.put_track("t-2", "Afterglow")

    link = await producer.create_link(tracks=["t-2", "t-1"])

    assert link["kind"] == "playlist"
    assert _ids(link) == ["t-2", "t-1"]
    assert (link["title"], link["message"]) == (None, None)


async def test_fifty_tracks_accepted_and_fiftyone_refused(producer):
    ids = [f"t-{i:02}" for i in range(51)]
    await asyncio.gather(*(producer.put_track(t, f"Song {t}", bucket="Big") for t in ids))

    fifty = await producer.post_link({"tracks": ids[:50]})
    fifty_one = await producer.post_link({"tracks": ids})
    whole_bucket = await producer.post_link({"buckets": ["Big"]})

    assert fifty.status_code == 201, fifty.text
    assert (fifty.json()["kind"], _ids(fifty.json())) == ("playlist", ids[:50])
    for refused in (fifty_one, whole_bucket):
        assert problem_of(refused) == (422, "invalid_selection")
        assert "50" in refused.json()["detail"]
    assert await producer.link_ids() == [fifty.json()["id"]]


async def test_versions_beyond_fifty_collapse_before_the_limit(producer):
    ids = [f"t-{i:02}" for i in range(50)]
    await asyncio.gather(*(producer.put_track(t, f"Song {t}") for t in ids))
    await producer.put_track("t-49-v2", "Song t-49 (v2)", group_id="g-49", version=2)
    await producer.put_track("t-49", "Song t-49", group_id="g-49", version=1)

    link = await producer.create_link(tracks=[*ids, "t-49-v2"])

    assert len(link["tracks"]) == 50
    assert link["tracks"][-1]["track_id"] == "t-49-v2"


async def test_bucket_and_explicit_mix_deduplicated_in_order(producer):
    await producer.put_track("t-10", "Zephyr", bucket="EP 2026")
    await producer.put_track("t-11", "Afterglow", bucket="EP 2026")
    await producer.put_track("t-12", "Midnight", bucket="EP 2026")
    await producer.put_track("t-20", "Cascade", bucket="Singles")
    await producer.put_track("t-21", "Blue Hour", bucket="Singles")
    await producer.put_track("t-30", "Outro")

    link = await producer.create_link(
        tracks=["t-30", "t-12", "t-30"], buckets=["EP 2026", "Singles", "EP 2026"]
    )

    assert _ids(link) == ["t-30", "t-12", "t-11", "t-10", "t-21", "t-20"]
    assert link["kind"] == "playlist"


async def test_versions_of_one_group_collapse_to_the_latest(producer):
    await producer.put_track("t-a", "Afterglow", bucket="EP 2026")
    await producer.put_track("t-nd1", "Night Drive (Demo)", bucket="EP 2026", group_id="g-nd")
    await producer.put_track("t-nd2", "Night Drive (Rough)", group_id="g-nd", version=2)
    await producer.put_track("t-nd3", "Night Drive", bucket="EP 2026", group_id="g-nd", version=3)

    from_bucket = await producer.create_link(buckets=["EP 2026"])
    old_versions = await producer.create_link(tracks=["t-nd1", "t-nd2"])

    assert _ids(from_bucket) == ["t-a", "t-nd3"]
    assert (old_versions["kind"], _ids(old_versions)) == ("single", ["t-nd3"])
    assert (old_versions["tracks"][0]["title"], old_versions["tracks"][0]["version"]) == (
        "Night Drive",
        3,
    )


async def test_new_version_appears_on_an_old_link(producer, gateway):
    await producer.put_track("t-v1", "Night Drive (Demo)", group_id="g-nd", version=1)
    await producer.put_track("t-x", "Afterglow")
    link = await producer.create_link(tracks=["t-v1", "t-x"], include=["bounce"])
    assert _ids(link) == ["t-v1", "t-x"]

    path = "/Producer Dashboard/Night Drive/ND Final.flac"
    final = [{"file_id": "f-9", "name": "ND Final.flac", "role": "bounce", "dropbox_path": path}]
    await producer.put_track(
        "t-v2", "Night Drive", group_id="g-nd", version=2, files=[{**final[0], "size": 7}]
    )

    shown = (await producer.get_link(link["id"])).json()
    assert _ids(shown) == ["t-v2", "t-x"]
    assert shown["tracks"][0] == {
        "track_id": "t-v2",
        "title": "Night Drive",
        "artist": "Mara Vale",
        "version": 2,
        "files": [
            {
                "file_id": "f-9",
                "name": "ND Final.flac",
                "role": "bounce",
                "type": "audio",
                "format": "flac",
                "size": 7,
            }
        ],
    }
    internal = (await gateway(link["token"])).json()
    assert _ids(internal) == ["t-v2", "t-x"]
    assert internal["tracks"][0]["files"][0]["dropbox_path"] == path


async def test_a_listing_shows_each_link_with_its_own_tracks_at_their_latest_versions(producer):
    await producer.put_track("t-v1", "Night Drive (Demo)", group_id="g-nd", version=1)
    await producer.put_track("t-x", "Afterglow")
    await producer.put_track("t-y", "Zephyr")
    single = await producer.create_link(tracks=["t-v1"])
    playlist = await producer.create_link(tracks=["t-y", "t-v1", "t-x"])
    gone = await producer.create_link(tracks=["t-x"])
    await producer.put_track("t-v2", "Night Drive", group_id="g-nd", version=2)
    assert (await producer.delete_track("t-x")).status_code == 204

    listed = {item["id"]: _ids(item) for item in (await producer.list_links()).json()["items"]}

    # The page's tracks are read in one go and dealt back to their links in order.
    assert listed == {
        single["id"]: ["t-v2"],
        playlist["id"]: ["t-y", "t-v2"],
        gone["id"]: [],
    }
    assert _ids(single) == ["t-v1"], "creation answered with the versions it stored"


async def test_latest_means_highest_version_not_last_uploaded(producer):
    await producer.put_track("t-v1", "Night Drive v1", group_id="g-nd", version=1)
    await producer.put_track("t-v3", "Night Drive v3", group_id="g-nd", version=3)
    link = await producer.create_link(tracks=["t-v1"])

    await producer.put_track("t-v2", "Night Drive v2", group_id="g-nd", version=2)

    assert _ids((await producer.get_link(link["id"])).json()) == ["t-v3"]


async def test_deleted_latest_version_falls_back(producer, gateway):
    await producer.put_track("t-v1", "Night Drive (Demo)", group_id="g-nd", version=1)
    link = await producer.create_link(tracks=["t-v1"])
    await producer.put_track("t-v2", "Night Drive", group_id="g-nd", version=2)
    assert _ids((await producer.get_link(link["id"])).json()) == ["t-v2"]

    assert (await producer.delete_track("t-v2")).status_code == 204

    shown = (await producer.get_link(link["id"])).json()
    assert _ids(shown) == ["t-v1"]
    assert (shown["tracks"][0]["title"], shown["tracks"][0]["version"]) == ("Night Drive (Demo)", 1)
    assert _ids((await gateway(link["token"])).json()) == ["t-v1"]


@pytest.mark.parametrize("days", [1, 14, 3650])
async def test_expiry_is_creation_plus_the_days_exactly(producer, gateway, days):
    await producer.put_track("t-1", "Night Drive")

    link = await producer.create_link(tracks=["t-1"], expires_in_days=days)

    created, expires = _instant(link["created_at"]), _instant(link["expires_at"])
    assert expires - created == timedelta(days=days)
    assert link["status"] == "active"
    fetched = (await producer.get_link(link["id"])).json()
    assert _instant(fetched["expires_at"]) == expires
    seen = InternalLink.model_validate((await gateway(link["token"])).json())
    assert seen.expires_at == expires and seen.status(created) == "active"


async def test_link_without_expiry_never_expires(producer):
    await producer.put_track("t-1", "Night Drive")

    absent = await producer.create_link(tracks=["t-1"])
    null = await producer.create_link(tracks=["t-1"], expires_in_days=None)

    assert absent["expires_at"] is None and null["expires_at"] is None


async def test_every_link_gets_its_own_token_and_id(producer):
    await producer.put_track("t-1", "Night Drive")

    links = [await producer.create_link(tracks=["t-1"]) for _ in range(5)]

    assert len({link["id"] for link in links}) == 5
    assert len({link["token"] for link in links}) == 5
    assert all(link["url"] == f"http://share.test/s/{link['token']}" for link in links)


BAD_REQUESTS = {
    "empty selection": {},
    "empty lists": {"tracks": [], "buckets": []},
    "unknown role": {"tracks": ["t-1"], "include": ["bounce", "vocals"]},
    "unknown download type": {"tracks": ["t-1"], "downloads": ["video"]},
    "zero days": {"tracks": ["t-1"], "expires_in_days": 0},
    "3651 days": {"tracks": ["t-1"], "expires_in_days": 3651},
    "fractional days": {"tracks": ["t-1"], "expires_in_days": 1.5},
    "days as text": {"tracks": ["t-1"], "expires_in_days": "14"},
    "tracks not a list": {"tracks": "t-1"},
    "include not a list": {"tracks": ["t-1"], "include": "bounce"},
    "track id not a string": {"tracks": [1]},
    "title not a string": {"tracks": ["t-1"], "title": {"text": "x"}},
    "body a list": ["t-1"],
    "body null": None,
}


@pytest.mark.parametrize("body", BAD_REQUESTS.values(), ids=BAD_REQUESTS.keys())
async def test_bad_link_request_is_422_and_stores_nothing(producer, body):
    await producer.put_track("t-1", "Night Drive", bucket="EP 2026")

    answer = await producer.http.post(
        "/v1/links",
        content=json.dumps(body),
        headers={**producer.headers, "Content-Type": "application/json"},
    )

    assert problem_of(answer) in {(422, "validation_failed"), (422, "invalid_selection")}
    assert await producer.link_ids() == []


async def test_unknown_tracks_and_buckets_are_named(producer):
    await producer.put_track("t-1", "Night Drive", bucket="EP 2026")

    tracks = await producer.post_link({"tracks": ["t-1", "t-gone", "t-lost"]})
    buckets = await producer.post_link({"tracks": ["t-1"], "buckets": ["EP 2026", "LP 2030"]})

    assert problem_of(tracks) == problem_of(buckets) == (422, "invalid_selection")
    assert "t-gone" in tracks.json()["detail"] and "t-lost" in tracks.json()["detail"]
    assert "LP 2030" in buckets.json()["detail"]
    assert await producer.link_ids() == []


async def test_other_owners_tracks_cannot_be_shared(producer, make_producer):
    other = make_producer()
    await other.put_track("t-theirs", "Their Song", bucket="Their EP")

    by_id = await producer.post_link({"tracks": ["t-theirs"]})
    by_bucket = await producer.post_link({"buckets": ["Their EP"]})

    assert (by_id.status_code, by_bucket.status_code) == (422, 422)
    assert await producer.link_ids() == []


async def _chunks(data: bytes, size: int = 64 * 1024):
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.mark.parametrize("sent", ["with_content_length", "chunked"])
async def test_body_over_one_mebibyte_is_422_and_stores_nothing(producer, sent):
    await producer.put_track("t-1", "Night Drive")
    # Valid JSON, valid request: only its size is wrong.
    body = (json.dumps({"tracks": ["t-1"]}) + " " * MIB).encode()

    answer = await producer.http.post(
        "/v1/links",
        content=body if sent == "with_content_length" else _chunks(body),
        headers={**producer.headers, "Content-Type": "application/json"},
    )

    assert problem_of(answer) == (422, "body_too_large"), answer.text[:500]
    assert await producer.link_ids() == []


async def test_links_need_a_valid_producer_token(http):
    forged = {"Authorization": "Bearer not-a-jwt"}
    assert (await http.post("/v1/links", json={"tracks": ["t-1"]})).status_code == 401
    assert (await http.post("/v1/links", json={}, headers=forged)).status_code == 401
    assert (await http.get("/v1/links", headers=forged)).status_code == 401
