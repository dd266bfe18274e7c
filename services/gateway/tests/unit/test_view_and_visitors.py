from datetime import UTC, datetime
from ipaddress import ip_network

import pytest
from contracts.links import InternalLink, LinkFile, LinkTrack
from fastapi import Request
from gateway.domain import (
    client_address,
    human_size,
    page_of,
    rate_limit_bucket,
    visitor_id,
)
from gateway.html import SharePages


def _link(**changes: object) -> InternalLink:
    files = [
        ("p", "Night Drive.als", "project", "project", "als", 2048),
        ("s", "Stems.zip", "stem", "audio", "zip", 1),
        ("b", "Master.wav", "bounce", "audio", "wav", 48213342),
    ]
    track = LinkTrack(
        track_id="t-1",
        title="Night Drive",
        artist="Mara Vale",
        version=3,
        group_id=None,
        files=tuple(
            LinkFile(file_id=i, name=n, role=r, type=t, format=f, size=z, dropbox_path=f"/x/{n}")
            for i, n, r, t, f, z in files
        ),
    )
    link = InternalLink(
        id="lnk_1",
        token="T" * 32,
        url="http://x/s/T",
        owner_id="u-1",
        kind="single",
        title=None,
        message=None,
        include=("bounce", "stem", "project"),
        downloads=("audio",),
        tracks=(track,),
        created_at=datetime.now(UTC),
        expires_at=None,
        revoked_at=None,
        dropbox_connected=True,
    )
    return link.model_copy(update=changes)


def _signed(file_id: str) -> str:
    return f"/signed/{file_id}"


def test_the_player_plays_the_bounce_and_buttons_follow_the_permissions():
    [track] = page_of(_link(), _signed)["tracks"]
    assert (track["preview_url"], track["preview_file"]) == ("/signed/b", "b")
    assert [(d["format"], d["size"]) for d in track["downloads"]] == [
        ("ZIP", "1 B"),
        ("WAV", "46.0 MB"),
    ]


def test_a_track_without_a_playable_bounce_has_no_player():
    [track] = _link().tracks
    unplayable = track.model_copy(update={"files": [f for f in track.files if f.role != "bounce"]})
    [shown] = page_of(_link(tracks=(unplayable,)), _signed)["tracks"]
    assert shown["preview_url"] is None, "stems and project files are never previewed"


def test_no_downloads_means_listening_only():
    page = page_of(_link(downloads=[]), _signed)
    assert page["listening_only"] is True
    assert page["tracks"][0]["downloads"] == []
    assert page["tracks"][0]["preview_url"] is not None


def test_the_page_title_is_the_links_or_else_the_first_tracks():
    assert page_of(_link(), _signed)["title"] == "Night Drive"
    assert page_of(_link(title="EP for Label X"), _signed)["title"] == "EP for Label X"


def test_a_rendered_page_is_reused_while_its_link_is_the_same_and_no_longer(monkeypatch):
    signed: list[str] = []
    now = [1000.0]
    monkeypatch.setattr("service_kit.caching.time.monotonic", lambda: now[0])
    pages = SharePages(preview_ttl_s=900, size=10)

    def sign(file_id: str) -> str:
        signed.append(file_id)
        return f"/signed/{len(signed)}"

    link = _link()
    first = pages.html(link, sign)
    assert "/signed/1" in first and "Night Drive" in first
    assert pages.html(link.model_copy(), sign) is first, "an equal link reuses the page"
    retitled = link.model_copy(update={"title": "EP for <Label X>"})
    assert "EP for &lt;Label X&gt;" in pages.html(retitled, sign), "a changed link renders again"
    now[0] += 90  # a tenth of the previews' 15 minutes
    assert "/signed/3" in pages.html(retitled, sign)
    assert signed == ["b", "b", "b"]


@pytest.mark.parametrize(("size", "label"), [(0, "0 B"), (1023, "1023 B"), (1536, "1.5 KB")])
def test_sizes_read_like_people_write_them(size: int, label: str):
    assert human_size(size) == label


def test_visitor_ids_are_stable_salted_and_hide_the_address():
    one = visitor_id("198.51.100.7", "Firefox", "salt-a")
    assert one == visitor_id("198.51.100.7", "Firefox", "salt-a")
    assert one != visitor_id("198.51.100.7", "Firefox", "salt-b")
    assert one != visitor_id("198.51.100.8", "Firefox", "salt-a")
    assert "198" not in one


def _request(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "client": (peer, 5000), "headers": headers})


PROXIES = [ip_network("10.0.0.0/8"), ip_network("127.0.0.1/32")]


@pytest.mark.parametrize(
    ("peer", "forwarded", "proxies", "client"),
    [
        ("198.51.100.7", "203.0.113.1", [], "198.51.100.7"),  # no proxy trusted: the peer
        ("198.51.100.7", "203.0.113.1", PROXIES, "198.51.100.7"),  # an untrusted peer's header
        ("127.0.0.1", "203.0.113.1", PROXIES, "203.0.113.1"),
        ("127.0.0.1", "6.6.6.6, 203.0.113.1", PROXIES, "203.0.113.1"),  # a forged left entry
        ("127.0.0.1", "203.0.113.1, 10.1.2.3", PROXIES, "203.0.113.1"),  # two proxies
        ("127.0.0.1", "10.9.9.9, 10.1.2.3", PROXIES, "10.9.9.9"),  # all proxies: the last
        ("127.0.0.1", "not-an-address", PROXIES, "127.0.0.1"),
        ("127.0.0.1", None, PROXIES, "127.0.0.1"),
    ],
)
def test_the_client_is_the_right_most_hop_no_trusted_proxy_added(peer, forwarded, proxies, client):
    assert client_address(_request(peer, forwarded), proxies) == client


def test_ipv6_clients_share_a_budget_per_64():
    one, same_64, other_64 = "2001:db8:1:2::1", "2001:db8:1:2:ffff::9", "2001:db8:1:3::1"
    assert rate_limit_bucket(one) == rate_limit_bucket(same_64) == "2001:db8:1:2::/64"
    assert rate_limit_bucket(other_64) != rate_limit_bucket(one)
    assert rate_limit_bucket("::ffff:203.0.113.5") == "203.0.113.5"
    assert rate_limit_bucket("203.0.113.5") == "203.0.113.5"
