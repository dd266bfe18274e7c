"""The control API: reset, files, accounts, members and the demo catalog."""

from collections.abc import Callable

import dropbox
import httpx
import pytest

pytestmark = pytest.mark.integration

DEMO = "producer@example.com"


def test_reset_forgets_everything_and_seeds_again(control: httpx.Client, email: str) -> None:
    put = control.put("/_emulator/files", params={"account": email, "path": "/a.wav"}, content=b"a")
    put.raise_for_status()
    control.post("/_emulator/faults", json={"route": "files/get_metadata", "status": 500})

    reset = control.post("/_emulator/reset").json()

    emails = [a["email"] for a in control.get("/_emulator/accounts").json()]
    assert reset["seeded_tracks"] == 12  # every version of the nine demo songs
    assert emails == [DEMO]
    assert control.get("/_emulator/faults").json() == []
    assert control.get("/_emulator/calls").json() == {}


def test_put_file_answers_with_dropbox_metadata(control: httpx.Client, email: str) -> None:
    answer = control.put(
        "/_emulator/files", params={"account": email, "path": "/Demo/Hook.WAV"}, content=b"12345"
    )

    metadata = answer.json()
    assert metadata[".tag"] == "file"
    assert (metadata["path_display"], metadata["size"]) == ("/Demo/Hook.WAV", 5)
    assert metadata["id"].startswith("id:")
    assert email in [a["email"] for a in control.get("/_emulator/accounts").json()]


def test_members_of_a_missing_path_is_404(control: httpx.Client) -> None:
    answer = control.get("/_emulator/members", params={"account": DEMO, "path": "/nope"})

    assert answer.status_code == 404


def test_unshared_folder_has_only_its_owner(control: httpx.Client) -> None:
    folder = "/Producer Dashboard/Glass Harbor"
    found = control.get("/_emulator/members", params={"account": DEMO, "path": folder}).json()

    assert found["shared_folder_id"] is None
    assert found["members"] == [{"email": DEMO, "access_level": "owner", "inherited": False}]


def test_catalog_lists_the_seeded_files(
    control: httpx.Client, sdk: Callable[[str], dropbox.Dropbox]
) -> None:
    catalog = control.get("/_emulator/catalog").json()
    dbx = sdk(DEMO)

    files = [f for track in catalog for f in track["files"]]
    assert {t["bucket"] for t in catalog} == {"EP 2026", "Singles", "Sync Pitches"}
    night_drive = [t for t in catalog if t["title"] == "Night Drive"]
    assert [(t["version"], t["latest"]) for t in night_drive] == [(1, False), (2, False), (3, True)]
    assert len(catalog) == 12
    assert {f["kind"] for f in files} == {"master", "mp3", "stems", "project"}
    for listed in files:
        assert dbx.files_get_metadata(listed["dropbox_path"]).size == listed["size"]


def test_faults_reject_nonsense(control: httpx.Client) -> None:
    answer = control.post("/_emulator/faults", json={"route": "x", "status": 200})

    assert answer.status_code == 422
