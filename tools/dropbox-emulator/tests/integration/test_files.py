"""Files routes and temporary links, driven by the real SDK."""

import gzip
import io
import os
import wave
import zipfile
from collections.abc import Callable
from typing import Any

import dropbox
import httpx
import pytest
from dropbox.exceptions import ApiError, BadInputError

pytestmark = pytest.mark.integration

DEMO = "producer@example.com"
NIGHT_DRIVE = "/Producer Dashboard/Night Drive"
Sdk = Callable[[str], dropbox.Dropbox]


def put(control: httpx.Client, email: str, path: str, data: bytes) -> dict[str, Any]:
    """Put a file into an account's Dropbox through the control API."""
    answer = control.put("/_emulator/files", params={"account": email, "path": path}, content=data)
    answer.raise_for_status()
    metadata: dict[str, Any] = answer.json()
    return metadata


def download(dbx: dropbox.Dropbox, sdk_session: Any, path: str) -> bytes:
    """A file's bytes, fetched through a temporary link."""
    answer = sdk_session.get(dbx.files_get_temporary_link(path).link)
    assert answer.status_code == 200
    data: bytes = answer.content
    return data


def test_demo_seed_has_the_producers_tracks(sdk: Sdk) -> None:
    dbx = sdk(DEMO)

    names = {entry.name for entry in dbx.files_list_folder(NIGHT_DRIVE).entries}
    tracks = {entry.name for entry in dbx.files_list_folder("/Producer Dashboard").entries}

    assert dbx.users_get_current_account().name.display_name == "Mara Vale"
    assert names == {
        "Night Drive (Master).wav",
        "Night Drive.mp3",
        "Night Drive Stems.zip",
        "Night Drive.als",
        "Versions",  # v1 and v2, before this master
    }
    assert {"Night Drive", "Neon Rain", "Glass Harbor"} <= tracks


def test_demo_audio_and_project_files_are_real(sdk: Sdk, sdk_session: Any) -> None:
    dbx = sdk(DEMO)

    master = download(dbx, sdk_session, f"{NIGHT_DRIVE}/Night Drive (Master).wav")
    stems = download(dbx, sdk_session, f"{NIGHT_DRIVE}/Night Drive Stems.zip")
    mp3 = download(dbx, sdk_session, "/Producer Dashboard/Neon Rain/Neon Rain.mp3")
    als = download(dbx, sdk_session, f"{NIGHT_DRIVE}/Night Drive.als")

    with wave.open(io.BytesIO(master)) as audio:
        assert (audio.getframerate(), audio.getsampwidth()) == (44100, 2)
        assert audio.getnframes() / audio.getframerate() >= 3
    with zipfile.ZipFile(io.BytesIO(stems)) as archive:
        assert len([n for n in archive.namelist() if n.endswith(".wav")]) == 3
    assert mp3[:2] == b"\xff\xfb" or mp3[:3] == b"ID3"
    assert b"<Ableton" in gzip.decompress(als)


def test_temporary_link_serves_the_exact_bytes(
    sdk: Sdk, email: str, control: httpx.Client, sdk_session: Any
) -> None:
    data = os.urandom(5000)
    put(control, email, "/Mixes/Take 1.mp3", data)
    dbx = sdk(email)

    result = dbx.files_get_temporary_link("/mixes/TAKE 1.mp3")
    whole = sdk_session.get(result.link)
    part = sdk_session.get(result.link, headers={"Range": "bytes=10-19"})

    assert result.metadata.path_display == "/Mixes/Take 1.mp3"
    assert result.metadata.size == len(data)
    assert result.link.startswith("https://localhost:")
    assert whole.content == data
    assert whole.headers["content-type"] == "audio/mpeg"
    assert (part.status_code, part.content) == (206, data[10:20])


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("a.wav", "audio/wav"),
        ("a.MP3", "audio/mpeg"),
        ("a.zip", "application/zip"),
        ("a.als", "application/octet-stream"),
    ],
)
def test_temporary_link_content_type_follows_the_extension(
    sdk: Sdk, email: str, control: httpx.Client, sdk_session: Any, name: str, content_type: str
) -> None:
    put(control, email, f"/{name}", b"bytes")

    answer = sdk_session.get(sdk(email).files_get_temporary_link(f"/{name}").link)

    assert answer.headers["content-type"] == content_type


def test_temporary_link_is_gone_after_four_hours(
    sdk: Sdk, email: str, control: httpx.Client, sdk_session: Any, clock: Callable[[float], None]
) -> None:
    put(control, email, "/old.wav", b"RIFF")
    link = sdk(email).files_get_temporary_link("/old.wav").link
    clock(4 * 3600 - 60)
    fresh = sdk_session.get(link)

    clock(61)

    assert fresh.status_code == 200
    assert sdk_session.get(link).status_code == 410


@pytest.mark.parametrize("call", ["files_get_metadata", "files_get_temporary_link"])
def test_missing_path_is_an_api_error_about_the_path(sdk: Sdk, email: str, call: str) -> None:
    with pytest.raises(ApiError) as missing:
        getattr(sdk(email), call)("/no/such/file.wav")

    assert missing.value.error.is_path()
    assert missing.value.error.get_path().is_not_found()


def test_metadata_by_id_and_by_any_case(sdk: Sdk, email: str, control: httpx.Client) -> None:
    made = put(control, email, "/Beats/Loop.WAV", b"loop")
    dbx = sdk(email)

    by_path = dbx.files_get_metadata("/beats/loop.wav")
    by_id = dbx.files_get_metadata(made["id"])

    assert by_path.id == by_id.id == made["id"]
    assert by_path.path_display == "/Beats/Loop.WAV"
    assert by_path.path_lower == "/beats/loop.wav"


def test_list_folder_pages_with_a_cursor(sdk: Sdk, email: str, control: httpx.Client) -> None:
    for number in range(5):
        put(control, email, f"/Takes/take-{number}.wav", b"x")
    dbx = sdk(email)

    page = dbx.files_list_folder("/Takes", limit=2)
    names = [entry.name for entry in page.entries]
    while page.has_more:
        page = dbx.files_list_folder_continue(page.cursor)
        names += [entry.name for entry in page.entries]

    assert names == [f"take-{n}.wav" for n in range(5)]


def test_upload_then_download(sdk: Sdk, email: str, sdk_session: Any) -> None:
    dbx = sdk(email)

    uploaded = dbx.files_upload(b"first", "/Uploads/demo.txt")
    renamed = dbx.files_upload(b"second", "/Uploads/demo.txt", autorename=True)

    assert uploaded.size == 5
    assert renamed.path_display == "/Uploads/demo (1).txt"
    assert download(dbx, sdk_session, "/uploads/DEMO.txt") == b"first"


def test_malformed_argument_is_bad_input(sdk: Sdk, email: str) -> None:
    dbx = sdk(email)
    dbx.check_and_refresh_access_token()

    with pytest.raises(BadInputError) as bad:
        dbx.request_json_string_with_retry(
            "api", "files/get_metadata", "rpc", '{"path": "no-slash"}', "user", None
        )

    assert "Error in call to API function" in bad.value.message
