"""One emulator subprocess for these tests, with the real dropbox SDK pointed at it.

The SDK reads DROPBOX_API_HOST, DROPBOX_API_CONTENT_HOST and DROPBOX_WEB_HOST once, when
`dropbox.session` is imported, so they are set here and the SDK imported before any test
module; then they are put back, so nothing else (a service started in a subprocess) inherits them.
"""

import importlib
import os
import sys
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit
from uuid import uuid4

import pytest
from dropbox_emulator.testing import SDK_HOST_VARS, RunningEmulator, free_port, sdk_env


def _sdk_port() -> int | None:
    """The port the SDK talks to: chosen here, unless `dropbox` was imported earlier."""
    if "dropbox" in sys.modules:
        host = sys.modules["dropbox"].session.API_HOST
    else:
        host = os.environ.get("DROPBOX_API_HOST") or sdk_env(free_port())["DROPBOX_API_HOST"]
    name, _, port = host.partition(":")
    return int(port) if name in {"localhost", "127.0.0.1"} and port.isdigit() else None


def _import_sdk(port: int | None) -> ModuleType:
    """Import the SDK pointed at `port`, then put the environment back as it was."""
    saved = {name: os.environ.get(name) for name in SDK_HOST_VARS}
    if port is not None:
        os.environ.update(sdk_env(port))
    try:
        return importlib.import_module("dropbox")
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


SDK_PORT = _sdk_port()
dropbox = _import_sdk(SDK_PORT)

import httpx  # noqa: E402

APP_KEY = "share-links-test"
REDIRECT_URI = "https://app.example.test/dropbox/callback"


@pytest.fixture(scope="session")
def emulator(dropbox_emulator: RunningEmulator) -> RunningEmulator:
    """The suite-wide emulator of the root conftest, which the SDK here talks to."""
    assert SDK_PORT == dropbox_emulator.port, (
        "dropbox was imported before DROPBOX_API_HOST pointed at the emulator"
    )
    return dropbox_emulator


@pytest.fixture
def clock(control: httpx.Client) -> Iterator[Callable[[float], None]]:
    """Move the emulator's clock forward; it is moved back after the test."""
    moved: list[float] = []

    def advance(seconds: float) -> None:
        control.post("/_emulator/clock", json={"advance_s": seconds}).raise_for_status()
        moved.append(seconds)

    yield advance
    if moved:
        control.post("/_emulator/clock", json={"advance_s": -sum(moved)}).raise_for_status()


@pytest.fixture(scope="session")
def control(emulator: RunningEmulator) -> Iterator[httpx.Client]:
    """A client for the control API (/_emulator/...)."""
    with httpx.Client(
        base_url=emulator.base_url, verify=emulator.ssl_context(), trust_env=False
    ) as client:
        yield client


@pytest.fixture(scope="session")
def sdk_session(emulator: RunningEmulator) -> Iterator[Any]:
    """The SDK's HTTP session; trust_env=False so REQUESTS_CA_BUNDLE cannot replace the CA."""
    session = dropbox.create_session(ca_certs=str(emulator.ca_file))
    session.trust_env = False
    yield session
    session.close()


@pytest.fixture
def email() -> str:
    """A fresh account address, so tests share one emulator without meeting."""
    return f"u{uuid4().hex[:10]}@example.com"


@pytest.fixture(scope="session")
def app_key() -> str:
    """The app key the tests' OAuth flows use."""
    return APP_KEY


@pytest.fixture
def connect(emulator: RunningEmulator, sdk_session: Any) -> Callable[[str], Any]:
    """Run the OAuth PKCE flow for an account; returns the SDK's OAuth2FlowResult."""

    def run(login: str) -> Any:
        csrf: dict[str, str] = {}
        flow = dropbox.DropboxOAuth2Flow(
            APP_KEY,
            REDIRECT_URI,
            csrf,
            "csrf",
            use_pkce=True,
            token_access_type="offline",
            ca_certs=str(emulator.ca_file),
        )
        flow.requests_session.trust_env = False
        url = flow.start("tests") + "&" + urlencode({"login_hint": login})
        approval = sdk_session.get(url, allow_redirects=False)
        assert approval.status_code == 302, approval.text
        with flow.requests_session:
            return flow.finish(dict(parse_qsl(urlsplit(approval.headers["location"]).query)))

    return run


@pytest.fixture
def sdk(connect: Callable[[str], Any], sdk_session: Any) -> Callable[[str], dropbox.Dropbox]:
    """An SDK client for an account (connected via OAuth), with SDK retries off."""

    def make(login: str) -> dropbox.Dropbox:
        return dropbox.Dropbox(
            oauth2_refresh_token=connect(login).refresh_token,
            app_key=APP_KEY,
            session=sdk_session,
            max_retries_on_error=0,
            max_retries_on_rate_limit=0,
        )

    return make
