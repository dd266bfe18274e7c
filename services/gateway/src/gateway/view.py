"""What a share page shows, computed from the link (no I/O; templates only render it)."""

from collections.abc import Callable
from typing import Any

from contracts.links import InternalLink

from gateway.previews import preview_file


def human_size(size: int) -> str:
    """1536 → '1.5 KB'."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def page_of(link: InternalLink, preview_url: Callable[[str], str]) -> dict[str, Any]:
    """The page's model: title, message, and per track its player and download buttons.
    `preview_url` signs the player's address of a file id."""
    base = f"/s/{link.token}/files"
    tracks = []
    for track in link.tracks:
        playable = preview_file(track)
        downloads = [
            {
                "name": f.name,
                "format": f.format.upper() or "FILE",
                "size": human_size(f.size),
                "url": f"{base}/{f.file_id}/download",
            }
            for f in track.files
            if f.type in link.downloads
        ]
        tracks.append(
            {
                "title": track.title,
                "artist": track.artist,
                "version": track.version,
                "preview_url": preview_url(playable.file_id) if playable else None,
                "preview_file": playable.file_id if playable else None,
                "downloads": downloads,
            }
        )
    artists = list(dict.fromkeys(t.artist for t in link.tracks))
    first = link.tracks[0].title if link.tracks else "Shared music"
    return {
        "title": link.title or first,
        "message": link.message,
        "kind": link.kind,
        "tracks": tracks,
        "artists": ", ".join(artists),
        "listening_only": not link.downloads,
    }
