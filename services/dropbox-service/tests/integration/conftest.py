from collections.abc import Callable
from urllib.parse import urlsplit
from uuid import uuid4

import httpx
import pytest
from dropbox_emulator.testing import RunningEmulator
from service_kit.testing import ServiceProcess, bearer, free_port

CONSOLE = "http://console.test/console"


@pytest.fixture(scope="module")
def dropbox_service(start_module_service, dropbox_emulator: RunningEmulator) -> ServiceProcess:
    """dropbox-service on real Kafka and Redis, its SDK pointed at the emulator."""
    port = free_port()
    return start_module_service(
        "dropbox-service",
        DROPBOX_SERVICE_PORT=str(port),
        DROPBOX_CA_FILE=str(dropbox_emulator.ca_file),
        DROPBOX_REDIRECT_URI=f"http://127.0.0.1:{port}/v1/dropbox/callback",
        CONSOLE_URL=CONSOLE,
        DROPBOX_BACKOFF_BASE_S="0.05",
        DROPBOX_MAX_5XX_RETRIES="2",
        # A rate limit longer than this redelivers a grant and fails a removal.
        DROPBOX_RATE_LIMIT_BUDGET_S="2",
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
        assert urlsplit(callback).path == "/v1/dropbox/callback"
        return httpx.get(callback)

    return run


@pytest.fixture
def topic(module_prefix: str) -> Callable[[str], str]:
    """The deployed name of a topic for this module's service."""
    return lambda name: module_prefix + name


@pytest.fixture
def owner_id() -> str:
    """A producer of this test alone."""
    return f"u-{uuid4().hex[:8]}"
