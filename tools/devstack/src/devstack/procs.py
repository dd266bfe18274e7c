"""Background processes tracked by pid files under .run/pids, logging to .run/logs."""

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from devstack.paths import DevstackError, run_dir

_START_MARK = "--- devstack "
_HAS_PROC = Path("/proc/self/stat").exists()
# Popen objects of our own children, kept so that exited ones are reaped instead of lingering.
_children: dict[int, "subprocess.Popen[bytes]"] = {}


class Running(NamedTuple):
    """An address that answers, and whether this call started the process behind it."""

    address: str
    started: bool


def log_file(name: str) -> Path:
    """The log of process `name`."""
    return run_dir() / "logs" / f"{name}.log"


def _pid_file(name: str) -> Path:
    return run_dir() / "pids" / f"{name}.pid"


def _start_time(pid: int) -> str | None:
    """The kernel's start time of `pid`, so that a reused pid is not taken for ours."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] == "Z" else fields[19]


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _alive(pid: int, start_time: str) -> bool:
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None
    return _pid_exists(pid) and (not _HAS_PROC or _start_time(pid) == start_time)


def _exited(pid: int) -> bool:
    child = _children.get(pid)
    if child is not None:
        return child.poll() is not None
    # A zombie still "exists"; where PID 1 does not reap, it would never go away.
    return not _pid_exists(pid) or (_HAS_PROC and _start_time(pid) is None)


def _recorded(name: str) -> tuple[int, str] | None:
    try:
        pid_text, start_time = _pid_file(name).read_text().split()
        return int(pid_text), start_time
    except (OSError, ValueError):
        return None


def last_pid(name: str) -> int | None:
    """The pid devstack last recorded for process `name`, running or not."""
    recorded = _recorded(name)
    return None if recorded is None else recorded[0]


def read_pid(name: str) -> int | None:
    """The pid of process `name` if devstack started it and it still runs."""
    recorded = _recorded(name)
    return recorded[0] if recorded is not None and _alive(*recorded) else None


def spawn(name: str, argv: Sequence[str], env: Mapping[str, str] | None = None) -> int:
    """Start `argv` in its own session, appending its output to its log; return its pid."""
    log = log_file(name)
    log.parent.mkdir(parents=True, exist_ok=True)
    _pid_file(name).parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        out.write(f"\n{_START_MARK}{time.strftime('%Y-%m-%d %H:%M:%S')}: start {name}\n".encode())
        out.flush()
        proc = subprocess.Popen(
            list(argv),
            env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _children[proc.pid] = proc
    _pid_file(name).write_text(f"{proc.pid} {_start_time(proc.pid) or '-'}\n")
    return proc.pid


def stop(name: str, timeout: float = 20.0, *, hard: bool = False) -> bool:
    """Stop process `name`: SIGTERM, SIGKILL after `timeout` (at once when `hard`, a crash
    as the fault runs make it); False when it was not running."""
    pid = read_pid(name)
    if pid is None:
        _pid_file(name).unlink(missing_ok=True)
        return False
    _signal_group(pid, signal.SIGKILL if hard else signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while not _exited(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if not _exited(pid):
        print(f"devstack: {name} ignored SIGTERM for {timeout:.0f}s; killing it")
        _signal_group(pid, signal.SIGKILL)
        while not _exited(pid):
            time.sleep(0.05)
    _children.pop(pid, None)
    _pid_file(name).unlink(missing_ok=True)
    return True


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass


def wait_until(name: str, ready: Callable[[], bool], pid: int | None, timeout: float) -> None:
    """Poll `ready` until it holds; fail early when `pid` exits, or after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not ready():
        if pid is not None and _exited(pid):
            raise DevstackError(f"{name} exited during start-up. {_log_hint(name)}")
        if time.monotonic() > deadline:
            raise DevstackError(f"{name} was not ready after {timeout:.0f}s. {_log_hint(name)}")
        time.sleep(0.2)


def _log_hint(name: str) -> str:
    return f"Its log is {log_file(name)}; the last lines of its latest start:\n{tail(name)}"


def tail(name: str, lines: int = 25) -> str:
    """The last `lines` lines that process `name` logged since devstack last started it."""
    try:
        text = log_file(name).read_text(errors="replace")
    except OSError:
        return f"    ({log_file(name)} does not exist)"
    latest = text.rsplit(_START_MARK, 1)[-1].splitlines()[1:]
    return "\n".join("    " + line for line in latest[-lines:]) or "    (nothing logged)"


def port_answers(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def env_port(var: str, default: int) -> int:
    """A port from the environment variable `var`, or `default`."""
    value = os.environ.get(var, str(default))
    if not value.isdigit():
        raise DevstackError(f"{var}={value!r} is not a port number")
    return int(value)
