"""The demo seed: a producer's Dropbox with playable masters, MP3s, stems and project files."""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import os
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import audio
from .state import World
from .tree import put_file

DEMO_EMAIL = "producer@example.com"
DEMO_NAME = "Mara Vale"
ROOT = "/Producer Dashboard"
SONGS = {
    "Night Drive": audio.Song(((57, 60, 64), (53, 57, 60), (48, 52, 55), (55, 59, 62)), 120),
    "Neon Rain": audio.Song(((62, 65, 69, 72), (55, 59, 62), (60, 64, 67, 71), (57, 60, 64)), 100),
    "Glass Harbor": audio.Song(((64, 68, 71), (61, 64, 68), (57, 61, 64), (59, 63, 66)), 90),
    "Low Tide": audio.Song(((50, 53, 57), (46, 50, 53), (48, 52, 55), (45, 48, 52)), 84),
    "Paper Moons": audio.Song(((60, 64, 67), (57, 60, 64), (53, 57, 60), (55, 59, 62)), 110),
    "Static Bloom": audio.Song(((55, 58, 62), (51, 55, 58), (53, 57, 60), (50, 53, 57)), 128),
    "Golden Hour": audio.Song(
        ((53, 57, 60, 64), (50, 53, 57, 60), (46, 50, 53, 57), (48, 52, 55)), 96
    ),
    "Quiet Engines": audio.Song(((52, 55, 59), (48, 52, 55), (45, 48, 52), (47, 50, 54)), 76),
    "Satellite Hearts": audio.Song(((59, 62, 66), (55, 59, 62), (52, 55, 59), (57, 61, 64)), 118),
}
# Where each song sits in Producer Dashboard, and how many versions it has (the older ones
# keep the latest's audio under Versions/: a demo needs their rows, not their differences).
BUCKETS = {
    "EP 2026": {"Night Drive": 3, "Neon Rain": 2, "Glass Harbor": 1},
    "Singles": {"Low Tide": 1, "Paper Moons": 1, "Static Bloom": 1},
    "Sync Pitches": {"Golden Hour": 1, "Quiet Engines": 1, "Satellite Hearts": 1},
}
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class SeedFile:
    """One seeded file; `kind` is master, mp3, stems or project."""

    dropbox_path: str
    size: int
    kind: str


@dataclass(frozen=True)
class Track:
    """A seeded track (one version of a song) and its files, for demo data elsewhere."""

    title: str
    artist: str
    folder: str
    files: tuple[SeedFile, ...]
    bucket: str
    version: int
    latest: bool

    def as_json(self) -> dict[str, Any]:
        """The track as plain JSON."""
        files = [
            {"dropbox_path": f.dropbox_path, "size": f.size, "kind": f.kind} for f in self.files
        ]
        return {
            "title": self.title,
            "artist": self.artist,
            "folder": self.folder,
            "files": files,
            "bucket": self.bucket,
            "version": self.version,
            "latest": self.latest,
        }


@functools.cache
def demo_contents() -> dict[str, dict[str, bytes]]:
    """Each song's files by path, made once per process, and kept on disk between runs (the
    synthesis takes seconds) in a file named after the code that makes them."""
    source = b"".join(
        Path(module.__file__ or "").read_bytes() for module in (audio, sys.modules[__name__])
    )
    digest = hashlib.sha256(source).hexdigest()[:16]
    cache = Path(tempfile.gettempdir()) / "dropbox-emulator" / f"demo-{digest}.zip"
    if cache.exists():
        with zipfile.ZipFile(cache) as archive:
            made: dict[str, dict[str, bytes]] = {title: {} for title in SONGS}
            for name in archive.namelist():
                made[name.split("/")[1]]["/" + name] = archive.read(name)
            return made
    made = {title: track_files(title, song) for title, song in SONGS.items()}
    cache.parent.mkdir(parents=True, exist_ok=True)
    partial = cache.with_suffix(f".{os.getpid()}.part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED) as archive:
        for files in made.values():
            for path, data in files.items():
                archive.writestr(zipfile.ZipInfo(path.lstrip("/"), _ZIP_TIME), data)
    partial.replace(cache)
    return made


def track_files(title: str, song: audio.Song) -> dict[str, bytes]:
    """The files of one track: master WAV, MP3 and, for some, stems and a project."""
    folder = f"{ROOT}/{title}"
    stems = {"Drums": audio.drums(song), "Bass": audio.bass(song), "Keys": audio.keys(song)}
    master = audio.mix(*stems.values())
    made = {
        f"{folder}/{title} (Master).wav": audio.wav(master),
        f"{folder}/{title}.mp3": audio.mp3(master),
    }
    if title == "Night Drive":
        made[f"{folder}/{title} Stems.zip"] = stems_zip(title, stems)
        made[f"{folder}/{title}.als"] = ableton_set(title, song.bpm, list(stems))
    if title == "Neon Rain":
        made[f"{folder}/{title}.logicx"] = (
            b"Logic Pro project placeholder (a real .logicx is a folder)\n"
        )
    for version in range(1, _versions(title)):
        made[f"{folder}/Versions/{title} v{version} (Master).wav"] = made[
            f"{folder}/{title} (Master).wav"
        ]
        made[f"{folder}/Versions/{title} v{version}.mp3"] = made[f"{folder}/{title}.mp3"]
    return made


def _versions(title: str) -> int:
    return next(songs[title] for songs in BUCKETS.values() if title in songs)


def stems_zip(title: str, stems: dict[str, list[float]]) -> bytes:
    """The stems as WAV files in a zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, samples in stems.items():
            archive.writestr(
                zipfile.ZipInfo(f"{title} - {name}.wav", _ZIP_TIME), audio.wav(samples)
            )
    return buffer.getvalue()


def ableton_set(title: str, bpm: int, track_names: list[str]) -> bytes:
    """A tiny Ableton Live set: gzipped XML, as real .als files are."""
    tracks = "".join(
        f'<AudioTrack Id="{i}"><Name><EffectiveName Value="{name}" /></Name></AudioTrack>'
        for i, name in enumerate(track_names, start=1)
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Ableton MajorVersion="5" MinorVersion="11.0_11300" Creator="Ableton Live 11.3.4">'
        f'<LiveSet><Annotation Value="{title}" /><Tracks>{tracks}</Tracks>'
        f'<MasterTrack><DeviceChain><Mixer><Tempo><Manual Value="{bpm}" /></Tempo>'
        "</Mixer></DeviceChain></MasterTrack></LiveSet></Ableton>\n"
    )
    return gzip.compress(xml.encode(), mtime=0)


def kind_of(path: str) -> str:
    """What a seeded file is, from its name."""
    if path.endswith("(Master).wav"):
        return "master"
    extension = path.rsplit(".", 1)[-1]
    return {"mp3": "mp3", "zip": "stems"}.get(extension, "project")


def demo_catalog() -> list[Track]:
    """The seeded tracks, every version of every song, and their files."""
    tracks = []
    for bucket, songs in BUCKETS.items():
        for title, versions in songs.items():
            made = demo_contents()[title]
            for version in range(1, versions + 1):
                latest = version == versions
                older = f"/Versions/{title} v{version}"
                paths = [p for p in made if ("/Versions/" not in p if latest else older in p)]
                files = tuple(SeedFile(p, len(made[p]), kind_of(p)) for p in paths)
                folder = f"{ROOT}/{title}"
                tracks.append(Track(title, DEMO_NAME, folder, files, bucket, version, latest))
    return tracks


def seed_demo(world: World) -> list[Track]:
    """Put the demo producer and their tracks into `world`; return the catalog."""
    account = world.ensure_account(DEMO_EMAIL, DEMO_NAME)
    for made in demo_contents().values():
        for path, data in made.items():
            put_file(account, path, data)
    return demo_catalog()
