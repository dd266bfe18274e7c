"""Dropbox paths as the catalog accepts them (DESIGN §4): absolute, normal (no empty, `.`
or `..` segment, no control character, no trailing slash) and compared as Dropbox compares
them, case-insensitively (its `path_lower`), so that a file lies inside its track's folder
however either is spelt."""

import re
from collections.abc import Sequence
from typing import Protocol

MAX_PATH = 4096
# C0 and C1 control characters and DEL: never part of a name a producer chose.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def normal_path(path: str, field: str) -> str:
    """`path` when it is an absolute, normal Dropbox path; else ValueError naming `field`."""
    if not path.startswith("/"):
        raise ValueError(f"{field} must be an absolute Dropbox path starting with '/'")
    if _CONTROL.search(path):
        raise ValueError(f"{field} must not contain control characters")
    if path == "/" or any(part in ("", ".", "..") for part in path[1:].split("/")):
        raise ValueError(f"{field} must not be '/' nor hold empty, '.' or '..' segments")
    return path


def confined(folder: str, paths: Sequence[str]) -> bool:
    """Whether `folder` and every one of `paths` are normal, each path inside `folder`: a
    track stored before the catalog checked paths may not be."""
    try:
        normal_path(folder, "dropbox_folder")
        return all(inside(normal_path(p, "dropbox_path"), folder) for p in paths)
    except ValueError:
        return False


def inside(path: str, folder: str) -> bool:
    """Whether normal `path` names something within normal `folder` (not the folder itself),
    compared case-insensitively as Dropbox does."""
    return path.lower().startswith(folder.lower() + "/")


class _File(Protocol):
    @property
    def dropbox_path(self) -> str: ...


class _Track(Protocol):
    @property
    def dropbox_folder(self) -> str: ...

    @property
    def files(self) -> Sequence[_File]: ...


def track_confined(track: _Track) -> bool:
    """`confined` for a track's folder and files."""
    return confined(track.dropbox_folder, [f.dropbox_path for f in track.files])
