"""Share pages, previews and downloads across link-service, dropbox-service and the gateway."""

import asyncio
import json
import os
import re

import httpx
import pytest
from contracts import topics
from contracts.events import DownloadRecorded, ShareViewed
from messaging.redis_client import connect_redis
from messaging.testing import read_topic, wait_until_sync

from .conftest import BROWSER, PROJECT, SHARE_HEADERS, STEMS, WAV, player_urls

pytestmark = pytest.mark.e2e


def _downloads(html: str) -> list[str]:
    return re.findall(r'href="(/s/[^"]+/download)"', html)


def test_playlist_page_shows_every_track_with_player_and_permitted_downloads(
    system, playlist, person
):
    page = httpx.get(system.page_path(playlist), headers=person)
    assert page.status_code == 200
    html = page.text
    assert "EP for Label X" in html and "Mixes v3, feedback welcome" in html
    assert re.findall(r"<h2>([^<]+)</h2>", html) == ["Night Drive", "Neon Rain", "Glass Harbor"]
    assert html.count("<audio") == 3 and "/static/player.js" in html
    assert sorted(_downloads(html)) == sorted(
        f"/s/{playlist['token']}/files/{t}-{role}/download"
        for t in ("t-1", "t-2", "t-3")
        for role in ("bounce", "stem")
    )
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
    system, playlist, person, kafka
):
    link = system.share(tracks=["t-3"], downloads=[])
    [player] = player_urls(httpx.get(system.page_path(link), headers=person).text)
    preview = httpx.get(system.gateway.base_url + player, headers=person)
    assert preview.status_code == 200
    assert preview.content == WAV + b"t-3", "the gateway streams the bounce itself"
    assert preview.headers["content-type"] == "audio/wav"
    assert preview.headers["accept-ranges"] == "bytes"
    assert preview.headers["content-disposition"] == "inline"
    assert preview.headers["cache-control"] == "no-store"
    assert httpx.get(f"{system.page_path(link)}/files/t-3-bounce/download").status_code == 403
    downloads = await read_topic(
        kafka,
        system.prefix + topics.DOWNLOAD_RECORDED,
        expect=0,
        timeout_s=2,
        match=lambda r: r.key == link["id"].encode(),
    )
    assert downloads == []


def _within_a_second(url: str, headers: dict[str, str], status: int) -> httpx.Response:
    """The first answer of `url` with `status`, which must come within a second."""
    return wait_until_sync(
        lambda: httpx.get(url, headers=headers),
        until=lambda answer: answer.status_code == status,
        timeout_s=1,
        interval_s=0.05,
        message=f"{url} to answer {status}",
    )


async def test_expired_link_is_410_with_a_no_longer_available_page(
    system, playlist, person, redis_url
):
    link = system.share(tracks=["t-2"], expires_in_days=1)
    redis = connect_redis(redis_url, cluster=os.environ.get("REDIS_CLUSTER") == "true")
    [key] = [k async for k in redis.scan_iter(f"{system.prefix}link-service:link:*:{link['id']}")]
    record = json.loads(await redis.get(key))
    record["expires_at"] = "2020-01-01T00:00:00+00:00"  # a day passing, without waiting a day
    await redis.set(key, json.dumps(record))
    await redis.aclose()
    # A page cached before the change lives at most the gateway's link cache age (0.5 s).
    page = _within_a_second(system.page_path(link), person, 410)
    assert "no longer available" in page.text


async def test_views_and_downloads_are_published_with_the_contract_fields(
    system, playlist, person, kafka
):
    link = system.share(tracks=["t-1", "t-2"], downloads=["audio", "project"])
    assert httpx.get(system.page_path(link), headers=person).status_code == 200
    assert httpx.get(system.page_path(link), headers=person).status_code == 200
    got = httpx.get(f"{system.page_path(link)}/files/t-2-project/download", headers=person)
    assert got.status_code == 302
    mine = lambda record: record.key == link["id"].encode()  # noqa: E731
    views = await read_topic(kafka, system.prefix + topics.SHARE_VIEWED, expect=2, match=mine)
    [download] = await read_topic(
        kafka, system.prefix + topics.DOWNLOAD_RECORDED, expect=1, match=mine
    )
    viewed = [ShareViewed.model_validate_json(r.value) for r in views]
    assert len(viewed) == 2 and {v.owner_id for v in viewed} == {system.owner_id}
    assert viewed[0].visitor_id == viewed[1].visitor_id, "the same person twice"
    assert re.fullmatch(r"[0-9a-f]{32}", viewed[0].visitor_id)
    assert person["X-Forwarded-For"] not in views[0].value.decode()
    recorded = DownloadRecorded.model_validate_json(download.value)
    assert (recorded.track_id, recorded.file_id) == ("t-2", "t-2-project")
    assert (recorded.file_type, recorded.file_format) == ("project", "als")
    assert (recorded.schema_version, recorded.track_title, recorded.group_id) == (
        3,
        "Neon Rain",
        None,
    )
    # Who, where and on what: the link's own token, the person's address's country.
    assert (viewed[0].recipient_id, recorded.recipient_id) == (None, None)
    assert viewed[0].device == recorded.device == "desktop"


async def test_preview_bots_get_open_graph_tags_but_are_no_view(system, playlist, kafka):
    # One bot across processes; every one of them: services/gateway/tests/integration.
    agent = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"
    link = system.share(tracks=["t-3"])
    page = httpx.get(system.page_path(link), headers={"User-Agent": agent})
    assert page.status_code == 200
    assert '<meta property="og:title" content="Glass Harbor">' in page.text
    assert link["token"] not in "".join(re.findall(r"<meta[^>]+>", page.text))
    head = httpx.head(system.page_path(link), headers={"User-Agent": "Mozilla/5.0 Chrome/130"})
    assert head.status_code == 200
    views = await read_topic(
        kafka,
        system.prefix + topics.SHARE_VIEWED,
        expect=0,
        timeout_s=2,
        match=lambda r: r.key == link["id"].encode(),
    )
    assert views == []


def test_every_share_response_carries_the_security_headers(system, playlist, person):
    base = system.page_path(playlist)
    page = httpx.get(base, headers=person)
    answers = [
        page,
        httpx.get(system.gateway.base_url + player_urls(page.text)[0], headers=person),
        httpx.get(f"{base}/files/t-1-bounce/preview?exp=1&sig=forged", headers=person),
        httpx.get(f"{base}/files/t-1-bounce/download", headers=person),
        httpx.get(f"{base}/files/t-1-project/download", headers=person),
        httpx.get(f"{system.gateway.base_url}/s/{'B' * 32}", headers=person),
    ]
    assert [a.status_code for a in answers] == [200, 200, 403, 302, 403, 404]
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
    # A forged left-most X-Forwarded-For entry per request changes nothing: the client is
    # the right-most hop the trusted proxy (here: loopback) added.
    answers = [
        httpx.get(
            f"{system.gateway.base_url}/s/{i:032d}",
            headers=guesser | {"X-Forwarded-For": f"6.6.6.{i}, 203.0.113.77"},
        )
        for i in range(6)
    ]
    assert [a.status_code for a in answers] == [404] * 5 + [429]
    assert int(answers[-1].headers["retry-after"]) > 0
    blocked = httpx.get(f"{system.gateway.base_url}/s/{7:032d}", headers=guesser)
    assert blocked.status_code == 429, "a guessing client is stopped for the window"
    other = {"User-Agent": "Mozilla/5.0", "X-Forwarded-For": "203.0.113.78"}
    assert httpx.get(system.page_path(playlist), headers=other).status_code == 200
    # A link the gateway has found before is no guess: it opens for the guesser as well.
    assert httpx.get(system.page_path(playlist), headers=guesser).status_code == 200


async def test_many_people_behind_one_address_opening_a_link_are_not_taken_for_guessers(
    system, playlist
):
    office = {"User-Agent": BROWSER, "X-Forwarded-For": "203.0.113.90"}  # one NAT, many people
    async with httpx.AsyncClient(trust_env=False) as client:
        # Twice the guessing burst at once, the first time the gateway sees the link (the
        # others wait for its one lookup) and again past the link cache's half second: a
        # link being looked up, or found before, is no new guess.
        for _ in range(4):
            answers = await asyncio.gather(
                *(client.get(system.page_path(playlist), headers=office) for _ in range(10))
            )
            assert [a.status_code for a in answers] == [200] * 10
            # The cache's age passing is what is tested: the gateway process reads the real
            # clock (no clock to inject into a process), so this waits.
            await asyncio.sleep(0.3)
        unknown = await client.get(f"{system.gateway.base_url}/s/{0:032d}", headers=office)
    assert unknown.status_code == 404, "the address's guessing budget is untouched"


def _crawl(system, start: str, headers: dict[str, str]) -> list[httpx.Response]:
    """Every response a listener reaches from the page: each link, player, script and
    stylesheet on it, the fresh preview URLs, and wherever a redirect leads."""
    origin = system.gateway.base_url
    queue, seen, answers = [start], set(), []
    with httpx.Client(trust_env=False, verify=system.emulator.ssl_context()) as client:
        while queue:
            url = queue.pop()
            if url in seen:
                continue
            seen.add(url)
            answer = client.get(url, headers=headers)
            answers.append(answer)
            found = (
                re.findall(r'(?:href|src)="([^"]+)"', answer.text)
                if "html" in answer.headers.get("content-type", "")
                else []
            )
            if answer.headers.get("content-type") == "application/json":
                found += list(answer.json().get("previews", {}).values())
            if "location" in answer.headers:
                found.append(answer.headers["location"])
            queue += [origin + u.replace("&amp;", "&") if u.startswith("/") else u for u in found]
        previews = client.get(start + "/previews", headers=headers)
        answers.append(previews)
        queue = [origin + u for u in previews.json()["previews"].values()]
        answers += [client.get(u, headers=headers) for u in queue]
    return answers


def test_a_listen_only_link_never_leads_to_a_stem_a_project_or_a_dropbox_url(
    system, playlist, person
):
    link = system.share(tracks=["t-1", "t-2"], downloads=[])  # every role included
    answers = _crawl(system, system.page_path(link), person)

    assert {a.status_code for a in answers} <= {200}, [(str(a.url), a.status_code) for a in answers]
    emulator = f"localhost:{system.emulator.port}"
    for answer in answers:
        where = str(answer.url) + " " + answer.headers.get("location", "")
        assert emulator not in where and "/tl/" not in where, where
        assert emulator not in answer.text and "/tl/" not in answer.text
        assert STEMS not in answer.content and PROJECT not in answer.content
    played = [a.content for a in answers if a.headers.get("content-type") == "audio/wav"]
    assert sorted(played) == sorted([WAV + b"t-1", WAV + b"t-2"] * 2)


def test_no_other_file_can_be_previewed_even_with_a_valid_signature(system, playlist, person):
    link = system.share(tracks=["t-1"], downloads=[])
    [player] = player_urls(httpx.get(system.page_path(link), headers=person).text)
    for other in ("t-1-stem", "t-1-project"):
        forged = system.gateway.base_url + player.replace("t-1-bounce", other)
        assert httpx.get(forged, headers=person).status_code == 404
    for bad in ("sig=" + "0" * 32, "exp=1", "exp=99999999999"):
        key = bad.split("=")[0]
        tampered = re.sub(rf"{key}=[^&]+", bad, player)
        assert httpx.get(system.gateway.base_url + tampered, headers=person).status_code == 403
    unsigned = f"{system.page_path(link)}/files/t-1-bounce/preview"
    assert httpx.get(unsigned, headers=person).status_code == 403


@pytest.mark.parametrize(
    ("asked", "first", "last"),
    [("bytes=1000-1999", 1000, 1999), ("bytes=-100", None, None), ("bytes=300000-", 300000, None)],
)
def test_a_range_request_is_answered_206_with_exactly_those_bytes(
    system, playlist, person, asked, first, last
):
    whole = WAV + b"t-3"
    [_, _, player] = player_urls(httpx.get(system.page_path(playlist), headers=person).text)
    answer = httpx.get(system.gateway.base_url + player, headers=person | {"Range": asked})

    start = len(whole) - 100 if first is None else first
    end = len(whole) - 1 if last is None else last
    assert answer.status_code == 206
    assert answer.content == whole[start : end + 1]
    assert answer.headers["content-range"] == f"bytes {start}-{end}/{len(whole)}"
    assert int(answer.headers["content-length"]) == end - start + 1
    assert answer.headers["content-type"] == "audio/wav"


def test_a_range_past_the_end_is_416(system, playlist, person):
    [player, *_] = player_urls(httpx.get(system.page_path(playlist), headers=person).text)
    answer = httpx.get(
        system.gateway.base_url + player, headers=person | {"Range": "bytes=99999999-"}
    )
    assert answer.status_code == 416


def test_the_public_gateway_serves_no_operator_pages_and_the_admin_port_does(system):
    for path in ("/docs", "/redoc", "/openapi.json", "/asyncapi.json", "/metrics"):
        assert httpx.get(system.gateway.base_url + path).status_code == 404, path
    assert (
        httpx.get(f"{system.gateway.base_url}/internal/links/by-token/{'x' * 32}").status_code
        == 404
    )
    admin = system.gateway.admin_url
    metrics = httpx.get(f"{admin}/metrics")
    assert metrics.status_code == 200 and "outbox" in metrics.text
    assert "/health/ready" in httpx.get(f"{admin}/openapi.json").json()["paths"]
    assert httpx.get(f"{admin}/asyncapi.json").json()["channels"], "what the gateway publishes"
    assert httpx.get(f"{admin}/docs").status_code == 200
    assert httpx.get(f"{admin}/health/ready").status_code == 200


async def test_a_views_event_carries_the_requests_correlation_id(system, playlist, person, kafka):
    link = system.share(tracks=["t-1"])
    shown = httpx.get(system.page_path(link), headers=person | {"X-Request-ID": "corr-e2e-1"})
    assert shown.headers["x-request-id"] == "corr-e2e-1"
    forged = httpx.get(system.page_path(link), headers=person | {"X-Request-ID": "a\\nb{x}"})
    assert forged.headers["x-request-id"] != "a\\nb{x}", "an unfit id is replaced, not logged"
    [first, *_] = await read_topic(
        kafka,
        system.prefix + topics.SHARE_VIEWED,
        expect=2,
        match=lambda record: record.key == link["id"].encode(),
    )
    assert dict(first.headers)["correlation-id"] == b"corr-e2e-1"
