"""Run the emulator in a subprocess for tests and demos, and point the SDK at it."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SDK_HOST_VARS = ("DROPBOX_API_HOST", "DROPBOX_API_CONTENT_HOST", "DROPBOX_WEB_HOST")


@dataclass(frozen=True)
class RunningEmulator:
    """A started emulator: where it answers and which CA file to trust."""

    port: int
    ca_file: Path
    log_file: Path

    @property
    def base_url(self) -> str:
        """The HTTPS origin of every host the SDK uses."""
        return f"https://localhost:{self.port}"

    def ssl_context(self) -> ssl.SSLContext:
        """A TLS context that trusts the emulator's CA (and nothing else)."""
        return ssl.create_default_context(cafile=str(self.ca_file))

    def approve(self, authorize_url: str, email: str) -> str:
        """Approve an OAuth authorization as `email`, as a browser would; the callback URL."""
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPSHandler(context=self.ssl_context()),
            _NoRedirect,
        )
        url = f"{authorize_url}&{urllib.parse.urlencode({'login_hint': email})}"
        try:
            opener.open(url, timeout=10)
        except urllib.error.HTTPError as answer:
            if answer.code == 302:
                return str(answer.headers["Location"])
            raise
        raise AssertionError(f"the emulator did not redirect back from {authorize_url}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sdk_env(port: int) -> dict[str, str]:
    """The variables that point the dropbox SDK at an emulator; set before `import dropbox`."""
    return dict.fromkeys(SDK_HOST_VARS, f"localhost:{port}")


@contextmanager
def running_emulator(
    port: int, state_dir: Path, env: Mapping[str, str] | None = None, timeout_s: float = 60
) -> Iterator[RunningEmulator]:
    """`python -m dropbox_emulator` on `port`, its CA in `state_dir`; stopped on exit."""
    state_dir.mkdir(parents=True, exist_ok=True)
    running = RunningEmulator(port, state_dir / "ca.pem", state_dir / "emulator.log")
    settings = {
        "DROPBOX_EMULATOR_PORT": str(port),
        "DROPBOX_EMULATOR_CA_FILE": str(running.ca_file),
    }
    with running.log_file.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "dropbox_emulator"],
            env={**os.environ, **settings, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_healthy(running, process, timeout_s)
            yield running
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_healthy(
    running: RunningEmulator, process: subprocess.Popen[bytes], timeout_s: float
) -> None:
    """Wait for /_emulator/health to answer; raise with the log if it never does."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        if is_healthy(running):
            return
        time.sleep(0.1)
    log = running.log_file.read_text(errors="replace")[-4000:]
    raise RuntimeError(f"the Dropbox emulator did not start on port {running.port}:\n{log}")


def is_healthy(running: RunningEmulator) -> bool:
    """Whether /_emulator/health answers over TLS signed by the emulator's CA."""
    try:
        # No proxy from the environment: the emulator is always on this machine.
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPSHandler(context=running.ssl_context()),
        )
        with opener.open(f"{running.base_url}/_emulator/health", timeout=2):
            return True
    except OSError:  # not listening yet, CA not written yet, or a TLS mismatch
        return False
