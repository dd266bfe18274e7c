"""Run the sink in a subprocess for tests, and read what it kept."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class RunningSink:
    """A started sink: its SMTP port and web URL."""

    host: str
    smtp_port: int
    web_port: int

    @property
    def web_url(self) -> str:
        """Base URL of its HTTP side."""
        return f"http://{self.host}:{self.web_port}"

    def messages(self) -> list[dict[str, Any]]:
        """Every message it kept, oldest first."""
        answer = httpx.get(f"{self.web_url}/messages", timeout=5, trust_env=False)
        answer.raise_for_status()
        kept: list[dict[str, Any]] = answer.json()
        return kept

    def messages_to(self, address: str) -> list[dict[str, Any]]:
        """The kept messages whose envelope names `address`."""
        return [m for m in self.messages() if address.lower() in (t.lower() for t in m["to"])]

    def clear(self) -> None:
        """Forget every kept message."""
        httpx.delete(f"{self.web_url}/messages", timeout=5, trust_env=False).raise_for_status()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_sink(smtp_port: int | None = None, timeout_s: float = 30) -> Iterator[RunningSink]:
    """`python -m smtp_sink` on `smtp_port` (else a free one) and a free web port; stopped on
    exit."""
    sink = RunningSink("127.0.0.1", smtp_port or free_port(), free_port())
    env = {
        **os.environ,
        "SMTP_SINK_HOST": sink.host,
        "SMTP_SINK_PORT": str(sink.smtp_port),
        "SMTP_SINK_WEB_PORT": str(sink.web_port),
    }
    process = subprocess.Popen([sys.executable, "-m", "smtp_sink"], env=env)
    try:
        _wait_healthy(sink, process, timeout_s)
        yield sink
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(sink: RunningSink, process: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{sink.web_url}/health", timeout=2, trust_env=False).is_success:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the SMTP sink did not start (exit code {process.poll()})")
