"""The catalog keeps every track inside its Dropbox folder (DESIGN §4): paths normalised,
compared as Dropbox does (case-insensitively), and a file outside the track's folder is 422
naming the field, with nothing stored."""

from typing import Any

import pytest
from service_kit.testing import problem_of

pytestmark = pytest.mark.integration

FOLDER = "/Producer Dashboard/Night Drive"


def _with_path(path: str) -> Any:
    def spoil(body: dict[str, Any]) -> str:
        body["files"][0]["dropbox_path"] = path
        return "dropbox_path"

    spoil.__name__ = f"path {path!r}"
    return spoil


def _with_folder(folder: str) -> Any:
    def spoil(body: dict[str, Any]) -> str:
        body["dropbox_folder"] = folder
        return "dropbox_folder"

    spoil.__name__ = f"folder {folder!r}"
    return spoil


OUTSIDE = [
    _with_path("/"),
    _with_path("/Private/x"),
    _with_path("/Producer Dashboard/Night Drive Stems/x.wav"),  # a sibling sharing the prefix
    _with_path(FOLDER),  # the folder itself is no file in it
    _with_path(f"{FOLDER}/../../Private/x"),
    _with_path(f"{FOLDER}/./x.wav"),
    _with_path(f"{FOLDER}//x.wav"),
    _with_path(f"{FOLDER}/x.wav/"),
    _with_path(f"{FOLDER}/x\x00.wav"),
    _with_path(f"{FOLDER}/x\n.wav"),
    _with_path("Producer Dashboard/Night Drive/x.wav"),
    _with_folder("/"),
    _with_folder("/Producer Dashboard/.."),
    _with_folder("/Producer Dashboard/./Night Drive"),
    _with_folder("//Producer Dashboard/Night Drive"),
    _with_folder("/Producer Dashboard/Night Drive/"),
    _with_folder("/Producer Dashboard/Night\x7fDrive"),
    _with_folder("Producer Dashboard/Night Drive"),
]


@pytest.mark.parametrize("spoil", OUTSIDE, ids=lambda spoil: spoil.__name__)
async def test_path_outside_the_folder_or_not_normal_is_422_and_stores_nothing(
    make_producer, spoil
):
    owner = make_producer()
    body = owner.track_body("Night Drive")
    field = spoil(body)

    answer = await owner.put_raw("t-1", body)

    assert problem_of(answer) == (422, "validation_failed"), answer.text
    assert field in answer.json()["detail"], answer.text
    assert any(field in str(issue) for issue in answer.json()["errors"]), answer.text
    assert (await owner.get_track("t-1")).status_code == 404
    assert (await owner.list_tracks()).json()["items"] == []


async def test_replacement_outside_the_folder_keeps_the_stored_track(make_producer):
    owner = make_producer()
    stored = await owner.put_track("t-1", "Night Drive")
    body = owner.track_body("Night Drive")
    body["files"][0]["dropbox_path"] = "/Private/x"

    assert (await owner.put_raw("t-1", body)).status_code == 422
    assert (await owner.get_track("t-1")).json() == stored


async def test_paths_inside_the_folder_compare_case_insensitively(make_producer):
    owner = make_producer()
    body = owner.track_body("Night Drive")
    body["files"][0]["dropbox_path"] = "/producer dashboard/NIGHT DRIVE/Mixes/master.wav"

    answer = await owner.put_raw("t-1", body)

    assert answer.status_code == 200, answer.text
    assert answer.json()["files"][0]["dropbox_path"] == body["files"][0]["dropbox_path"]
