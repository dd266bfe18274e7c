"""The console's pure parts: the grid's songs, the Files widget's counts, the chart, the
session cookie and CSRF token, and what production leaves out."""

from datetime import UTC, date, datetime

import httpx
import pytest
from contracts.auth import issue_producer_token
from fastapi import Response
from gateway.app import create_app
from gateway.console.session import SignedOut, csrf_token, open_session, remember
from gateway.console.views import daily_chart, role_counts, songs_by_bucket
from gateway.models import Day, Track
from gateway.settings import Settings

STRONG = "s" * 40


def _track(track_id: str, title: str, **extra: object) -> Track:
    files = [{"file_id": "f", "name": "a.wav", "role": "bounce", "size": 1}]
    return Track.model_validate(
        {"track_id": track_id, "title": title, "artist": "A", "files": files} | extra
    )


def test_versions_of_a_song_show_as_one_tile_with_the_latest():
    tracks = [
        _track("nd-1", "Night Drive", bucket="EP", group_id="g-nd", version=1),
        _track("nd-3", "Night Drive", bucket="EP", group_id="g-nd", version=3),
        _track("nd-2", "Night Drive", bucket="EP", group_id="g-nd", version=2),
        _track("gh", "glass Harbor", bucket="EP"),
        _track("lt", "Low Tide"),
    ]
    buckets = songs_by_bucket(tracks)
    assert list(buckets) == ["EP", "No bucket"]
    assert [(s.track.track_id, s.versions) for s in buckets["EP"]] == [("gh", 1), ("nd-3", 3)]


def test_the_files_widget_counts_the_selections_files_by_role():
    stems = {"file_id": "s", "name": "s.zip", "role": "stem", "size": 1}
    one = _track("a", "A")
    two = _track("b", "B").model_copy(update={"files": [*_track("b", "B").files]})
    counts = role_counts([one, two, Track.model_validate(one.model_dump() | {"files": [stems]})])
    assert counts == {"bounce": 2, "stem": 1, "project": 0, "other": 0}


def test_the_chart_scales_to_the_busiest_day_and_shows_quiet_days_as_zero():
    days = [
        Day(date=date(2026, 11, 27), views=8, downloads=2),
        Day(date=date(2026, 1, 1), views=99, downloads=0),
    ]
    chart = daily_chart(days, today=date(2026, 11, 29), span=3)
    heights = {(bar["label"]): bar["height"] for bar in chart.bars}
    assert chart.peak == 8, "a day outside the window does not set the scale"
    assert heights["2026-11-27: 8 views"] == 100 and heights["2026-11-27: 2 downloads"] == 25
    assert heights["2026-11-29: 0 views"] == 0
    assert (chart.first, chart.last) == ("27 Nov", "29 Nov")


def test_a_csrf_token_belongs_to_one_session_and_one_key():
    settings = Settings()
    one, two = (issue_producer_token(u, "x" * 40, expires_at=2**31) for u in ("u-1", "u-2"))
    assert csrf_token(settings, one) != csrf_token(settings, two)
    assert csrf_token(settings, one) != csrf_token(Settings(console_secret=STRONG), one)


def test_a_token_signed_with_another_key_opens_no_session():
    forged = issue_producer_token("u-1", "not-the-secret-" * 3, expires_at=2**31)
    with pytest.raises(SignedOut):
        open_session(Settings(), forged)


@pytest.mark.parametrize(("app_env", "secure"), [("development", False), ("production", True)])
def test_the_session_cookie_is_httponly_lax_and_secure_outside_development(app_env, secure):
    settings = Settings.model_construct(**(Settings().__dict__ | {"app_env": app_env}))
    response = Response()
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    remember(response, settings, "a.jwt.value", expires_at=int(now.timestamp()) + 600, now=now)
    cookie = response.headers["set-cookie"].lower()
    assert "max-age=600" in cookie, "the cookie lives as long as the token, from the clock"
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/console" in cookie
    assert ("secure" in cookie.split("; ")) is secure


@pytest.mark.parametrize(("app_env", "status"), [("development", 200), ("production", 404)])
async def test_the_sign_in_page_exists_in_development_only(app_env: str, status: int):
    names = ("auth_jwt_secret", "internal_api_token", "visitor_salt", "preview_secret")
    secrets = dict.fromkeys((*names, "console_secret"), STRONG)
    app = create_app(Settings(app_env=app_env, kafka_security_protocol="SASL_SSL", **secrets))
    # No lifespan: nothing is started, only the routes answer.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as client:
        page = await client.get("/console/sign-in")
        assert page.status_code == status
        assert ("Sign in as Mara Vale" in page.text) is (status == 200)
