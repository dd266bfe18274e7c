"""The guide's promises at their edges (issue 10): a revoke stops a link within a second,
Kafka or not; a producer whose Dropbox refuses us gets an honest page; dependencies away
give the 503 page, never a bare error; and no share token ever reaches a log line."""

import http.server
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from contracts import topics
from messaging.testing import read_topic, wait_until, wait_until_sync
from service_kit.testing import free_port, infra_env, start_service

from .conftest import SHARE_HEADERS, kafka_paused, player_urls

pytestmark = pytest.mark.e2e

REVOCATION_BOUND_S = 1.0


@pytest.fixture(scope="module")
def tracks(system) -> None:
    system.put_track("t-1", "Night Drive")
    system.put_track("t-2", "Neon Rain")


def _until_gone(url: str, headers: dict[str, str], revoked_at: float) -> float:
    """Seconds from the revoke's answer until `url` answers 410 (served until then)."""

    def gone() -> bool:
        answer = httpx.get(url, headers=headers)
        assert answer.status_code in (200, 410), answer.status_code
        return answer.status_code == 410

    left_s = 5 - (time.monotonic() - revoked_at)
    wait_until_sync(gone, timeout_s=left_s, interval_s=0.02, message=f"{url} to answer 410")
    return time.monotonic() - revoked_at


def test_a_revoked_page_is_410_within_a_second_while_kafka_is_away(system, tracks, person):
    links = [system.share(tracks=["t-1"]) for _ in range(3)]
    for link in links:  # each page read and cached by the gateway just before the revoke
        assert httpx.get(system.page_path(link), headers=person).status_code == 200
    with kafka_paused():
        delays = []
        for link in links:
            assert httpx.get(system.page_path(link), headers=person).status_code == 200
            assert system.revoke(link).status_code == 200
            delays.append(_until_gone(system.page_path(link), person, time.monotonic()))
    assert max(delays) <= REVOCATION_BOUND_S, delays


def test_a_revoke_stops_previews_and_downloads_within_a_second(system, tracks, person):
    link = system.share(tracks=["t-1"], downloads=["audio"])
    [player] = player_urls(httpx.get(system.page_path(link), headers=person).text)
    preview = system.gateway.base_url + player
    download = f"{system.page_path(link)}/files/t-1-bounce/download"
    assert httpx.get(preview, headers=person).status_code == 200
    assert httpx.get(download, headers=person).status_code == 302

    assert system.revoke(link).status_code == 200
    revoked_at = time.monotonic()

    assert _until_gone(preview, person, revoked_at) <= REVOCATION_BOUND_S
    assert _until_gone(download, person, revoked_at) <= REVOCATION_BOUND_S
    assert "This share has been disabled" in httpx.get(preview, headers=person).text


async def test_a_producer_whose_dropbox_refuses_us_has_pages_saying_files_are_unavailable(
    system, tracks, person, kafka, control
):
    producer = system.another_producer()
    producer.put_track("t-9", "Glass Harbor")
    link = producer.share(tracks=["t-9"], downloads=["audio"])
    download = f"{producer.page_path(link)}/files/t-9-bounce/download"
    assert httpx.get(download, headers=person).status_code == 302
    # The producer removes the app in Dropbox; links cached so far die with the emulator's.
    control.delete("/_emulator/tokens", params={"account": producer.email}).raise_for_status()
    control.post("/_emulator/clock", json={"advance_s": 5})
    try:
        status = httpx.get(
            f"{producer.dropbox.base_url}/v1/dropbox/status", headers=producer.producer
        )
    finally:
        control.post("/_emulator/clock", json={"advance_s": -5})
    assert status.json()["connected"] is False

    events = await read_topic(
        kafka,
        system.prefix + topics.DROPBOX_DISCONNECTED,
        expect=1,
        idle_s=1,
        match=lambda record: record.key == producer.owner_id.encode(),
    )
    assert len(events) == 1
    page = await wait_until(
        lambda: httpx.get(producer.page_path(link), headers=person),
        until=lambda page: page.status_code == 503,
        timeout_s=5,
        message="link-service to hear of the disconnection through Kafka",
    )
    assert "unavailable for now" in page.text and "Glass Harbor" not in page.text
    assert int(page.headers["retry-after"]) > 0
    assert SHARE_HEADERS.items() <= page.headers.items()
    assert httpx.get(download, headers=person).status_code == 503


class _Failing(http.server.BaseHTTPRequestHandler):
    """A link-service or dropbox-service that answers every request with 500."""

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.send_response(500)
        self.end_headers()

    do_POST = do_GET  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def failing_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Failing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def gateway_of(kafka_bootstrap, redis_url, unique_prefix):
    """Start a gateway in front of the given link-service and dropbox-service addresses."""
    started = []

    def start(link_service: str, dropbox_service: str):
        started.append(
            start_service(
                "gateway",
                infra_env(kafka_bootstrap, redis_url, unique_prefix)
                | {"LINK_SERVICE_URL": link_service, "DROPBOX_SERVICE_URL": dropbox_service},
            )
        )
        started[-1].wait_ready()
        return started[-1]

    yield start
    for gateway in started:
        gateway.stop()


def test_link_service_away_or_failing_gives_the_503_page(
    system, tracks, person, failing_url, gateway_of
):
    link = system.share(tracks=["t-1"])
    nobody = f"http://127.0.0.1:{free_port()}"
    for link_service in (nobody, failing_url):
        gateway = gateway_of(link_service, system.dropbox.base_url)
        page = httpx.get(f"{gateway.base_url}/s/{link['token']}", headers=person)
        assert page.status_code == 503, link_service
        assert "Temporarily unavailable" in page.text
        assert SHARE_HEADERS.items() <= page.headers.items()
        assert "default-src 'none'" in page.headers["content-security-policy"]


def test_dropbox_service_away_or_failing_gives_the_503_page(
    system, tracks, person, failing_url, gateway_of
):
    link = system.share(tracks=["t-1"], downloads=["audio"])
    nobody = f"http://127.0.0.1:{free_port()}"
    for dropbox_service in (nobody, failing_url):
        gateway = gateway_of(system.link_service.base_url, dropbox_service)
        base = f"{gateway.base_url}/s/{link['token']}"
        download = httpx.get(f"{base}/files/t-1-bounce/download", headers=person)
        [player] = player_urls(httpx.get(base, headers=person).text)
        preview = httpx.get(gateway.base_url + player, headers=person)
        for answer in (download, preview):
            assert answer.status_code == 503, dropbox_service
            assert int(answer.headers["retry-after"]) > 0
            assert SHARE_HEADERS.items() <= answer.headers.items()


def test_no_share_token_reaches_a_log_line(system, tracks, person):
    """Last in the module: every link it made, viewed, played, downloaded, revoked."""
    link = system.share(tracks=["t-1", "t-2"], downloads=["audio"])
    page = httpx.get(system.page_path(link), headers=person)
    for player in player_urls(page.text):
        httpx.get(system.gateway.base_url + player, headers=person | {"Range": "bytes=0-99"})
    httpx.get(f"{system.page_path(link)}/files/t-1-bounce/download", headers=person)
    httpx.get(f"{system.page_path(link)}/files/t-1-project/download", headers=person)
    system.revoke(link)
    wait_until_sync(
        lambda: httpx.get(system.page_path(link), headers=person),
        until=lambda page: page.status_code == 410,
        timeout_s=5,
        message="the revoked page to answer 410",
    )
    httpx.get(f"{system.gateway.base_url}/s/{'Z' * 32}", headers=person)

    logs = system.log_text()
    assert '"msg": "started"' in logs, "the services' logs were read"
    for token in [link["token"], "Z" * 32, *system.tokens]:
        assert token not in logs, "a share token was logged"
