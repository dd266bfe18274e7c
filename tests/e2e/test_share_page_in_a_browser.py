"""The share page as a listener has it: Chromium (Debian's, driven by Playwright) plays,
seeks, plays a playlist through, downloads, reports how far each listen got, and sees a
revoke at once. axe-core checks every
page it loads (the page fixture)."""

import json
import os
import time
from pathlib import Path

import pytest
from contracts import topics
from messaging.redis_client import connect_redis
from messaging.testing import read_topic, wait_until
from playwright.async_api import Page

from .conftest import System, put_demo_song, until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def songs(system: System) -> dict[str, dict[str, bytes]]:
    return {
        track_id: put_demo_song(
            system.emulator,
            system.link_service.base_url,
            system.owner_id,
            system.email,
            track_id,
            title,
        )
        for track_id, title in (("b-1", "Night Drive"), ("b-2", "Neon Rain"))
    }


async def _playing(page: Page, index: int, at_least_s: float) -> None:
    player = f"document.querySelectorAll('audio.player')[{index}]"
    await until(page, f"!{player}.paused && {player}.currentTime > {at_least_s} && !{player}.error")


async def test_a_playlist_plays_seeks_plays_through_and_downloads(
    system, songs, page, screenshots: Path
):
    link = system.share(
        tracks=["b-1", "b-2"],
        downloads=["audio"],
        title="EP for Label X",
        message="Mixes v3 — feedback welcome",
    )
    ranges: list[int] = []
    page.on("response", lambda r: ranges.append(r.status) if "/preview" in r.url else None)

    shown = await page.goto(system.page_path(link))
    assert shown is not None and shown.status == 200
    await page.screenshot(path=screenshots / "share-page.png", full_page=True)
    assert await page.locator("audio.player").count() == 2
    assert await page.locator("a.download").count() == 5  # WAV, MP3, stems; WAV, MP3

    await page.evaluate("document.querySelectorAll('audio.player')[0].play()")
    await _playing(page, 0, 0.3)
    await page.evaluate("document.querySelectorAll('audio.player')[0].currentTime = 3.0")
    await _playing(page, 0, 3.0)  # sought forward, playing on
    assert 206 in ranges, "the browser seeks with Range requests, answered 206"

    # The first song ends; the playlist goes on to the next.
    await until(page, "document.querySelectorAll('audio.player')[0].ended")
    await _playing(page, 1, 0.1)

    async with page.expect_download() as started:
        await page.locator("a.download", has_text="Night Drive.mp3").click()
    saved = await (await started.value).path()
    assert Path(saved).read_bytes() == songs["b-1"]["Night Drive.mp3"]


async def test_a_listen_only_page_plays_and_offers_nothing_to_download(
    system, songs, page, screenshots: Path
):
    link = system.share(tracks=["b-1"], downloads=[])

    await page.goto(system.page_path(link))
    await page.screenshot(path=screenshots / "share-page-listen-only.png", full_page=True)

    assert await page.locator("a.download").count() == 0
    assert "Listening only" in await page.inner_text("body")
    controls = await page.evaluate("document.querySelector('audio.player').controlsList.value")
    assert "nodownload" in controls, "the player's own menu offers no download"
    source = await page.get_attribute("audio.player", "src")
    assert source is not None and "b-1-mp3/preview" in source, "the compact bounce plays"
    await page.evaluate("document.querySelector('audio.player').play()")
    await _playing(page, 0, 0.3)


async def test_a_player_whose_preview_url_expired_gets_a_fresh_one_and_plays(system, songs, page):
    link = system.share(tracks=["b-2"], downloads=[])
    await page.goto(system.page_path(link))
    stale = "exp=1000000000"  # as if the page had been open since long ago

    await page.evaluate(
        f"const a = document.querySelector('audio.player');"
        f" a.src = a.src.replace(/exp=\\\\d+/, '{stale}'); a.play();"
    )
    await _playing(page, 0, 0.3)

    assert stale not in (await page.get_attribute("audio.player", "src") or stale)


async def test_a_revoked_link_shows_the_disabled_page_and_stops_playback(
    system, songs, page, screenshots: Path
):
    link = system.share(tracks=["b-1"], downloads=["audio"])
    await page.goto(system.page_path(link))
    await page.evaluate("document.querySelector('audio.player').play()")
    await _playing(page, 0, 0.2)
    player_url = await page.get_attribute("audio.player", "src")

    assert system.revoke(link).status_code == 200
    bound = time.monotonic() + 1  # the revocation bound
    again = await wait_until(
        lambda: page.request.get(system.gateway.base_url + str(player_url)),
        until=lambda answer: answer.status == 410,
        timeout_s=1,
        interval_s=0.05,
        message="the player's URL to answer 410",
    )
    shown = await wait_until(
        page.reload,
        until=lambda shown: shown is not None and shown.status == 410,
        timeout_s=max(0.0, bound - time.monotonic()),
        interval_s=0.05,
        message="the page to answer 410",
    )

    assert again.status == 410
    assert shown is not None and shown.status == 410
    assert "This share has been disabled" in await page.inner_text("body")
    await page.screenshot(path=screenshots / "share-page-revoked.png", full_page=True)


async def _expire(redis_url: str, system: System, link: dict) -> None:
    """A day passing for `link`, without waiting a day."""
    redis = connect_redis(redis_url, cluster=os.environ.get("REDIS_CLUSTER") == "true")
    [key] = [k async for k in redis.scan_iter(f"{system.prefix}link-service:link:*:{link['id']}")]
    record = json.loads(await redis.get(key))
    record["expires_at"] = "2020-01-01T00:00:00+00:00"
    await redis.set(key, json.dumps(record))
    await redis.aclose()


async def test_an_expired_link_and_an_unknown_one_show_their_pages(
    system, songs, page, redis_url, screenshots: Path
):
    link = system.share(tracks=["b-2"], downloads=["audio"], expires_in_days=1)
    await _expire(redis_url, system, link)

    expired = await page.goto(system.page_path(link))
    assert expired is not None and expired.status == 410
    assert "no longer available" in await page.inner_text("body")
    await page.screenshot(path=screenshots / "share-page-expired.png", full_page=True)
    unknown = await page.goto(f"{system.gateway.base_url}/s/{'A' * 32}")
    assert unknown is not None and unknown.status == 404
    assert "Nothing here" in await page.inner_text("body")


async def _plays_of(kafka, system: System, listen_id: str, expect: int) -> set[str]:
    """The milestones the gateway published for one listen (through its outbox to Kafka)."""
    records = await read_topic(
        kafka,
        system.prefix + topics.SHARE_PLAYED,
        expect=expect,
        match=lambda record: json.loads(record.value)["listen_id"] == listen_id,
    )
    return {json.loads(record.value)["milestone"] for record in records}


async def test_a_recipient_listening_in_a_browser_reports_each_milestone(
    system, songs, page, kafka
):
    link = system.share(
        tracks=["b-2"], downloads=[], recipients=[{"name": "A&R", "email": "ar@label.example"}]
    )
    [recipient] = link["recipients"]
    preview_bytes: list[int] = []
    page.on("response", lambda r: preview_bytes.append(1) if "/preview" in r.url else None)

    await page.goto(f"{system.gateway.base_url}/s/{recipient['token']}")
    assert preview_bytes == [], 'preload="none": opening the page reads no preview'
    # The demo song is shorter than 30 s: its end is a listen and a completion (DESIGN §16).
    await page.evaluate("document.querySelector('audio.player').play()")
    await until(page, "document.querySelector('audio.player').ended")
    listen_id = await page.get_attribute("audio.player", "data-listen") or ""

    assert listen_id == "", "a listen that ended is over: playing again starts another"
    ended = await read_topic(
        kafka,
        system.prefix + topics.SHARE_PLAYED,
        expect=3,
        match=lambda r: json.loads(r.value)["recipient_id"] == recipient["recipient_id"],
    )
    played = [json.loads(record.value) for record in ended]
    assert {p["milestone"] for p in played} == {"started", "30s", "95pct"}
    assert len({p["listen_id"] for p in played}) == 1
    assert len({p["event_id"] for p in played}) == 3, "a milestone reported twice is one event"


async def test_a_listen_paused_early_is_a_play_and_nothing_more(system, songs, page, kafka):
    link = system.share(tracks=["b-1"], downloads=[])
    await page.goto(system.page_path(link))

    await page.evaluate("document.querySelector('audio.player').play()")
    await _playing(page, 0, 0.3)
    await page.evaluate("document.querySelector('audio.player').pause()")
    listen_id = await page.get_attribute("audio.player", "data-listen")

    assert listen_id
    assert await _plays_of(kafka, system, listen_id, expect=1) == {"started"}
