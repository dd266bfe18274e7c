"""Injected faults and call counts, as the SDK sees them."""

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import dropbox
import httpx
import pytest
from dropbox.exceptions import InternalServerError, RateLimitError

pytestmark = pytest.mark.integration

DEMO = "producer@example.com"
MASTER = "/Producer Dashboard/Night Drive/Night Drive (Master).wav"
Sdk = Callable[[str], dropbox.Dropbox]


@pytest.fixture(autouse=True)
def no_faults_left(control: httpx.Client) -> Iterator[None]:
    """Clear armed faults after each test, so none leaks into the next."""
    yield
    control.delete("/_emulator/faults").raise_for_status()


def arm(control: httpx.Client, **fault: Any) -> None:
    """Arm a fault through the control API."""
    control.post("/_emulator/faults", json=fault).raise_for_status()


def armed(control: httpx.Client) -> list[dict[str, Any]]:
    """The faults still armed."""
    faults: list[dict[str, Any]] = control.get("/_emulator/faults").json()
    return faults


def test_429_is_a_rate_limit_error_with_the_retry_after(sdk: Sdk, control: httpx.Client) -> None:
    dbx = sdk(DEMO)
    arm(control, route="files/get_temporary_link", status=429, count=2, retry_after=7)

    with pytest.raises(RateLimitError) as first:
        dbx.files_get_temporary_link(MASTER)
    left = armed(control)
    with pytest.raises(RateLimitError):
        dbx.files_get_temporary_link(MASTER)

    assert first.value.backoff == 7
    assert [(f["route"], f["count"]) for f in left] == [("files/get_temporary_link", 1)]
    assert armed(control) == []
    assert dbx.files_get_temporary_link(MASTER).link


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_is_an_internal_server_error(sdk: Sdk, control: httpx.Client, status: int) -> None:
    dbx = sdk(DEMO)
    arm(control, route="files/get_metadata", status=status)

    with pytest.raises(InternalServerError) as failed:
        dbx.files_get_metadata(MASTER)

    assert failed.value.status_code == status
    assert dbx.files_get_metadata(MASTER).size > 0


def test_a_failing_token_endpoint_surfaces_on_refresh(sdk: Sdk, control: httpx.Client) -> None:
    dbx = sdk(DEMO)
    arm(control, route="oauth2/token", status=503)

    with pytest.raises(InternalServerError):
        dbx.users_get_current_account()


def test_401_fault_makes_the_sdk_refresh_and_retry(
    connect: Callable[[str], Any], sdk_session: Any, control: httpx.Client, app_key: str
) -> None:
    result = connect(DEMO)
    dbx = dropbox.Dropbox(
        oauth2_access_token=result.access_token,
        oauth2_refresh_token=result.refresh_token,
        oauth2_access_token_expiration=datetime(2999, 1, 1),
        app_key=app_key,
        session=sdk_session,
        max_retries_on_error=0,
    )
    before = control.get("/_emulator/calls").json()["oauth2/token"]
    arm(control, route="users/get_current_account", status=401)

    assert dbx.users_get_current_account().email == DEMO
    assert control.get("/_emulator/calls").json()["oauth2/token"] == before + 1


def test_delay_only_fault_slows_a_call(sdk: Sdk, control: httpx.Client) -> None:
    dbx = sdk(DEMO)
    arm(control, route="files/get_metadata", delay_ms=300)

    started = time.monotonic()
    dbx.files_get_metadata(MASTER)

    assert time.monotonic() - started >= 0.3


def test_a_fault_for_every_route_applies_where_a_route_has_none_of_its_own(
    sdk: Sdk, control: httpx.Client
) -> None:
    dbx = sdk(DEMO)
    arm(control, route="*", delay_ms=300, count=3)
    arm(control, route="files/get_metadata", status=429)

    with pytest.raises(RateLimitError):  # its own fault; the token refresh before it: slow
        dbx.files_get_metadata(MASTER)
    started = time.monotonic()
    link = dbx.files_get_temporary_link(MASTER)  # a refresh and the call: both slow

    assert time.monotonic() - started >= 0.6 and link.link
    assert armed(control) == []


def test_faults_can_be_cleared(sdk: Sdk, control: httpx.Client) -> None:
    arm(control, route="files/get_metadata", status=500, count=5)

    control.delete("/_emulator/faults").raise_for_status()

    assert armed(control) == []
    assert sdk(DEMO).files_get_metadata(MASTER).size > 0


def test_downloads_can_fail_too(sdk: Sdk, control: httpx.Client, sdk_session: Any) -> None:
    link = sdk(DEMO).files_get_temporary_link(MASTER).link
    arm(control, route="tl", status=503)

    assert sdk_session.get(link).status_code == 503
    assert sdk_session.get(link).status_code == 200


def test_every_call_is_counted_by_route(sdk: Sdk, control: httpx.Client, sdk_session: Any) -> None:
    before = control.get("/_emulator/calls").json()
    dbx = sdk(DEMO)

    sdk_session.get(dbx.files_get_temporary_link(MASTER).link)
    dbx.files_get_metadata(MASTER)

    after = control.get("/_emulator/calls").json()
    for route in ("oauth2/authorize", "files/get_temporary_link", "files/get_metadata", "tl"):
        assert after[route] - before.get(route, 0) == 1, route
    assert after["oauth2/token"] - before.get("oauth2/token", 0) >= 2  # exchange + refresh
