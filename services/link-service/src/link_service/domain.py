"""Pure rules of the catalog and share links (DESIGN §4, §5): no I/O here."""

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

TYPE_OF_ROLE = {"bounce": "audio", "stem": "audio", "project": "project", "other": "other"}
MAX_TRACKS = 50
TOKEN_BYTES = 24  # 192 bits from the OS CSPRNG; DESIGN asks for at least 128


class SelectionError(ValueError):
    """The selection does not resolve to 1..50 known tracks with files; the message says why."""


def new_token() -> str:
    """An unguessable, URL-safe share token."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def link_id_of(token: str) -> str:
    """The link id a token belongs to; the id reveals nothing about the token."""
    return "lnk_" + hashlib.sha256(token.encode()).hexdigest()[:24]


def file_format(name: str) -> str:
    """A file's format: its extension, lower case ('' when it has none)."""
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""


def group_key(track: Mapping[str, Any]) -> str:
    """What collapses versions of one song: the group, else the track itself."""
    group = track.get("group_id")
    return f"group:{group}" if group else f"track:{track['track_id']}"


def resolve_selection(
    explicit: Sequence[str],
    buckets: Sequence[str],
    tracks: Mapping[str, Mapping[str, Any]],
    bucket_members: Mapping[str, Sequence[Mapping[str, Any]]],
) -> list[Mapping[str, Any]]:
    """Explicit tracks in order, then each bucket's by title; one entry per track group."""
    unknown = [t for t in explicit if t not in tracks]
    if unknown:
        raise SelectionError(f"unknown tracks: {', '.join(unknown)}")
    missing = [b for b in buckets if not bucket_members.get(b)]
    if missing:
        raise SelectionError(f"unknown or empty buckets: {', '.join(missing)}")
    ordered = [tracks[t] for t in explicit]
    for bucket in buckets:
        ordered += sorted(bucket_members[bucket], key=lambda t: (t["title"], t["track_id"]))
    chosen: dict[str, Mapping[str, Any]] = {}
    for track in ordered:
        chosen.setdefault(group_key(track), track)
    if not chosen:
        raise SelectionError("select at least one track or bucket")
    if len(chosen) > MAX_TRACKS:
        raise SelectionError(f"a link holds at most {MAX_TRACKS} tracks; {len(chosen)} selected")
    return list(chosen.values())


def shared_files(track: Mapping[str, Any], include: Sequence[str]) -> list[dict[str, Any]]:
    """The track's files whose role is included, with their download type and format."""
    return [
        {
            "file_id": f["file_id"],
            "name": f["name"],
            "role": f["role"],
            "type": TYPE_OF_ROLE[f["role"]],
            "format": file_format(f["name"]),
            "size": f["size"],
            "dropbox_path": f["dropbox_path"],
        }
        for f in track["files"]
        if f["role"] in include
    ]
