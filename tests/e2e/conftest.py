"""One running system per test module: link-service, dropbox-service (emulator), gateway."""

import os
import re
import signal
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from devstack import kafka, procs
from devstack.packages import debian_program
from devstack.paths import run_dir
from dropbox_emulator.seed import demo_contents
from dropbox_emulator.testing import RunningEmulator
from messaging.testing import wait_until, wait_until_sync
from playwright.async_api import Browser, Page, async_playwright
from service_kit.testing import (
    BROWSER,
    ServiceProcess,
    bearer,
    finish_dropbox_flow,
    free_port,
    infra_env,
    new_prefix,
    start_service,
)
from smtp_sink.testing import RunningSink, running_sink

from .accessibility import AccessibilityWatch

# What every share response carries (DESIGN §6), besides a Content-Security-Policy.
SHARE_HEADERS = {
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-robots-tag": "noindex, nofollow",
    "x-content-type-options": "nosniff",
}
# Long enough for a streamed preview to come in several network reads.
WAV = b"RIFF" + bytes(range(256)) * 1200
STEMS = b"PK\x03\x04" + b"stems" * 300
PROJECT = b"\x1f\x8b" + b"ableton" * 50


@dataclass
class System:
    """The running services and a producer whose Dropbox is connected."""

    prefix: str
    gateway: ServiceProcess
    link_service: ServiceProcess
    dropbox: ServiceProcess
    emulator: RunningEmulator
    owner_id: str
    email: str
    logs: Path
    tokens: list[str] = field(default_factory=list)  # of every link shared

    @property
    def producer(self) -> dict[str, str]:
        """The producer's request headers."""
        return bearer(self.owner_id)

    def put_track(self, track_id: str, title: str, **extra: object) -> None:
        """Upload a track's three files to the emulator and put it in the catalog."""
        folder = f"/Producer Dashboard/{track_id}"
        files = [
            ("bounce", f"{title} (Master).wav", WAV + track_id.encode()),
            ("stem", f"{title} Stems.zip", STEMS),
            ("project", f"{title}.als", PROJECT),
        ]
        with httpx.Client(verify=self.emulator.ssl_context(), trust_env=False) as control:
            for _, name, data in files:
                stored = control.put(
                    f"{self.emulator.base_url}/_emulator/files",
                    params={"account": self.email, "path": f"{folder}/{track_id}-{name}"},
                    content=data,
                )
                stored.raise_for_status()
        body = {
            "title": title,
            "artist": "Mara Vale",
            "bucket": "EP",
            "dropbox_folder": folder,
            "files": [
                {
                    "file_id": f"{track_id}-{role}",
                    "name": name,
                    "role": role,
                    "dropbox_path": f"{folder}/{track_id}-{name}",
                    "size": len(data),
                }
                for role, name, data in files
            ],
        } | extra
        answer = httpx.put(
            f"{self.link_service.base_url}/v1/catalog/tracks/{track_id}",
            json=body,
            headers=self.producer,
        )
        assert answer.status_code == 200, answer.text

    def share(self, **body: object) -> dict:
        """Create a link; answer its JSON."""
        answer = httpx.post(
            f"{self.link_service.base_url}/v1/links", json=body, headers=self.producer
        )
        assert answer.status_code == 201, answer.text
        self.tokens.append(answer.json()["token"])
        return answer.json()

    def page_path(self, link: dict) -> str:
        """The share page's address on the gateway under test."""
        return f"{self.gateway.base_url}/s/{link['token']}"

    def revoke(self, link: dict) -> httpx.Response:
        """The producer revokes a link."""
        return httpx.post(
            f"{self.link_service.base_url}/v1/links/{link['id']}/revoke", headers=self.producer
        )

    def another_producer(self) -> "System":
        """The same services for a producer of their own, Dropbox connected."""
        other = replace(self, owner_id=f"u-{uuid4().hex[:8]}", email=f"p{uuid4().hex[:8]}@x.com")
        other.connect_dropbox()
        return other

    def connect_dropbox(self) -> None:
        """The producer connects Dropbox; wait until link-service has heard of it."""
        start = httpx.get(f"{self.dropbox.base_url}/v1/dropbox/connect", headers=self.producer)
        callback = self.emulator.approve(start.json()["authorize_url"], self.email)
        assert (
            finish_dropbox_flow(self.dropbox.base_url, self.owner_id, callback).status_code == 200
        )
        wait_until_sync(
            lambda: httpx.post(
                f"{self.link_service.base_url}/v1/links",
                json={"tracks": ["no-such-track"]},
                headers=self.producer,
            ),
            until=lambda probe: probe.status_code != 409,
            interval_s=0.2,
            message="link-service to learn that Dropbox is connected",
        )

    def log_text(self) -> str:
        """Everything the three services have logged so far."""
        return "".join(path.read_text(errors="replace") for path in self.logs.glob("*.log"))


def player_urls(html: str) -> list[str]:
    """The preview URLs of a page's players, as the browser resolves them."""
    return [u.replace("&amp;", "&") for u in re.findall(r'<audio[^>]+src="([^"]+)"', html)]


# The role of each of the emulator's demo files in a catalog, by extension.
DEMO_ROLES = {
    "wav": "bounce",
    "mp3": "bounce",
    "zip": "stem",
    "als": "project",
    "logicx": "project",
}


def put_demo_song(
    emulator: RunningEmulator,
    link_service_url: str,
    owner_id: str,
    account: str,
    track_id: str,
    title: str,
    **extra: object,
) -> dict[str, bytes]:
    """One of the emulator's synthesised demo songs (its latest version), uploaded to the
    Dropbox `account` and put in `owner_id`'s catalog; answers its files' bytes by name."""
    contents = {
        path.rsplit("/", 1)[1]: data
        for path, data in demo_contents()[title].items()
        if "/Versions/" not in path
    }
    folder = f"/Songs/{track_id}"
    with httpx.Client(verify=emulator.ssl_context(), trust_env=False) as control:
        for name, data in contents.items():
            control.put(
                f"{emulator.base_url}/_emulator/files",
                content=data,
                params={"account": account, "path": f"{folder}/{name}"},
            ).raise_for_status()
    files = [
        {
            "file_id": f"{track_id}-{name.rsplit('.', 1)[1]}",
            "name": name,
            "role": DEMO_ROLES[name.rsplit(".", 1)[1]],
            "dropbox_path": f"{folder}/{name}",
            "size": len(data),
        }
        for name, data in contents.items()
    ]
    body = {"title": title, "artist": "Mara Vale", "dropbox_folder": folder, "files": files}
    answer = httpx.put(
        f"{link_service_url}/v1/catalog/tracks/{track_id}",
        headers=bearer(owner_id),
        json=body | extra,
    )
    assert answer.status_code == 200, answer.text
    return contents


@contextmanager
def kafka_paused() -> Iterator[None]:
    """Kafka frozen (SIGSTOP, every node) for the block: every client sees it gone, then it
    resumes."""
    pids = [procs.read_pid(node.name) for node in kafka.nodes()]
    if None in pids:
        pytest.skip("Kafka was not started by devstack here, so this test cannot pause it")
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


@pytest.fixture(scope="module")
def system(
    kafka_bootstrap: str,
    redis_url: str,
    dropbox_emulator: RunningEmulator,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[System]:
    prefix = new_prefix()
    base = infra_env(kafka_bootstrap, redis_url, prefix)
    dropbox_port, gateway_port = free_port(), free_port()
    logs = tmp_path_factory.mktemp("logs")
    started: list[ServiceProcess] = []
    try:
        dropbox = start_service(
            "dropbox-service",
            base
            | {
                "DROPBOX_SERVICE_PORT": str(dropbox_port),
                "DROPBOX_CA_FILE": str(dropbox_emulator.ca_file),
                "DROPBOX_REDIRECT_URI": f"http://127.0.0.1:{gateway_port}/console/dropbox/callback",
            },
            log=logs / "dropbox-service.log",
        )
        started.append(dropbox)
        link_service = start_service(
            "link-service",
            base | {"PUBLIC_BASE_URL": f"http://127.0.0.1:{gateway_port}"},
            log=logs / "link-service.log",
        )
        started.append(link_service)
        gateway = start_service(
            "gateway",
            base
            | {
                "GATEWAY_PORT": str(gateway_port),
                "LINK_SERVICE_URL": link_service.base_url,
                "DROPBOX_SERVICE_URL": dropbox.base_url,
                "DROPBOX_CA_FILE": str(dropbox_emulator.ca_file),
                "TRUSTED_PROXIES": "127.0.0.1",  # the tests' clients stand in for a proxy
                "UNKNOWN_TOKEN_BURST": "5",
            },
            log=logs / "gateway.log",
        )
        started.append(gateway)
        for service in started:
            service.wait_ready()
        running = System(
            prefix,
            gateway,
            link_service,
            dropbox,
            dropbox_emulator,
            f"u-{uuid4().hex[:8]}",
            f"p{uuid4().hex[:8]}@example.com",
            logs,
        )
        running.connect_dropbox()
        yield running
    finally:
        for service in started:
            service.stop()


@pytest.fixture
def person() -> dict[str, str]:
    """Headers of a person's browser (a fresh address, so rate limits do not meet)."""
    return {"User-Agent": BROWSER, "X-Forwarded-For": f"198.51.100.{uuid4().int % 250 + 1}"}


@pytest.fixture(scope="module")
def playlist(system: System) -> dict:
    """Three tracks shared as a playlist: everything included, only audio downloadable."""
    for track_id, title in (("t-1", "Night Drive"), ("t-2", "Neon Rain"), ("t-3", "Glass Harbor")):
        system.put_track(track_id, title)
    return system.share(
        tracks=["t-1", "t-2", "t-3"],
        downloads=["audio"],
        title="EP for Label X",
        message="Mixes v3, feedback welcome",
    )


# What a headless Chromium needs on a machine with a closed network (tests/e2e README).
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


@pytest.fixture(scope="module")
def sink() -> Iterator[RunningSink]:
    """The SMTP sink, for a module whose services send mail."""
    with running_sink() as running:
        yield running


@pytest.fixture(scope="module")
async def browser(chromium: str) -> AsyncIterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_FLAGS
        )
        yield launched
        await launched.close()


@pytest.fixture
async def accessibility(browser: Browser) -> AsyncIterator[AccessibilityWatch]:
    """axe-core on every document the test's browser context loads (accessibility.py); the
    test fails on any violation, listed with its rule, impact, elements and help."""
    context = await browser.new_context(
        user_agent=BROWSER, ignore_https_errors=True, accept_downloads=True
    )
    watch = await AccessibilityWatch.of(context)
    yield watch
    problems = await watch.problems()
    await context.close()
    if problems:
        pytest.fail(problems, pytrace=False)


@pytest.fixture
async def page(accessibility: AccessibilityWatch) -> Page:
    """A fresh browser tab of a person (not a bot), every page it loads checked by axe-core.
    The emulator's temporary links are signed by its own CA; a download follows one."""
    return await accessibility.context.new_page()


async def until(page: Page, expression: str, timeout_s: float = 15) -> None:
    """Poll `expression` in the page (the pages' CSP rules out wait_for_function's eval)."""
    await wait_until(lambda: page.evaluate(expression), timeout_s=timeout_s, message=expression)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, installed with apt-get when missing; never a downloaded browser."""
    return debian_program("chromium", "chromium", "the browser tests drive it")


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where browser tests leave their screenshots for people to look at."""
    folder = run_dir() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
