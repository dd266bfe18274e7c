"""Which Dropbox paths a request may name."""

MAX_PATH_LENGTH = 4096


def check_dropbox_path(path: str) -> str:
    """Return `path` when it is an absolute path inside the owner's Dropbox, else ValueError."""
    if not path.startswith("/") or path == "/":
        raise ValueError("path must be absolute, like /Producer Dashboard/Track/file.wav")
    if len(path) > MAX_PATH_LENGTH:
        raise ValueError(f"path is longer than {MAX_PATH_LENGTH} characters")
    if any(ord(c) < 32 or c == "\\" for c in path):
        raise ValueError("path contains control characters or backslashes")
    parts = path[1:].split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise ValueError("path must not contain empty, '.' or '..' segments")
    return path
