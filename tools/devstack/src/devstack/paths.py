"""Where devstack keeps its cache, logs and pid files."""

import tomllib
from pathlib import Path


class DevstackError(Exception):
    """A failure whose message tells the user what to do next."""


def _is_workspace_root(folder: Path) -> bool:
    pyproject = folder / "pyproject.toml"
    if not pyproject.is_file():
        return False
    with pyproject.open("rb") as f:
        return "workspace" in tomllib.load(f).get("tool", {}).get("uv", {})


def repo_root() -> Path:
    """The folder whose pyproject.toml declares the uv workspace."""
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for folder in (start, *start.parents):
            if _is_workspace_root(folder):
                return folder
    raise DevstackError("no uv workspace found: run devstack inside the Share Links repository")


def cache_dir() -> Path:
    """Downloads and data kept across runs."""
    return repo_root() / ".cache"


def run_dir() -> Path:
    """Logs and pid files of the processes devstack started."""
    return repo_root() / ".run"
