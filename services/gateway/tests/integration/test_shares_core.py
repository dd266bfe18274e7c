"""The share pages in-process (conftest.py): views and downloads staged, revocation within
the link cache's age with share.revoked or without, expiry by the clock, unknown tokens and
their budget. tests/e2e keeps one test of each across running services."""

import re

import httpx
import pytest
from contracts import topics
from service_kit.testing import BROWSER

pytestmark = pytest.mark.integration

# Link-preview fetchers (tests/e2e/test_share_pages.py asks one of them across processes).
BOTS = [
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "facebookexternalhit/1.1",
    "Twitterbot/1.0",
    "WhatsApp/2.23.20.0",
    "Mozilla/5.0 (compatible; Discordbot/2.0)",
    "TelegramBot (like TwitterBot)",
    "LinkedInBot/1.0",
    "Mozilla/5.0 Applebot/0.1",
]


@pytest.fixture
async def link(running) -> dict:
    """A link to one track, its audio downloadable."""
    await running.put_track("t-1", "Night Drive")
    return await running.share(tracks=["t-1"], downloads=["audio"])


async def test_a_persons_view_of_an_active_page_is_staged_once(running, link):
    page = await running.page(link)
    assert page.status_code == 200 and "Night Drive" in page.text
    [viewed] = await running.staged("gateway", topics.SHARE_VIEWED, link["id"])
    assert viewed["owner_id"] == running.owner_id


@pytest.mark.parametrize("agent", BOTS)
async def test_preview_bots_get_open_graph_tags_but_are_no_view(running, link, agent):
    page = await running.page(link, agent=agent)
    assert page.status_code == 200
    assert '<meta property="og:title" content="Night Drive">' in page.text
    assert link["token"] not in "".join(re.findall(r"<meta[^>]+>", page.text))
    head = await running.gateway.head(f"/s/{link['token']}", headers={"User-Agent": BROWSER})
    assert head.status_code == 200
    assert await running.staged("gateway", topics.SHARE_VIEWED, link["id"]) == []


async def test_a_download_redirects_to_the_files_temporary_link_and_is_staged(
    running, link, dropbox_emulator
):
    answer = await running.gateway.get(f"/s/{link['token']}/files/t-1-bounce/download")
    assert answer.status_code == 302
    served = await running.emulator.get(answer.headers["location"])
    assert served.status_code == 200 and served.content == b"RIFF" + bytes(range(256)) * 64
    [recorded] = await running.staged("gateway", topics.DOWNLOAD_RECORDED, link["id"])
    assert (recorded["file_id"], recorded["file_type"]) == ("t-1-bounce", "audio")


async def test_a_listen_only_link_refuses_a_download_and_stages_none(running):
    await running.put_track("t-2", "Neon Rain")
    listen_only = await running.share(tracks=["t-2"], downloads=[])
    answer = await running.gateway.get(f"/s/{listen_only['token']}/files/t-2-bounce/download")
    assert answer.status_code == 403
    assert await running.staged("gateway", topics.DOWNLOAD_RECORDED, listen_only["id"]) == []


async def test_a_revoke_delivered_as_share_revoked_is_410_at_once(running, link, cache_clock):
    assert (await running.page(link)).status_code == 200  # cached from here on
    await running.revoke(link)
    assert await running.relay("link-service", topics.SHARE_REVOKED, link["id"], "gateway") == 1

    page = await running.page(link)  # the cache's clock has not moved
    assert page.status_code == 410
    assert "This share has been disabled" in page.text and "Night Drive" not in page.text


async def test_a_revoke_never_delivered_is_410_once_the_link_cache_age_passes(
    running, link, cache_clock
):
    assert (await running.page(link)).status_code == 200
    await running.revoke(link)
    assert (await running.page(link)).status_code == 200, "served from the cache until it ages"

    settings = running.apps["gateway"].state.runtime.settings
    cache_clock.advance(settings.link_cache_ttl_s)
    assert settings.link_cache_ttl_s < 1, "within the revocation bound (DESIGN §6)"
    assert (await running.page(link)).status_code == 410


async def test_an_expired_link_is_410_by_the_clock(running, clock):
    await running.put_track("t-3", "Glass Harbor")
    link = await running.share(tracks=["t-3"], expires_in_days=1)
    assert (await running.page(link)).status_code == 200

    clock.advance(24 * 3600 + 1)
    page = await running.page(link)
    assert page.status_code == 410 and "no longer available" in page.text


async def test_unknown_tokens_are_404_until_the_guessing_budget_is_spent(running, link):
    assert (await running.page(link)).status_code == 200  # found, by another visitor
    guesser = {"X-Forwarded-For": "203.0.113.77"}  # behind the trusted proxy, loopback

    async def guess(token: str) -> httpx.Response:
        return await running.gateway.get(f"/s/{token}", headers=guesser)

    tokens = ["A" * 32, "not-a-token!", "x", *(f"{i:032d}" for i in range(3))]
    answers = [await guess(token) for token in tokens]
    assert [a.status_code for a in answers] == [404] * 5 + [429], "malformed ones count too"
    assert all("Nothing here" in a.text for a in answers[:5])
    assert int(answers[-1].headers["retry-after"]) > 0
    assert (await guess(f"{7:032d}")).status_code == 429, "a guessing client waits"
    # A link the gateway found before is no guess: it opens for the guesser too.
    opened = await running.gateway.get(f"/s/{link['token']}", headers=guesser)
    assert opened.status_code == 200
