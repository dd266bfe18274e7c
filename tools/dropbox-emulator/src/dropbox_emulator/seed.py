"""The demo seed: a producer's Dropbox with playable masters, MP3s, stems and project files."""

from __future__ import annotations

import functools
import gzip
import io
import zipfile
from dataclasses import dataclass
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
    """A seeded track and its files, for demo data elsewhere to refer to."""

    title: str
    artist: str
    folder: str
    files: tuple[SeedFile, ...]

    def as_json(self) -> dict[str, Any]:
        """The track as plain JSON."""
        files = [
            {"dropbox_path": f.dropbox_path, "size": f.size, "kind": f.kind} for f in self.files
        ]
        return {"title": self.title, "artist": self.artist, "folder": self.folder, "files": files}


@functools.cache
def demo_contents() -> dict[str, dict[str, bytes]]:
    """Each track's files by path, made once per process (the synthesis takes a second)."""
    return {title: track_files(title, song) for title, song in SONGS.items()}


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
    return made


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
    """The seeded tracks and their files."""
    return [
        Track(
            title=title,
            artist=DEMO_NAME,
            folder=f"{ROOT}/{title}",
            files=tuple(SeedFile(p, len(data), kind_of(p)) for p, data in made.items()),
        )
        for title, made in demo_contents().items()
    ]


def seed_demo(world: World) -> list[Track]:
    """Put the demo producer and their tracks into `world`; return the catalog."""
    account = world.ensure_account(DEMO_EMAIL, DEMO_NAME)
    for made in demo_contents().values():
        for path, data in made.items():
            put_file(account, path, data)
    return demo_catalog()
