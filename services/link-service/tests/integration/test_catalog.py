"""The catalog API (DESIGN §4) over HTTP, stored in real Redis, owner-scoped and validated."""

import base64
from typing import Any

import httpx
import pytest
from service_kit.testing import problem_of

pytestmark = pytest.mark.integration


def _titles(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [item["title"] for item in answer.json()["items"]]


async def test_put_track_answers_and_stores_the_track(make_producer):
    owner = make_producer()
    body = owner.track_body("Night Drive", bucket="EP 2026", group_id="grp-night-drive", version=3)

    answer = await owner.put_raw("t-1", body)

    assert answer.status_code == 200, answer.text
    assert answer.json() == {**body, "track_id": "t-1"}
    fetched = await owner.get_track("t-1")
    assert fetched.status_code == 200
    assert fetched.json() == {**body, "track_id": "t-1"}


async def test_put_replaces_the_track_and_moves_it_between_buckets(make_producer):
    owner = make_producer()
    await owner.put_track("t-1", "Night Drive", bucket="EP 2026")
    replaced = await owner.put_track("t-1", "Night Drive (Radio Edit)", bucket="Singles")

    assert (await owner.get_track("t-1")).json() == replaced
    assert _titles(await owner.list_tracks()) == ["Night Drive (Radio Edit)"]
    assert _titles(await owner.list_tracks(bucket="EP 2026")) == []
    assert _titles(await owner.list_tracks(bucket="Singles")) == ["Night Drive (Radio Edit)"]


async def test_list_is_sorted_by_title_and_filters_by_bucket(make_producer):
    owner = make_producer()
    await owner.put_track("t-1", "Zephyr", bucket="EP 2026")
    await owner.put_track("t-2", "Afterglow", bucket="Singles")
    await owner.put_track("t-3", "Midnight", bucket="EP 2026")
    await owner.put_track("t-4", "Blue Hour")

    everything = await owner.list_tracks()

    assert _titles(everything) == ["Afterglow", "Blue Hour", "Midnight", "Zephyr"]
    assert everything.json()["next_cursor"] is None
    assert {item["track_id"] for item in everything.json()["items"]} == {"t-1", "t-2", "t-3", "t-4"}
    assert _titles(await owner.list_tracks(bucket="EP 2026")) == ["Midnight", "Zephyr"]
    assert _titles(await owner.list_tracks(bucket="No Such Bucket")) == []


async def test_list_pages_by_title_with_limit_and_cursor(make_producer):
    owner = make_producer()
    titles = [f"Track {n:02d}" for n in range(7)] + ["Track 03"]  # a repeated title too
    for n, title in enumerate(titles):
        await owner.put_track(f"t-{n}", title, bucket="EP" if n % 2 else "Singles")

    pages: list[list[str]] = []
    params: dict[str, str] = {"limit": "3"}
    while True:
        answer = await owner.list_tracks(**params)
        pages.append([item["track_id"] for item in answer.json()["items"]])
        if not (cursor := answer.json()["next_cursor"]):
            break
        params["cursor"] = cursor

    assert pages == [["t-0", "t-1", "t-2"], ["t-3", "t-7", "t-4"], ["t-5", "t-6"]]
    in_bucket = await owner.list_tracks(bucket="EP", limit="2")
    assert [item["track_id"] for item in in_bucket.json()["items"]] == ["t-1", "t-3"]
    rest = await owner.list_tracks(bucket="EP", cursor=in_bucket.json()["next_cursor"])
    assert [item["track_id"] for item in rest.json()["items"]] == ["t-7", "t-5"]


async def test_list_refuses_a_forged_cursor_and_a_limit_out_of_range(make_producer):
    owner = make_producer()
    forged = base64.urlsafe_b64encode(b'[true, "x"]').decode()
    for params in ({"cursor": forged}, {"cursor": "nope"}, {"limit": "0"}, {"limit": "201"}):
        answer = await owner.list_tracks(**params)
        assert answer.status_code == 422, params


async def test_deleted_track_is_gone(make_producer):
    owner = make_producer()
    await owner.put_track("t-1", "Night Drive", bucket="EP 2026")
    await owner.put_track("t-2", "Afterglow", bucket="EP 2026")

    deleted = await owner.delete_track("t-1")

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert (await owner.get_track("t-1")).status_code == 404
    assert _titles(await owner.list_tracks()) == ["Afterglow"]
    assert _titles(await owner.list_tracks(bucket="EP 2026")) == ["Afterglow"]


async def test_unknown_track_is_404(make_producer):
    owner = make_producer()
    assert (await owner.get_track("t-never")).status_code == 404
    assert (await owner.delete_track("t-never")).status_code == 404


async def test_other_owner_gets_404_and_has_a_catalog_of_their_own(make_producer):
    owner, other = make_producer(), make_producer()
    mine = await owner.put_track("t-1", "Night Drive", bucket="EP 2026")

    assert (await other.get_track("t-1")).status_code == 404
    assert (await other.delete_track("t-1")).status_code == 404
    assert _titles(await other.list_tracks()) == []
    assert _titles(await other.list_tracks(bucket="EP 2026")) == []

    await other.put_track("t-1", "Something Else", bucket="EP 2026")
    assert (await owner.get_track("t-1")).json() == mine
    assert _titles(await owner.list_tracks(bucket="EP 2026")) == ["Night Drive"]


def _without_title(body: dict[str, Any]) -> None:
    del body["title"]


def _unknown_role(body: dict[str, Any]) -> None:
    body["files"][0]["role"] = "vocals"


def _duplicate_file_id(body: dict[str, Any]) -> None:
    body["files"][1]["file_id"] = body["files"][0]["file_id"]


def _negative_size(body: dict[str, Any]) -> None:
    body["files"][0]["size"] = -1


def _invalid_email(body: dict[str, Any]) -> None:
    body["collaborators"][0]["email"] = "ana-at-example.com"


def _relative_dropbox_path(body: dict[str, Any]) -> None:
    body["files"][0]["dropbox_path"] = "Producer Dashboard/Night Drive/master.wav"


def _hundred_and_one_files(body: dict[str, Any]) -> None:
    template = body["files"][0]
    body["files"] = [
        {
            **template,
            "file_id": f"f-{i}",
            "dropbox_path": f"/Producer Dashboard/Night Drive/{i}.wav",
        }
        for i in range(101)
    ]


def _wrong_json_type(body: dict[str, Any]) -> None:
    body["files"] = {"file_id": "f-1"}


@pytest.mark.parametrize(
    "spoil",
    [
        _without_title,
        _unknown_role,
        _duplicate_file_id,
        _negative_size,
        _invalid_email,
        _relative_dropbox_path,
        _hundred_and_one_files,
        _wrong_json_type,
    ],
)
async def test_invalid_track_is_422_and_stores_nothing(make_producer, spoil):
    owner = make_producer()
    body = owner.track_body("Night Drive", bucket="EP 2026")
    spoil(body)

    answer = await owner.put_raw("t-1", body)

    assert problem_of(answer) == (422, "validation_failed")
    assert answer.json()["errors"], "a 422 says why"
    assert (await owner.get_track("t-1")).status_code == 404
    assert _titles(await owner.list_tracks()) == []


async def test_invalid_replacement_keeps_the_stored_track(make_producer):
    owner = make_producer()
    stored = await owner.put_track("t-1", "Night Drive")
    body = owner.track_body("Renamed")
    _unknown_role(body)

    assert (await owner.put_raw("t-1", body)).status_code == 422
    assert (await owner.get_track("t-1")).json() == stored


async def test_hundred_files_are_accepted(make_producer):
    owner = make_producer()
    body = owner.track_body("Night Drive")
    _hundred_and_one_files(body)
    body["files"].pop()

    answer = await owner.put_raw("t-1", body)

    assert answer.status_code == 200, answer.text
    assert len((await owner.get_track("t-1")).json()["files"]) == 100


async def test_catalog_needs_a_valid_producer_token(http):
    assert (await http.get("/v1/catalog/tracks")).status_code == 401
    forged = {"Authorization": "Bearer not-a-jwt"}
    assert (await http.get("/v1/catalog/tracks", headers=forged)).status_code == 401
    answer = await http.put("/v1/catalog/tracks/t-1", json={}, headers=forged)
    assert answer.status_code == 401
