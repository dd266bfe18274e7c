"""Share pages, previews and downloads across link-service, dropbox-service and the gateway."""

import json
import re

import httpx
import pytest
from contracts import topics
from contracts.events import DownloadRecorded, ShareViewed
from messaging.testing import read_topic
from redis.asyncio import Redis

pytestmark = pytest.mark.e2e

SHARE_HEADERS = {
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-robots-tag": "noindex, nofollow",
    "x-content-type-options": "nosniff",
}


def _downloads(html: str) -> list[str]:
    return re.findall(r'href="(/s/[^"]+/download)"', html)


def test_playlist_page_shows_every_track_with_player_and_permitted_downloads(
    system, playlist, person
):
    page = httpx.get(system.page_path(playlist), headers=person)
    assert page.status_code == 200
    html = page.text
    assert "EP for Label X" in html and "Mixes v3, feedback welcome" in html
    assert re.findall(r"<h2>([^<]+)</h2>", html) == [
        "Night Drive", "Neon Rain", "Glass Harbor",
    ]  # fmt: skip
    assert html.count("<audio") == 3 and "/static/playlist.js" in html
    assert sorted(_downloads(html)) == sorted(
        f"/s/{playlist['token']}/files/{t}-{role}/download"
        for t in ("t-1", "t-2", "t-3") for role in ("bounce", "stem")
    )  # fmt: skip
    assert ".als" not in "".join(_downloads(html)), "project files are not downloadable here"
    assert "Listening only" not in html
    assert "/tl/" not in html and f"localhost:{system.emulator.port}" not in html


def test_listening_only_page_has_players_and_no_download_buttons(system, playlist, person):
    link = system.share(tracks=["t-1"], downloads=[])
    html = httpx.get(system.page_path(link), headers=person).text
    assert "Listening only" in html
    assert _downloads(html) == []
    assert html.count("<audio") == 1


def test_download_redirects_to_the_files_bytes(system, playlist, person):
    url = f"{system.page_path(playlist)}/files/t-2-bounce/download"
    answer = httpx.get(url, headers=person)
    assert answer.status_code == 302
    with httpx.Client(verify=system.emulator.ssl_context(), trust_env=False) as dropbox:
        served = dropbox.get(answer.headers["location"])
    assert served.status_code == 200
    assert served.content.endswith(b"t-2") and served.content.startswith(b"RIFF")


def test_type_not_allowed_is_403_and_file_not_in_link_is_404(system, playlist, person):
    base = f"{system.page_path(playlist)}/files"
    assert httpx.get(f"{base}/t-1-project/download", headers=person).status_code == 403
    assert httpx.get(f"{base}/t-9-bounce/download", headers=person).status_code == 404
    assert httpx.get(f"{base}/t-1-project/preview", headers=person).status_code == 404


async def test_preview_plays_when_downloads_are_off_and_counts_no_download(
    system, playlist, person, kafka_bootstrap
):
    link = system.share(tracks=["t-3"], downloads=[])
    preview = httpx.get(f"{system.page_path(link)}/files/t-3-bounce/preview", headers=person)
    assert preview.status_code == 302
    assert httpx.get(f"{system.page_path(link)}/files/t-3-bounce/download").status_code == 403
    downloads = await read_topic(
        kafka_bootstrap, system.prefix + topics.DOWNLOAD_RECORDED, expect=0, timeout_s=2,
        match=lambda r: r.key == link["id"].encode(),
    )  # fmt: skip
    assert downloads == []


def test_unknown_and_malformed_tokens_are_404_pages(system, person):
    for token in ("A" * 32, "not-a-token!", "x"):
        answer = httpx.get(f"{system.gateway.base_url}/s/{token}", headers=person)
        assert answer.status_code == 404
        assert "Nothing here" in answer.text


def test_revoke_takes_effect_on_the_next_request(system, playlist, person):
    link = system.share(tracks=["t-1"])
    assert httpx.get(system.page_path(link), headers=person).status_code == 200
    revoked = httpx.post(
        f"{system.link_service.base_url}/v1/links/{link['id']}/revoke", headers=system.producer
    )
    assert revoked.status_code == 200
    download = httpx.get(f"{system.page_path(link)}/files/t-1-bounce/download", headers=person)
    assert download.status_code == 410
    page = httpx.get(system.page_path(link), headers=person)
    assert page.status_code == 410
    assert "This share has been disabled" in page.text
    assert "Night Drive" not in page.text, "a gone page tells nothing about the link"


async def test_expired_link_is_410_with_a_no_longer_available_page(
    system, playlist, person, redis_url
):
    link = system.share(tracks=["t-2"], expires_in_days=1)
    redis = Redis.from_url(redis_url, decode_responses=True)
    [key] = await redis.keys(f"{system.prefix}link:*:{link['id']}")
    record = json.loads(await redis.get(key))
    record["expires_at"] = "2020-01-01T00:00:00+00:00"  # a day passing, without waiting a day
    await redis.set(key, json.dumps(record))
    await redis.aclose()
    page = httpx.get(system.page_path(link) + "/files/t-2-bounce/download", headers=person)
    assert page.status_code == 410
    assert "no longer available" in page.text


async def test_views_and_downloads_are_published_with_the_contract_fields(
    system, playlist, person, kafka_bootstrap
):
    link = system.share(tracks=["t-1", "t-2"], downloads=["audio", "project"])
    assert httpx.get(system.page_path(link), headers=person).status_code == 200
    assert httpx.get(system.page_path(link), headers=person).status_code == 200
    got = httpx.get(f"{system.page_path(link)}/files/t-2-project/download", headers=person)
    assert got.status_code == 302
    mine = lambda record: record.key == link["id"].encode()  # noqa: E731
    views = await read_topic(
        kafka_bootstrap, system.prefix + topics.SHARE_VIEWED, expect=2, match=mine
    )
    [download] = await read_topic(
        kafka_bootstrap, system.prefix + topics.DOWNLOAD_RECORDED, expect=1, match=mine
    )
    viewed = [ShareViewed.model_validate_json(r.value) for r in views]
    assert len(viewed) == 2 and {v.owner_id for v in viewed} == {system.owner_id}
    assert viewed[0].visitor_id == viewed[1].visitor_id, "the same person twice"
    assert re.fullmatch(r"[0-9a-f]{32}", viewed[0].visitor_id)
    assert person["X-Forwarded-For"] not in views[0].value.decode()
    recorded = DownloadRecorded.model_validate_json(download.value)
    assert (recorded.track_id, recorded.file_id) == ("t-2", "t-2-project")
    assert (recorded.file_type, recorded.file_format) == ("project", "als")


@pytest.mark.parametrize(
    "agent",
    ["Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "facebookexternalhit/1.1",
     "Twitterbot/1.0", "WhatsApp/2.23.20.0", "Mozilla/5.0 (compatible; Discordbot/2.0)",
     "TelegramBot (like TwitterBot)", "LinkedInBot/1.0", "Mozilla/5.0 Applebot/0.1"],
)  # fmt: skip
async def test_preview_bots_get_open_graph_tags_but_are_no_view(
    system, playlist, kafka_bootstrap, agent
):
    link = system.share(tracks=["t-3"])
    page = httpx.get(system.page_path(link), headers={"User-Agent": agent})
    assert page.status_code == 200
    assert '<meta property="og:title" content="Glass Harbor">' in page.text
    assert link["token"] not in "".join(re.findall(r"<meta[^>]+>", page.text))
    head = httpx.head(system.page_path(link), headers={"User-Agent": "Mozilla/5.0 Chrome/130"})
    assert head.status_code == 200
    views = await read_topic(
        kafka_bootstrap, system.prefix + topics.SHARE_VIEWED, expect=0, timeout_s=2,
        match=lambda r: r.key == link["id"].encode(),
    )  # fmt: skip
    assert views == []


def test_every_share_response_carries_the_security_headers(system, playlist, person):
    base = system.page_path(playlist)
    answers = [
        httpx.get(base, headers=person),
        httpx.get(f"{base}/files/t-1-bounce/download", headers=person),
        httpx.get(f"{base}/files/t-1-project/download", headers=person),
        httpx.get(f"{system.gateway.base_url}/s/{'B' * 32}", headers=person),
    ]
    assert [a.status_code for a in answers] == [200, 302, 403, 404]
    for answer in answers:
        assert SHARE_HEADERS.items() <= answer.headers.items()
        assert "default-src 'none'" in answer.headers["content-security-policy"]


def test_user_text_is_escaped(system, playlist, person):
    system.put_track("t-x", "<script>alert('title')</script>")
    link = system.share(tracks=["t-x"], message="<img src=x onerror=alert(1)>")
    html = httpx.get(system.page_path(link), headers=person).text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_a_burst_of_unknown_tokens_is_rate_limited(system, playlist):
    guesser = {"User-Agent": "Mozilla/5.0", "X-Forwarded-For": "203.0.113.77"}
    answers = [
        httpx.get(f"{system.gateway.base_url}/s/{i:032d}", headers=guesser) for i in range(6)
    ]
    assert [a.status_code for a in answers] == [404] * 5 + [429]
    assert int(answers[-1].headers["retry-after"]) > 0
    blocked = httpx.get(system.page_path(playlist), headers=guesser)
    assert blocked.status_code == 429, "a guessing client is stopped for the window"
    other = {"User-Agent": "Mozilla/5.0", "X-Forwarded-For": "203.0.113.78"}
    assert httpx.get(system.page_path(playlist), headers=other).status_code == 200
