"""Each service started as `python -m <module>` answers health, metrics and AsyncAPI, then stops."""

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

pytestmark = pytest.mark.integration

SERVICES = {
    "gateway": ("gateway", "GATEWAY_PORT"),
    "link-service": ("link_service", "LINK_SERVICE_PORT"),
    "dropbox-service": ("dropbox_service", "DROPBOX_SERVICE_PORT"),
    "notify-service": ("notify_service", "NOTIFY_SERVICE_PORT"),
    "analytics-service": ("analytics_service", "ANALYTICS_SERVICE_PORT"),
}
PUBLISHES = {
    "gateway": {"share.viewed", "download.recorded"},
    "link-service": {"share.created", "share.revoked", "collab.share.requested"},
    "dropbox-service": {"collab.granted", "collab.failed", "dropbox.connected"},
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ready(
    url: str, process: subprocess.Popen[bytes], timeout_s: float = 60
) -> httpx.Response:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, f"service exited with {process.returncode}"
        try:
            answer = httpx.get(url, timeout=2)
            if answer.status_code == 200:
                return answer
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} not ready within {timeout_s}s")


@pytest.fixture
def start_service(kafka_bootstrap: str, redis_url: str, unique_prefix: str):
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str, **env: str) -> tuple[subprocess.Popen[bytes], str]:
        module, port_env = SERVICES[name]
        port = _free_port()
        environment = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            "REDIS_URL": redis_url,
            "TOPIC_PREFIX": unique_prefix,
            "KEY_PREFIX": unique_prefix,
            port_env: str(port),
            **env,
        }
        process = subprocess.Popen([sys.executable, "-m", module], env=environment)
        started.append(process)
        return process, f"http://127.0.0.1:{port}"

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_service_process_is_ready_documents_itself_and_stops_on_sigterm(start_service, name: str):
    process, base = start_service(name)
    ready = _wait_ready(f"{base}/health/ready", process)
    assert ready.json() == {"status": "ready", "checks": {"redis": "ok", "kafka": "ok"}}
    assert httpx.get(f"{base}/health/live").json() == {"status": "ok"}
    assert "python_info" in httpx.get(f"{base}/metrics").text
    assert (
        httpx.get(f"{base}/health/live", headers={"X-Request-ID": "r-1"}).headers["x-request-id"]
        == "r-1"
    )
    channels = httpx.get(f"{base}/asyncapi.json").json()["channels"]
    addresses = {channel["address"] for channel in channels.values()}
    assert {a.split(".", 1)[1] for a in addresses} >= PUBLISHES.get(name, set())

    process.send_signal(signal.SIGTERM)
    # uvicorn finishes the lifespan shutdown, then re-raises the signal it caught.
    assert process.wait(timeout=20) in (0, -signal.SIGTERM)


def test_ready_is_503_while_redis_is_unreachable(start_service):
    process, base = start_service("link-service", REDIS_URL=f"redis://127.0.0.1:{_free_port()}/0")
    answer = _wait_answer(f"{base}/health/ready", process)
    assert answer.status_code == 503
    assert answer.json()["checks"] == {"redis": "down", "kafka": "ok"}
    assert httpx.get(f"{base}/health/live").status_code == 200


def test_production_mode_refuses_to_start_with_development_secrets(start_service):
    process, _ = start_service("link-service", APP_ENV="production")
    assert process.wait(timeout=30) != 0


def _wait_answer(
    url: str, process: subprocess.Popen[bytes], timeout_s: float = 60
) -> httpx.Response:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, f"service exited with {process.returncode}"
        try:
            return httpx.get(url, timeout=5)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout_s}s")
