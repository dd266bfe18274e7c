from collections.abc import Callable
from uuid import uuid4

import httpx
import pytest
from dropbox_emulator.testing import RunningEmulator
from service_kit.testing import ServiceProcess, bearer, finish_dropbox_flow, free_port

CONSOLE_CALLBACK = "http://console.test/console/dropbox/callback"


@pytest.fixture(scope="module")
def dropbox_service(start_module_service, dropbox_emulator: RunningEmulator) -> ServiceProcess:
    """dropbox-service on real Kafka and Redis, its SDK pointed at the emulator."""
    port = free_port()
    return start_module_service(
        "dropbox-service",
        DROPBOX_SERVICE_PORT=str(port),
        DROPBOX_CA_FILE=str(dropbox_emulator.ca_file),
        DROPBOX_REDIRECT_URI=CONSOLE_CALLBACK,
        DROPBOX_BACKOFF_BASE_S="0.05",
        DROPBOX_MAX_5XX_RETRIES="2",
        # A rate limit longer than this redelivers a grant and fails a removal.
        DROPBOX_RATE_LIMIT_BUDGET_S="2",
        # A request Dropbox keeps failing is redelivered for this long, then reported failed.
        DROPBOX_OUTAGE_GIVE_UP_S="6",
    )


@pytest.fixture
def connect(dropbox_service: ServiceProcess, dropbox_emulator: RunningEmulator):
    """Run the whole connect flow for `owner_id` as the Dropbox account `email`."""

    def run(owner_id: str, email: str) -> httpx.Response:
        start = httpx.get(
            f"{dropbox_service.base_url}/v1/dropbox/connect", headers=bearer(owner_id)
        )
        assert start.status_code == 200, start.text
        callback = dropbox_emulator.approve(start.json()["authorize_url"], email)
        return finish(dropbox_service, owner_id, callback)

    return run


def finish(service: ServiceProcess, owner_id: str, callback: str) -> httpx.Response:
    """Dropbox's redirect, sent to the console, finished as `owner_id`."""
    assert callback.startswith(CONSOLE_CALLBACK + "?"), callback
    return finish_dropbox_flow(service.base_url, owner_id, callback)


@pytest.fixture
def topic(module_prefix: str) -> Callable[[str], str]:
    """The deployed name of a topic for this module's service."""
    return lambda name: module_prefix + name


@pytest.fixture
def owner_id() -> str:
    """A producer of this test alone."""
    return f"u-{uuid4().hex[:8]}"
