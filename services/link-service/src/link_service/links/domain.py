"""Pure rules of share links (DESIGN §5): tokens, ids, what a selection resolves to, which
files a link shares. No I/O, no clock, no randomness here (tokens: links.service)."""

from collections.abc import Mapping, Sequence

from contracts.events import DownloadType, Role
from contracts.ids import digest
from contracts.links import LinkFile

from link_service.catalog.models import Track

TYPE_OF_ROLE: dict[Role, DownloadType] = {
    "bounce": "audio",
    "stem": "audio",
    "project": "project",
    "other": "other",
}
MAX_TRACKS = 50


class SelectionError(ValueError):
    """The selection does not resolve to 1..50 known tracks with files; the message says why."""


def link_id_of(token: str) -> str:
    """The link id a token belongs to; the id reveals nothing about the token."""
    return "lnk_" + digest(token, 24)


def recipient_id_of(token: str) -> str:
    """The recipient id a recipient's own token belongs to (as `link_id_of` for links)."""
    return "rcp_" + digest(token, 24)


def file_format(name: str) -> str:
    """A file's format: its extension, lower case ('' when it has none)."""
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""


def group_key(track: Track) -> str:
    """What collapses versions of one song: the group, else the track itself."""
    return f"group:{track.group_id}" if track.group_id else f"track:{track.track_id}"


def resolve_selection(
    explicit: Sequence[str],
    buckets: Sequence[str],
    tracks: Mapping[str, Track],
    bucket_members: Mapping[str, Sequence[Track]],
) -> list[Track]:
    """Explicit tracks in order, then each bucket's by title; one entry per track group."""
    unknown = [t for t in explicit if t not in tracks]
    if unknown:
        raise SelectionError(f"unknown tracks: {', '.join(unknown)}")
    missing = [b for b in buckets if not bucket_members.get(b)]
    if missing:
        raise SelectionError(f"unknown or empty buckets: {', '.join(missing)}")
    ordered = [tracks[t] for t in explicit]
    for bucket in buckets:
        ordered += sorted(bucket_members[bucket], key=lambda t: (t.title, t.track_id))
    chosen: dict[str, Track] = {}
    for track in ordered:
        chosen.setdefault(group_key(track), track)
    if not chosen:
        raise SelectionError("select at least one track or bucket")
    if len(chosen) > MAX_TRACKS:
        raise SelectionError(f"a link holds at most {MAX_TRACKS} tracks; {len(chosen)} selected")
    return list(chosen.values())


def shared_files(track: Track, include: Sequence[Role]) -> list[LinkFile]:
    """The track's files whose role is included, with their download type and format."""
    return [
        LinkFile(
            file_id=f.file_id,
            name=f.name,
            role=f.role,
            type=TYPE_OF_ROLE[f.role],
            format=file_format(f.name),
            size=f.size,
            dropbox_path=f.dropbox_path,
        )
        for f in track.files
        if f.role in include
    ]
