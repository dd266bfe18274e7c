import re
from datetime import UTC, datetime

import pytest
from contracts.ids import LINK_ID_PATTERN, is_token, new_token
from link_service.catalog.models import Track
from link_service.links.domain import (
    MAX_TRACKS,
    SelectionError,
    file_format,
    link_id_of,
    resolve_selection,
    shared_files,
)
from link_service.links.service import TOKEN_BYTES

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _track(
    track_id: str, title: str, group: str | None = None, version: int = 1, files: list | None = None
) -> Track:
    bounce = {"file_id": "f", "name": "f.wav", "role": "bounce", "dropbox_path": "/f", "size": 1}
    return Track(
        track_id=track_id,
        title=title,
        artist="A",
        group_id=group,
        version=version,
        dropbox_folder="/x",
        files=files or [bounce],
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Night Drive (Master).WAV", "wav"),
        ("set.als", "als"),
        ("song.logicx", "logicx"),
        ("archive.tar.gz", "gz"),
        ("README", ""),
        (".hidden", ""),
    ],
)
def test_format_is_the_lower_case_extension(name: str, expected: str):
    assert file_format(name) == expected


def test_explicit_tracks_first_then_buckets_by_title_without_duplicates():
    tracks = {t.track_id: t for t in (_track("t7", "Zed"), _track("t1", "Alpha"))}
    ep = [_track("t9", "Mid"), _track("t1", "Alpha"), _track("t3", "Beta")]
    chosen = resolve_selection(["t7", "t1"], ["EP"], tracks, {"EP": ep})
    assert [t.track_id for t in chosen] == ["t7", "t1", "t3", "t9"]


def test_versions_of_one_group_collapse_to_the_first_selected():
    tracks = {"v1": _track("v1", "Song", "g", 1), "v2": _track("v2", "Song", "g", 2)}
    chosen = resolve_selection(["v1", "v2"], [], tracks, {})
    assert [t.track_id for t in chosen] == ["v1"]


def test_fifty_tracks_pass_and_fifty_one_do_not():
    tracks = {f"t{i}": _track(f"t{i}", f"Song {i:02}") for i in range(51)}
    assert len(resolve_selection(list(tracks)[:50], [], tracks, {})) == MAX_TRACKS
    with pytest.raises(SelectionError, match="at most 50"):
        resolve_selection(list(tracks), [], tracks, {})


@pytest.mark.parametrize(
    ("explicit", "buckets", "reason"),
    [
        ([], [], "at least one"),
        (["t404"], [], "unknown tracks: t404"),
        ([], ["Nope"], "unknown or empty buckets: Nope"),
    ],
)
def test_bad_selections_say_why(explicit, buckets, reason):
    with pytest.raises(SelectionError, match=reason):
        resolve_selection(explicit, buckets, {}, {})


def test_shared_files_keep_included_roles_with_type_and_format():
    track = _track(
        "t1",
        "T",
        files=[
            {"file_id": "a", "name": "A.wav", "role": "bounce", "size": 1, "dropbox_path": "/a"},
            {"file_id": "b", "name": "B.zip", "role": "stem", "size": 2, "dropbox_path": "/b"},
            {"file_id": "c", "name": "C.als", "role": "project", "size": 3, "dropbox_path": "/c"},
            {"file_id": "d", "name": "D.pdf", "role": "other", "size": 4, "dropbox_path": "/d"},
        ],
    )
    shared = shared_files(track, ["stem", "project", "other"])
    assert [(f.file_id, f.type, f.format) for f in shared] == [
        ("b", "audio", "zip"),
        ("c", "project", "als"),
        ("d", "other", "pdf"),
    ]


def test_tokens_and_link_ids_have_the_shapes_the_contracts_check_and_reveal_nothing():
    token = new_token(TOKEN_BYTES)
    assert is_token(token)
    assert not is_token(token[:-1])
    assert not is_token(token[:-1] + "/")
    assert not is_token(token + "\n")
    assert re.fullmatch(LINK_ID_PATTERN, link_id_of(token))
    assert token not in link_id_of(token)
    assert link_id_of(token) == link_id_of(token)
