"""What every benchmark uses: wrk as the load generator, the other load clients and
baseline servers as processes of their own, a sampler, and the services' memory. Figures
are compared as ratios within one run."""

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import service_kit.testing
from devstack.packages import debian_program
from devstack.paths import run_dir

HERE = Path(__file__).parent
BROWSER = {"User-Agent": service_kit.testing.BROWSER}  # a person, whose views count
T = TypeVar("T")
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True)
class Load:
    """What wrk measured: requests a second, and latency percentiles in milliseconds."""

    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def wrk(
    url: str,
    *,
    connections: int,
    seconds: int,
    script: Path | None = None,
    script_env: Mapping[str, str] | None = None,
) -> Load:
    """Run Debian's wrk (one thread) against `url`, with a Lua `script` reading `script_env`
    (os.getenv); non-2xx/3xx answers count as errors."""
    command = [debian_program("wrk", "wrk", "the benchmarks use it"), "-t1", f"-c{connections}"]
    command += [f"-d{seconds}s", "--latency", *(["-s", str(script)] if script else []), url]
    env = os.environ | dict(script_env or {})
    out = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
    errors = sum(
        int(_find(pattern, out, missing="0")[0])
        for pattern in (r"Non-2xx or 3xx responses: (\d+)", r"Socket errors: .*timeout (\d+)")
    )
    answered = int(_find(r"(\d+) requests in", out)[0])
    return Load(  # an error answer is no request served
        rps=round(
            float(_find(r"Requests/sec:\s+([\d.]+)", out)[0]) * (answered - errors) / answered, 1
        ),
        p50_ms=_milliseconds(*_find(r"^\s+50%\s+([\d.]+)(us|ms|s)$", out)),
        p99_ms=_milliseconds(*_find(r"^\s+99%\s+([\d.]+)(us|ms|s)$", out)),
        errors=errors,
    )


def _find(pattern: str, out: str, missing: str | None = None) -> tuple[str, ...]:
    found = re.search(pattern, out, re.M)
    if found:
        return found.groups()
    if missing is None:
        raise RuntimeError(f"wrk printed no {pattern!r}:\n{out}")
    return (missing,)


def _milliseconds(value: str, unit: str) -> float:
    return round(float(value) * _UNITS[unit], 2)


@contextmanager
def baseline(kind: str, argument: str = "") -> Iterator[str]:
    """A bare server (bench/baseline.py) in a process of its own; its base URL."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, str(HERE / "baseline.py"), kind, str(port), argument], env=os.environ
    )
    try:
        deadline = time.monotonic() + 30
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the {kind} baseline did not start")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def run_script(script: str, *args: object) -> Any:
    """Run a load client of bench/ (it prints JSON) in a process of its own; what it printed."""
    command = [sys.executable, str(HERE / script), *map(str, args)]
    return json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


class Sampler(Generic[T]):
    """Reads a figure every `every_s` in a thread while the block runs:
    `samples` holds (time.monotonic(), figure) pairs, the first taken on entry."""

    def __init__(self, read: Callable[[], T], every_s: float) -> None:
        self.read = read
        self.every_s = every_s
        self.samples: list[tuple[float, T]] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        while True:
            self.samples.append((time.monotonic(), self.read()))
            if self._done.wait(self.every_s):
                return

    def __enter__(self) -> "Sampler[T]":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()


def service_rss_mib() -> dict[str, float]:
    """Resident memory of each service `make up` started, in MiB."""
    services = [p.stem for p in sorted((run_dir() / "pids").glob("*-service.pid"))]
    return {name: rss_mib(name) for name in [*services, "gateway"]}


def rss_mib(service: str) -> float:
    """Resident memory of one service `make up` started, in MiB."""
    pid = (run_dir() / "pids" / f"{service}.pid").read_text().split()[0]
    status = Path(f"/proc/{pid}/status").read_text()
    return round(int(_find(r"VmRSS:\s+(\d+) kB", status)[0]) / 1024, 1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False
