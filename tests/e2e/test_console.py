"""The producer console as a person uses it (DESIGN §13, issue 12): Debian's Chromium, driven
by Playwright, over every service on real Kafka and Redis, the Dropbox emulator over HTTPS
and the SMTP sink. Sign in, connect Dropbox on the emulator's consent page, select with
Shift, create a link, listen and download, watch the counts, revoke from the three-dots
menu, share with collaborators, remove one."""

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from contracts.auth import issue_producer_token
from dropbox_emulator.testing import RunningEmulator
from messaging.testing import wait_until, wait_until_sync
from playwright.async_api import Page
from service_kit.settings import DEV_JWT_SECRET
from service_kit.testing import (
    BROWSER,
    ServiceProcess,
    bearer,
    finish_dropbox_flow,
    free_port,
    infra_env,
    start_service,
)
from smtp_sink.testing import RunningSink

from .accessibility import AccessibilityWatch
from .conftest import put_demo_song, until

pytestmark = pytest.mark.e2e

TITLES = ("Glass Harbor", "Neon Rain", "Night Drive")  # the grid's order: by title


@dataclass
class Console:
    """The running system, the producer who signs in, the collaborators of one track, and
    Cleo, who has a dashboard account (the sign-in page offers her)."""

    services: dict[str, ServiceProcess]
    emulator: RunningEmulator
    sink: RunningSink
    producer: str
    dropbox_email: str
    ana: dict[str, str | None]
    bo: dict[str, str | None]
    cleo_user: str

    @property
    def url(self) -> str:
        return self.services["gateway"].base_url


@pytest.fixture(scope="module")
def console(
    kafka_bootstrap: str,
    redis_url: str,
    dropbox_emulator: RunningEmulator,
    sink: RunningSink,
    module_prefix: str,
) -> Iterator[Console]:
    """Every service, with a producer the sign-in page offers and whose Dropbox holds three
    real songs; Dropbox not connected yet."""
    suffix = uuid4().hex[:8]
    producer, ana_user, cleo_user = f"u-p{suffix}", f"u-ana{suffix}", f"u-cleo{suffix}"
    env = infra_env(kafka_bootstrap, redis_url, module_prefix) | {"CONSUMER_LAG_INTERVAL_S": "1"}
    ports = {name: free_port() for name in ("gateway", "link", "dropbox", "notify", "analytics")}
    gateway = f"http://127.0.0.1:{ports['gateway']}"
    started = {
        "link": start_service(
            "link-service",
            env | {"LINK_SERVICE_PORT": str(ports["link"]), "PUBLIC_BASE_URL": gateway},
        ),
        "dropbox": start_service(
            "dropbox-service",
            env
            | {
                "DROPBOX_SERVICE_PORT": str(ports["dropbox"]),
                "LINK_SERVICE_URL": f"http://127.0.0.1:{ports['link']}",
                "DROPBOX_CA_FILE": str(dropbox_emulator.ca_file),
                "DROPBOX_REDIRECT_URI": f"{gateway}/console/dropbox/callback",
            },
        ),
        "notify": start_service(
            "notify-service",
            env
            | {
                "NOTIFY_SERVICE_PORT": str(ports["notify"]),
                "SMTP_HOST": sink.host,
                "SMTP_PORT": str(sink.smtp_port),
                "CONSOLE_URL": f"{gateway}/console",
            },
        ),
        "analytics": start_service(
            "analytics-service", env | {"ANALYTICS_SERVICE_PORT": str(ports["analytics"])}
        ),
    }
    # Cleo has an account too: another producer of this module shares with her (see below).
    producers = [[producer, "Test Producer"], [ana_user, "Ana Test"], [cleo_user, "Cleo Test"]]
    started["gateway"] = start_service(
        "gateway",
        env
        | {
            "GATEWAY_PORT": str(ports["gateway"]),
            "LINK_SERVICE_URL": started["link"].base_url,
            "DROPBOX_SERVICE_URL": started["dropbox"].base_url,
            "NOTIFY_SERVICE_URL": started["notify"].base_url,
            "ANALYTICS_SERVICE_URL": started["analytics"].base_url,
            "DROPBOX_CA_FILE": str(dropbox_emulator.ca_file),
            "CONSOLE_DEMO_PRODUCERS": json.dumps(producers),
        },
    )
    try:
        for service in started.values():
            service.wait_ready()
        running = Console(
            started,
            dropbox_emulator,
            sink,
            producer,
            f"p{suffix}@example.com",
            {
                "collaborator_id": "c-ana",
                "email": f"ana{suffix}@example.com",
                "name": "Ana Test",
                "user_id": ana_user,
            },
            {
                "collaborator_id": "c-bo",
                "email": f"bo{suffix}@example.com",
                "name": "Bo Test",
                "user_id": None,
            },
            cleo_user,
        )
        _put_catalog(running)
        yield running
    finally:
        for service in started.values():
            service.stop()


def _put_catalog(console: Console) -> None:
    """Three real songs in the producer's Dropbox and catalog; Night Drive has collaborators."""
    for title in TITLES:
        people = [console.ana, console.bo] if title == "Night Drive" else []
        put_demo_song(
            console.emulator,
            console.services["link"].base_url,
            console.producer,
            console.dropbox_email,
            "t-" + title.lower().replace(" ", "-"),
            title,
            artist="Test Producer",
            bucket="EP",
            collaborators=people,
        )


def _person(name: str, user_id: str | None = None) -> dict[str, str | None]:
    """A collaborator of a catalog, with an address of their own."""
    tag = uuid4().hex[:8]
    return {
        "collaborator_id": f"c-{name.lower()}",
        "email": f"{name.lower()}{tag}@example.com",
        "name": f"{name} Test",
        "user_id": user_id,
    }


def _another_producer(
    console: Console, ana: dict[str, str | None], producer: str | None = None
) -> Console:
    """The same system for another producer (`producer`, else a new one) with the same
    catalog (`ana` and a Bo of their own on Night Drive), Dropbox connected through the API,
    as link-service has heard."""
    suffix = uuid4().hex[:8]
    other = replace(
        console,
        producer=producer or f"u-p{suffix}",
        dropbox_email=f"p{suffix}@example.com",
        ana=ana,
        bo=_person("Bo"),
    )
    _put_catalog(other)
    dropbox = other.services["dropbox"].base_url
    start = httpx.get(f"{dropbox}/v1/dropbox/connect", headers=bearer(other.producer))
    callback = other.emulator.approve(start.json()["authorize_url"], other.dropbox_email)
    assert finish_dropbox_flow(dropbox, other.producer, callback).status_code == 200
    wait_until_sync(
        lambda: httpx.post(
            f"{other.services['link'].base_url}/v1/links",
            json={"tracks": ["none"]},
            headers=bearer(other.producer),
        ),
        until=lambda answer: answer.status_code != 409,
        message="link-service to hear that Dropbox is connected",
    )
    return other


def _share_night_drive(console: Console) -> None:
    """The producer shares Night Drive with its collaborators; both are mailed."""
    started = httpx.post(
        f"{console.services['link'].base_url}/v1/tracks/t-night-drive/collaborators/share",
        json={"mode": "folder"},
        headers=bearer(console.producer),
    )
    assert started.status_code == 202, started.text
    wait_until_sync(
        lambda: all(console.sink.messages_to(str(p["email"])) for p in (console.ana, console.bo)),
        message="the mails to both collaborators",
    )


@pytest.fixture(scope="module")
def connected(console: Console) -> Console:
    """Another producer with the console's catalog, Dropbox connected; the collaborators of
    their Night Drive have no accounts."""
    return _another_producer(console, _person("Ana"))


@pytest.fixture(scope="module")
def ana_producing(console: Console) -> Console:
    """Ana, whom the sign-in page offers, as a producer with the catalog, Dropbox connected."""
    return _another_producer(console, _person("Dee"), producer=str(console.ana["user_id"]))


@pytest.fixture(scope="module")
def shared_with_cleo(console: Console) -> Console:
    """Another producer who shared their Night Drive with Cleo, who has an account."""
    other = _another_producer(console, _person("Cleo", console.cleo_user))
    _share_night_drive(other)
    return other


async def _sign_in(page: Page, console: Console, name: str) -> None:
    await page.goto(f"{console.url}/console")
    assert page.url.endswith("/console/sign-in"), "a browser without a session signs in first"
    await page.get_by_role("button", name=f"Sign in as {name}").click()
    await page.wait_for_url(f"{console.url}/console")


async def _connect_dropbox(page: Page, console: Console, shots: Path) -> None:
    """Settings → Connect Dropbox → the emulator's consent page → back, connected."""
    await page.get_by_role("link", name="Settings").click()
    await page.get_by_role("link", name="Connect Dropbox").click()
    await page.wait_for_url("https://localhost:*/oauth2/authorize?*")
    assert "sharing.write" in await page.inner_text("body"), "the app names its scopes"
    await page.get_by_label("Signed in as").fill(console.dropbox_email)
    await page.get_by_role("button", name="Allow").click()
    await page.wait_for_url(f"{console.url}/console/settings?notice=dropbox_connected")
    assert f"({console.dropbox_email})" in await page.inner_text("main")
    await page.screenshot(path=shots / "console-settings.png", full_page=True)
    # link-service hears of the connection over Kafka, a moment later.
    probe = f"{console.services['link'].base_url}/v1/links"

    async def link_service_knows() -> bool:
        answer = httpx.post(probe, json={"tracks": ["none"]}, headers=bearer(console.producer))
        return answer.status_code != 409

    await wait_until(link_service_knows, timeout_s=30)


async def _create_playlist(
    page: Page, console: Console, shots: Path, accessibility: AccessibilityWatch
) -> str:
    """Click one track, Shift-click the next; audio-only, 7 days; the URL to copy."""
    await page.goto(f"{console.url}/console")
    tiles = page.locator("[data-tile]")
    await tiles.nth(0).click()
    await tiles.nth(1).click(modifiers=["Shift"])
    await page.get_by_text("2 tracks selected").wait_for()
    assert [await t.is_checked() for t in await page.locator("[data-tile] input").all()] == [
        True,
        True,
        False,
    ]
    panel = page.get_by_role("complementary", name="Activity panel")
    await panel.get_by_label("Audio files").check()
    await panel.get_by_label("Expires after").check()
    await panel.get_by_label("Days until the link expires").fill("7")
    await panel.get_by_label("Title").fill("For Label X")
    await accessibility.check(page)  # the panel the selection fetched
    await page.screenshot(path=shots / "console-tracks.png", full_page=True)
    await panel.get_by_role("button", name="Create Share Link").click()
    await page.wait_for_url(f"{console.url}/console/links/lnk_*?notice=link_created")
    details = await page.inner_text("main")
    assert (
        "Playlist · 2 tracks" in details and "downloads: audio" in details and "expires" in details
    )
    return await page.get_by_label("Share URL").input_value()


async def _listen_and_download(page: Page, share_url: str) -> None:
    await page.goto(share_url)
    await page.evaluate("document.querySelector('audio.player').play()")
    await until(page, "document.querySelector('audio.player').currentTime > 0.3")
    async with page.expect_download() as started:
        await page.locator("a.download", has_text="(Master).wav").first.click()
    saved = Path(await (await started.value).path())
    assert saved.read_bytes()[:4] == b"RIFF"


async def _counts_rise(page: Page, console: Console, shots: Path) -> None:
    row = page.locator("tr", has_text="For Label X")

    async def views_and_downloads() -> tuple[int, int]:
        await page.goto(f"{console.url}/console/links")
        views = int(await row.locator("[data-views]").inner_text())
        return views, int(await row.locator("[data-downloads]").inner_text())

    await wait_until(
        views_and_downloads,
        until=lambda counts: min(counts) >= 1,
        interval_s=0.2,
        message="the view and the download in the management view",
    )
    assert "audio 1" in await row.inner_text()
    await page.screenshot(path=shots / "console-links.png", full_page=True)


async def _revoke_from_the_menu(
    page: Page, share_url: str, shots: Path, accessibility: AccessibilityWatch
) -> None:
    row = page.locator("tr", has_text="For Label X")
    await row.get_by_label("Options for For Label X").click()
    await accessibility.check(page)  # the menu open
    await page.screenshot(path=shots / "console-links-menu.png", full_page=True)
    await row.get_by_role("link", name="Revoke Link").click()
    assert "cannot be undone" in await page.inner_text("main")
    await page.get_by_role("button", name="Revoke Link").click()
    await page.get_by_text("The link is revoked").wait_for()
    await page.screenshot(path=shots / "console-link-detail.png", full_page=True)
    shown = await page.goto(share_url)
    assert shown is not None and shown.status == 410
    assert "This share has been disabled" in await page.inner_text("body")


async def _dots(page: Page) -> dict[str, str]:
    """Each collaborator's dot in the Share widget, by name."""
    people = page.locator(".people li")
    dots = {}
    for person in await people.all():
        name = (await person.inner_text()).split("\n")[0].split(" ")[0]
        dots[name] = (await person.locator(".dot").get_attribute("class") or "").split()[-1]
    return dots


async def _share_with_collaborators(page: Page, console: Console, shots: Path) -> None:
    """Share Night Drive: the job's bar fills, both dots turn green, both mails arrive."""
    await page.goto(f"{console.url}/console")
    await page.locator("[data-tile]", has_text="Night Drive").click()
    await page.get_by_text("1 track selected").wait_for()
    assert await _dots(page) == {"Ana": "not_shared", "Bo": "not_shared"}
    await page.get_by_role("button", name="Share with collaborators").click()
    await page.wait_for_url(f"{console.url}/console/jobs/job_*")
    await page.get_by_text("1 of 1 tracks · done").wait_for(timeout=30_000)
    assert await page.evaluate("document.querySelector('progress').value") == 1
    await page.screenshot(path=shots / "console-share-progress.png", full_page=True)
    await page.get_by_role("link", name="Back to the tracks").click()
    assert await _dots(page) == {"Ana": "granted", "Bo": "granted"}
    assert await page.locator(".share-track .dot.all").count() == 1
    await page.screenshot(path=shots / "console-share-panel.png", full_page=True)

    async def both_mailed() -> bool:
        return all(console.sink.messages_to(str(p["email"])) for p in (console.ana, console.bo))

    await wait_until(both_mailed, timeout_s=30)


async def _remove_bo(page: Page, console: Console) -> None:
    """Remove Bo, confirmed: his dot turns gray; Ana keeps hers."""
    await page.get_by_label("Remove Bo Test's access").click()
    assert "Remove Bo Test's access" in await page.inner_text("main")
    await page.get_by_role("button", name="Remove access").click()
    removed = {"Ana": "granted", "Bo": "not_shared"}

    async def dots() -> dict[str, str]:
        shown = await _dots(page)
        if shown != removed:
            await page.reload()
        return shown

    await wait_until(
        dots, until=lambda shown: shown == removed, interval_s=0.2, message="Bo's dot to turn gray"
    )


async def _by_keyboard_on_a_phone(
    page: Page, console: Console, shots: Path, accessibility: AccessibilityWatch
) -> None:
    """Phone width: nothing wider than the screen; Tab to a track and Space selects it, the
    three-dots menu opens with Enter and closes with Escape."""
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto(f"{console.url}/console")
    await page.locator("[data-tile] input").first.focus()
    await page.keyboard.press("Space")
    await page.get_by_text("1 track selected").wait_for()
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await accessibility.check(page)
    await page.screenshot(path=shots / "console-phone.png", full_page=True)
    await page.goto(f"{console.url}/console/links")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await page.locator("details.menu summary").first.focus()
    await page.keyboard.press("Enter")
    assert await page.locator("details.menu[open]").count() == 1
    await accessibility.check(page)
    await page.keyboard.press("Escape")
    assert await page.locator("details.menu[open]").count() == 0


async def test_a_producer_does_everything_the_guide_says_from_the_console(
    console: Console, page: Page, screenshots: Path, accessibility: AccessibilityWatch
):
    # Every page loaded is checked by axe-core (the page fixture); states reached without a
    # load (the selection's panel, an open menu, a phone's width) are checked when reached.
    await _sign_in(page, console, "Test Producer")
    await _connect_dropbox(page, console, screenshots)
    share_url = await _create_playlist(page, console, screenshots, accessibility)
    await _listen_and_download(page, share_url)
    await _counts_rise(page, console, screenshots)
    await _revoke_from_the_menu(page, share_url, screenshots, accessibility)
    await _share_with_collaborators(page, console, screenshots)
    await _remove_bo(page, console)
    await _by_keyboard_on_a_phone(page, console, screenshots, accessibility)


async def test_a_collaborator_with_an_account_sees_the_share_under_the_bell(
    shared_with_cleo: Console, page: Page, screenshots: Path
):
    await _sign_in(page, shared_with_cleo, "Cleo Test")
    bell = page.get_by_role("link", name="Notifications, 1 unread")
    await bell.click()
    await page.screenshot(path=screenshots / "console-notifications.png", full_page=True)
    await page.get_by_role("link", name="Night Drive").first.click()
    assert "shared “Night Drive” with you" in await page.inner_text("main")
    assert await page.get_by_role("link", name="Notifications, 0 unread").count() == 1


async def test_a_producer_sends_a_link_to_each_recipient_and_sees_who_listened(
    ana_producing: Console, page: Page, screenshots: Path
):
    console = ana_producing
    label, blog = (f"{who}{uuid4().hex[:6]}@example.com" for who in ("label", "blog"))
    await _sign_in(page, console, "Ana Test")
    await page.goto(f"{console.url}/console?t=t-night-drive")
    panel = page.get_by_role("complementary", name="Activity panel")
    await panel.get_by_label("Title").fill("For A&R")
    await panel.get_by_role("textbox", name="Recipients").fill(f"Label X <{label}>\nBlog, {blog}")
    await panel.get_by_role("button", name="Create Share Link").click()
    await page.wait_for_url(f"{console.url}/console/links/lnk_*?notice=link_created")
    link_page = page.url.split("?")[0]

    mails = wait_until_sync(
        lambda: [console.sink.messages_to(address) for address in (label, blog)],
        until=lambda found: all(found),
        message="a mail to each recipient",
    )
    label_url, blog_url = (
        re.search(r"http://\S+/s/[A-Za-z0-9_-]{32}", m[0]["text"]).group(0) for m in mails
    )
    assert label_url != blog_url
    await page.goto(label_url)  # the label listens to the end
    await page.evaluate("document.querySelector('audio.player').play()")
    # Ended, and the page's own handler has reported it (it forgets the listen then).
    player = "document.querySelector('audio.player')"
    await until(page, f"{player}.ended && !{player}.dataset.listen")

    async def shown() -> tuple[str, str]:
        await page.goto(link_page)
        recipients = page.locator("table.recipients tr", has_text="Label X")
        return await recipients.inner_text(), await page.inner_text("main")

    # The milestones are separate events from separate beacons; none waits for another.
    kinds = ("played", "listened 30 s", "played to the end")
    label_row, whole = await wait_until(
        shown,
        until=lambda found: all(f"{kind} Night Drive" in found[1] for kind in kinds),
        message="the label's play, 30 s and listen to the end on the link's page",
    )
    assert re.search(r"\b1\s+1\s+0\b", label_row), "one view, one play, no download"
    assert "opened the page" in whole
    await page.screenshot(path=screenshots / "console-link-recipients.png", full_page=True)
    async with page.expect_download() as started:
        await page.get_by_role("link", name="Download the whole log (CSV)").click()
    log = Path(await (await started.value).path()).read_text()
    assert log.startswith("at,kind,recipient_id") and ",completion," in log and ",view," in log

    blog_row = page.locator("table.recipients tr", has_text="Blog")
    await blog_row.get_by_role("link", name="Revoke Blog's link").click()
    await page.get_by_role("button", name="Revoke their link").click()
    await page.get_by_text("stopped working for them alone").wait_for()
    assert (await page.request.get(blog_url)).status == 410
    assert (await page.request.get(label_url)).status == 200

    await page.get_by_label("Add recipients").fill("Curator <not an address>")
    await page.get_by_role("button", name="Add recipients").click()
    assert "is not a name and an e-mail address" in await page.inner_text("main")

    # Ana asked to be told when each recipient first opens it (the Files widget's default).
    await page.goto(f"{console.url}/console/notifications")
    await page.get_by_role("link", name="Label X opened “For A&R”").click()
    await page.get_by_role("link", name="See who listened").click()
    assert page.url == link_page


async def test_a_link_passed_on_is_disabled_by_the_leak_guard_and_its_owner_told(
    ana_producing: Console, page: Page, screenshots: Path
):
    console = ana_producing
    await _sign_in(page, console, "Ana Test")
    await page.goto(f"{console.url}/console?t=t-night-drive")
    panel = page.get_by_role("complementary", name="Activity panel")
    await panel.get_by_label("Title").fill("Promo")
    await panel.get_by_role("textbox", name="Recipients").fill("Promo Pool <pool@promo.example>")
    await panel.get_by_label("Tell me and disable that link").check()
    await panel.get_by_role("button", name="Create Share Link").click()
    await page.wait_for_url(f"{console.url}/console/links/lnk_*?notice=link_created")
    link_page = page.url.split("?")[0]
    copy = page.get_by_role("button", name="Copy link for Promo Pool")
    pool_url = str(await copy.get_attribute("data-copy"))

    # The pool forwards it: six people, each on a browser of their own, open it.
    for n in range(6):
        agent = (
            f"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/13{n}.0.0.0 Safari/537.36"
        )
        assert (await page.request.get(pool_url, headers={"User-Agent": agent})).status == 200

    async def pool_answers() -> int:
        return (await page.request.get(pool_url)).status

    await wait_until(pool_answers, until=lambda status: status == 410, message="the guard")
    await page.goto(link_page)
    row = page.locator("table.recipients tr", has_text="Promo Pool")
    assert "revoked by the leak guard" in (await row.inner_text()).lower()
    await page.goto(f"{console.url}/console/notifications")
    await page.get_by_role("link", name="“Promo” may have been passed on").first.click()
    told = await page.inner_text("main")
    assert "6 different people opened their link (sent to Promo Pool)" in told
    assert "It has been disabled" in told
    await page.screenshot(path=screenshots / "console-leak-alert.png", full_page=True)


@contextmanager
def _session(console: Console, user_id: str) -> Iterator[httpx.Client]:
    """A browser-like client signed in as `user_id`, handed over by Producer Dashboard."""
    with httpx.Client(base_url=console.url, trust_env=False, timeout=30) as client:
        token = issue_producer_token(user_id, DEV_JWT_SECRET, expires_at=int(time.time()) + 600)
        handed = client.post(
            "/console/session", data={"token": token}, headers={"Origin": console.url}
        )
        assert handed.status_code == 303, handed.text
        cookie = handed.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "path=/console" in cookie
        yield client


def _csrf(client: httpx.Client, page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get(page).text)
    assert found, f"{page} carries no CSRF token"
    return found.group(1)


def _connected(console: Console, user_id: str) -> bool:
    status = httpx.get(
        f"{console.services['dropbox'].base_url}/v1/dropbox/status", headers=bearer(user_id)
    )
    return bool(status.json()["connected"])


def test_console_pages_need_a_session(console: Console):
    with httpx.Client(base_url=console.url, trust_env=False) as anonymous:
        for page in ("/console", "/console/links", "/console/settings", "/console/notifications"):
            answer = anonymous.get(page)
            assert (answer.status_code, answer.headers["location"]) == (303, "/console/sign-in")
        forged = anonymous.post(
            "/console/session", data={"token": "not-a-jwt"}, headers={"Origin": console.url}
        )
        assert forged.status_code == 303
        assert 'console_session=""' in forged.headers["set-cookie"], "no session, only its end"


def test_a_change_needs_the_sessions_csrf_token_and_a_console_origin(
    console: Console, dropbox_emulator: RunningEmulator
):
    producer = f"u-csrf{uuid4().hex[:8]}"
    start = httpx.get(
        f"{console.services['dropbox'].base_url}/v1/dropbox/connect", headers=bearer(producer)
    )
    callback = dropbox_emulator.approve(start.json()["authorize_url"], f"{producer}@example.com")
    finished = finish_dropbox_flow(console.services["dropbox"].base_url, producer, callback)
    assert finished.status_code == 200
    with _session(console, f"u-other{uuid4().hex[:8]}") as other:
        others_token = _csrf(other, "/console/settings")
    with _session(console, producer) as browser:
        token = _csrf(browser, "/console/settings")
        refused = [
            browser.post("/console/dropbox/disconnect"),
            browser.post("/console/dropbox/disconnect", data={"csrf": others_token}),
            browser.post(
                "/console/dropbox/disconnect",
                data={"csrf": token},
                headers={"Origin": "https://evil.example"},
            ),
        ]
        assert [answer.status_code for answer in refused] == [403, 403, 403]
        assert _connected(console, producer), "a refused request changes nothing"
        done = browser.post(
            "/console/dropbox/disconnect", data={"csrf": token}, headers={"Origin": console.url}
        )
        assert done.status_code == 303
        assert not _connected(console, producer)


def test_an_authorize_url_someone_else_started_connects_nobody(
    console: Console, dropbox_emulator: RunningEmulator
):
    # The hijack of issue 12: an attacker starts a flow and sends its authorize URL to a
    # producer, who approves it with their Dropbox and lands on the console signed in as
    # themselves. The state is the attacker's, so the console connects nobody.
    attacker, victim = f"u-att{uuid4().hex[:8]}", f"u-vic{uuid4().hex[:8]}"
    start = httpx.get(
        f"{console.services['dropbox'].base_url}/v1/dropbox/connect", headers=bearer(attacker)
    )
    callback = dropbox_emulator.approve(start.json()["authorize_url"], f"{victim}@example.com")
    assert callback.startswith(f"{console.url}/console/dropbox/callback?")
    with _session(console, victim) as browser:
        landed = browser.get(callback.removeprefix(console.url))
    assert landed.headers["location"] == "/console/settings?notice=dropbox_invalid_state"
    assert not _connected(console, victim) and not _connected(console, attacker)


def test_share_all_with_collaborators_skips_tracks_without_any(connected: Console):
    with _session(connected, connected.producer) as browser:
        token = _csrf(browser, "/console")
        selection = {"t": ["t-night-drive", "t-glass-harbor"], "csrf": token}
        started = browser.post("/console/share", data=selection, headers={"Origin": connected.url})
        assert started.status_code == 303
        job_page = started.headers["location"]
        assert re.match(
            r"^/console/jobs/job_[0-9a-f]{24}\?t=t-night-drive&t=t-glass-harbor$", job_page
        )
        progress = browser.get(job_page.split("?")[0] + "/progress").json()
        assert progress["total"] == 1, "Glass Harbor has no collaborators: skipped"
        assert (
            "Share All with Collaborators"
            in browser.get("/console?t=t-night-drive&t=t-glass-harbor").text
        )


def test_another_producer_never_reads_changes_or_learns_of_a_producers_resources(
    connected: Console,
):
    # Owner A is a producer with Dropbox connected; B has no resources of their own. Every
    # owner endpoint answers B as if A's did not exist.
    console = connected
    services = {name: service.base_url for name, service in console.services.items()}
    a, b = bearer(console.producer), bearer(f"u-b{uuid4().hex[:8]}")
    link = httpx.post(
        f"{services['link']}/v1/links", json={"tracks": ["t-neon-rain"]}, headers=a
    ).json()
    job = httpx.post(
        f"{services['link']}/v1/tracks/t-night-drive/collaborators/share",
        json={"mode": "files"},
        headers=a,
    ).json()
    track = f"{services['link']}/v1/catalog/tracks/t-neon-rain"
    attempts = {
        "read track": ("GET", track, None),
        "delete track": ("DELETE", track, None),
        "read link": ("GET", f"{services['link']}/v1/links/{link['id']}", None),
        "revoke link": ("POST", f"{services['link']}/v1/links/{link['id']}/revoke", None),
        "read job": ("GET", f"{services['link']}/v1/jobs/{job['job_id']}", None),
        "share status": ("GET", f"{services['link']}/v1/tracks/t-night-drive/share-status", None),
        "share track": (
            "POST",
            f"{services['link']}/v1/tracks/t-night-drive/collaborators/share",
            {"mode": "folder"},
        ),
        "remove access": (
            "DELETE",
            f"{services['link']}/v1/tracks/t-night-drive/collaborators/c-ana/access",
            None,
        ),
        "read stats": ("GET", f"{services['analytics']}/v1/stats/links/{link['id']}", None),
    }
    for what, (method, url, body) in attempts.items():
        answer = httpx.request(method, url, json=body, headers=b)
        assert answer.status_code == 404, f"{what}: {answer.status_code} {answer.text}"

    lists = {
        "tracks": f"{services['link']}/v1/catalog/tracks",
        "links": f"{services['link']}/v1/links",
        "stats": f"{services['analytics']}/v1/stats/links",
        "notifications": f"{services['notify']}/v1/notifications",
    }
    for what, url in lists.items():
        assert httpx.get(url, headers=b).json()["items"] == [], f"B's {what} list A's"
    with_a_track = httpx.post(
        f"{services['link']}/v1/links", json={"tracks": ["t-neon-rain"]}, headers=b
    )
    assert with_a_track.status_code in (409, 422), "B cannot share A's track"
    assert (
        httpx.get(f"{services['dropbox']}/v1/dropbox/status", headers=b).json()["connected"]
        is False
    )

    # Through the console too: B's session sees A's link as not found, and cannot revoke it.
    with _session(console, f"u-b{uuid4().hex[:8]}") as browser:
        assert browser.get(f"/console/links/{link['id']}").status_code == 404
        token = _csrf(browser, "/console/settings")
        revoke = browser.post(
            f"/console/links/{link['id']}/revoke",
            data={"csrf": token},
            headers={"Origin": console.url},
        )
        assert revoke.status_code == 404
    # Nothing of A's changed.
    assert httpx.get(track, headers=a).status_code == 200
    assert (
        httpx.get(f"{services['link']}/v1/links/{link['id']}", headers=a).json()["status"]
        == "active"
    )


def test_producer_text_is_escaped_everywhere_the_console_shows_it(console: Console):
    payload = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>"
    owner = f"u-x{uuid4().hex[:8]}"
    body = {
        "title": payload,
        "artist": payload,
        "bucket": payload,
        "dropbox_folder": "/X",
        "files": [
            {
                "file_id": "f",
                "name": payload + ".wav",
                "role": "bounce",
                "dropbox_path": "/X/a.wav",
                "size": 1,
            }
        ],
        "collaborators": [{"collaborator_id": "c", "email": "c@example.com", "name": payload}],
    }
    url = f"{console.services['link'].base_url}/v1/catalog/tracks/t-x"
    assert httpx.put(url, json=body, headers=bearer(owner)).status_code == 200
    with _session(console, owner) as browser:
        pages = [browser.get("/console?t=t-x").text, browser.get("/console/panel?t=t-x").text]
    for html in pages:
        assert "<script>alert(1)" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


async def test_operators_see_what_the_producers_day_did_in_metrics(connected: Console):
    # A producer's day: a page served, Dropbox called, a track shared and its mails sent.
    console = connected
    link = httpx.post(
        f"{console.services['link'].base_url}/v1/links",
        json={"tracks": ["t-neon-rain"]},
        headers=bearer(console.producer),
    )
    assert link.status_code == 201, link.text
    page = httpx.get(link.json()["url"], headers={"User-Agent": BROWSER})
    assert page.status_code == 200
    _share_night_drive(console)

    def metrics(url: str) -> str:
        return httpx.get(f"{url}/metrics").text

    gateway = metrics(console.services["gateway"].admin_url)
    pages = r'route="/s/\{token\}",status="200"\} [1-9]'
    assert re.search(r'http_request_duration_seconds_count\{method="GET",' + pages, gateway)
    assert not re.search(r"/s/[A-Za-z0-9_-]{32}", gateway), "no share token in a label"
    dropbox = metrics(console.services["dropbox"].base_url)
    assert re.search(r'dropbox_api_calls_total\{outcome="ok"\} [1-9]', dropbox)
    assert "outbox_oldest_age_seconds" in gateway

    def mails_sent() -> float:  # every mail of the module so far: two or more
        text = metrics(console.services["notify"].base_url)
        found = re.search(r'^mails_total\{outcome="sent"\} (\S+)$', text, re.MULTILINE)
        return float(found.group(1)) if found else 0.0

    await wait_until(mails_sent, until=lambda sent: sent >= 2, message="two mails sent")

    async def lag_measured() -> bool:
        return "consumer_lag_messages{topic=" in metrics(console.services["link"].base_url)

    await wait_until(lag_measured, timeout_s=20)
