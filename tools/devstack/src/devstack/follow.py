"""Stream several growing log files to the terminal, each line prefixed by its source."""

from pathlib import Path


class LogFollower:
    """Prints what is appended to each log after the moment it was created."""

    def __init__(self, logs: dict[str, Path]) -> None:
        self._logs = logs
        self._offsets = {name: _size(path) for name, path in logs.items()}
        self._partial = dict.fromkeys(logs, b"")
        self._width = max((len(name) for name in logs), default=0)

    def poll(self) -> bool:
        """Print complete new lines; True when there were any."""
        printed = False
        for name, path in self._logs.items():
            chunk = self._read_new(name, path)
            if not chunk:
                continue
            *lines, self._partial[name] = (self._partial[name] + chunk).split(b"\n")
            for line in lines:
                print(f"{name:<{self._width}} | {line.decode(errors='replace')}", flush=True)
            printed = printed or bool(lines)
        return printed

    def _read_new(self, name: str, path: Path) -> bytes:
        try:
            with path.open("rb") as log:
                log.seek(self._offsets[name])
                chunk = log.read()
        except OSError:
            return b""
        self._offsets[name] += len(chunk)
        return chunk


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
