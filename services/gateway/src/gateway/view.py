"""What a share page shows, computed from the link (no I/O; templates only render it)."""

from typing import Any


def human_size(size: int) -> str:
    """1536 → '1.5 KB'."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def page_of(link: dict[str, Any]) -> dict[str, Any]:
    """The page's model: title, message, and per track its player and download buttons."""
    base = f"/s/{link['token']}/files"
    tracks = []
    for track in link["tracks"]:
        audio = [f for f in track["files"] if f["type"] == "audio"]
        playable = next((f for f in audio if f["role"] == "bounce"), audio[0] if audio else None)
        downloads = [
            {
                "name": f["name"], "format": f["format"].upper() or "FILE",
                "size": human_size(f["size"]), "url": f"{base}/{f['file_id']}/download",
            }
            for f in track["files"]
            if f["type"] in link["downloads"]
        ]  # fmt: skip
        tracks.append({
            "title": track["title"], "artist": track["artist"], "version": track["version"],
            "preview_url": f"{base}/{playable['file_id']}/preview" if playable else None,
            "downloads": downloads,
        })  # fmt: skip
    artists = list(dict.fromkeys(t["artist"] for t in tracks))
    first = tracks[0]["title"] if tracks else "Shared music"
    return {
        "title": link.get("title") or first,
        "message": link.get("message"),
        "kind": link["kind"],
        "tracks": tracks,
        "artists": ", ".join(artists),
        "listening_only": not link["downloads"],
    }
