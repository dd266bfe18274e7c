"""Each service started as `python -m <module>` answers health, metrics and AsyncAPI, then stops."""

import signal

import httpx
import pytest
from service_kit.services import BY_NAME, SERVICES
from service_kit.testing import bearer, free_port, problem_of

pytestmark = pytest.mark.integration

PUBLISHES = {
    "gateway": {"share.viewed", "download.recorded"},
    "link-service": {"share.created", "share.revoked", "collab.share.requested"},
    "dropbox-service": {"collab.granted", "collab.failed", "dropbox.connected"},
}


@pytest.mark.parametrize("name", sorted(s.name for s in SERVICES))
def test_service_process_is_ready_documents_itself_and_stops_on_sigterm(start_service, name: str):
    service = start_service(name)
    ready = service.wait_ready()
    base = service.base_url
    assert ready.json() == {"status": "ready", "checks": {"redis": "ok", "kafka": "ok"}}
    assert httpx.get(f"{base}/health/live").json() == {"status": "ok"}
    # A service facing the internet documents itself on its admin listener only.
    ops = service.admin_url if BY_NAME[name].admin_port_env else base
    assert "python_info" in httpx.get(f"{ops}/metrics").text
    tagged = httpx.get(f"{base}/health/live", headers={"X-Request-ID": "r-1"})
    assert tagged.headers["x-request-id"] == "r-1"
    channels = httpx.get(f"{ops}/asyncapi.json").json()["channels"]
    topics = {channel["address"].split(".", 1)[1] for channel in channels.values()}
    assert topics >= PUBLISHES.get(name, set())

    service.process.send_signal(signal.SIGTERM)
    # uvicorn finishes the lifespan shutdown, then re-raises the signal it caught.
    assert service.process.wait(timeout=20) in (0, -signal.SIGTERM)


def test_ready_is_503_while_redis_is_unreachable(start_service):
    service = start_service("link-service", REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    answer = service.wait_answering()
    assert answer.status_code == 503
    assert answer.json()["checks"] == {"redis": "down", "kafka": "ok"}
    assert httpx.get(f"{service.base_url}/health/live").status_code == 200
    stored = httpx.get(f"{service.base_url}/v1/links", headers=bearer("u-1"), timeout=30)
    assert problem_of(stored) == (503, "unavailable"), "an outage is problem details, never a 500"
    assert int(stored.headers["retry-after"]) > 0


def test_production_mode_refuses_to_start_with_development_secrets(start_service):
    service = start_service("link-service", APP_ENV="production")
    assert service.process.wait(timeout=30) != 0
