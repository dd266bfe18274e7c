"""The OAuth 2 PKCE flow, refresh and revocation, driven by the real SDK."""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import dropbox
import httpx
import pytest
from dropbox.exceptions import AuthError
from dropbox_emulator.testing import RunningEmulator

pytestmark = pytest.mark.integration


def client(sdk_session: Any, **kwargs: Any) -> dropbox.Dropbox:
    """An SDK client on the test session with the SDK's own retries off."""
    return dropbox.Dropbox(
        session=sdk_session, max_retries_on_error=0, max_retries_on_rate_limit=0, **kwargs
    )


def calls(control: httpx.Client) -> dict[str, int]:
    """The emulator's call counts so far."""
    counts: dict[str, int] = control.get("/_emulator/calls").json()
    return counts


def test_pkce_flow_connects_the_hinted_account_with_a_refresh_token(
    connect: Callable[[str], Any], email: str, sdk_session: Any
) -> None:
    result = connect(email)

    assert result.refresh_token
    assert result.url_state == "tests"
    account = client(
        sdk_session, oauth2_access_token=result.access_token
    ).users_get_current_account()
    assert account.email == email
    assert account.account_id == result.account_id


def test_no_redirect_flow_shows_the_code_to_paste(
    emulator: RunningEmulator, sdk_session: Any, email: str, app_key: str
) -> None:
    flow = dropbox.DropboxOAuth2FlowNoRedirect(
        app_key, use_pkce=True, token_access_type="offline", ca_certs=str(emulator.ca_file)
    )
    flow.requests_session.trust_env = False
    page = sdk_session.get(flow.start() + "&" + urlencode({"login_hint": email}))

    with flow.requests_session:
        result = flow.finish(page.text.strip())

    assert result.refresh_token
    assert client(sdk_session, oauth2_access_token=result.access_token).users_get_current_account()


def refreshing_client(result: Any, sdk_session: Any, app_key: str) -> dropbox.Dropbox:
    """A client that only refreshes when the server says its token has expired."""
    return client(
        sdk_session,
        oauth2_access_token=result.access_token,
        oauth2_refresh_token=result.refresh_token,
        app_key=app_key,
        # The SDK would refresh early on its own; make it rely on the server's 401.
        oauth2_access_token_expiration=datetime(2999, 1, 1),
    )


def test_an_access_token_expired_on_the_emulator_clock_is_refreshed_and_the_call_retried(
    connect: Callable[[str], Any],
    email: str,
    sdk_session: Any,
    control: httpx.Client,
    app_key: str,
    clock: Callable[[float], None],
) -> None:
    result = connect(email)
    lifetime_s = (result.expires_at - datetime.utcnow()).total_seconds()
    assert lifetime_s <= 10, f"the emulator issues {lifetime_s:.0f} s tokens; expected short ones"
    dbx = refreshing_client(result, sdk_session, app_key)
    assert dbx.users_get_current_account().email == email
    before = calls(control)

    clock(lifetime_s + 0.5)  # the token's lifetime passes on the emulator's clock
    assert dbx.users_get_current_account().email == email

    after = calls(control)
    assert after["oauth2/token"] - before["oauth2/token"] == 1
    assert after["users/get_current_account"] - before["users/get_current_account"] == 2


def test_revoking_stops_the_access_and_refresh_tokens(
    connect: Callable[[str], Any], email: str, sdk_session: Any, app_key: str
) -> None:
    result = connect(email)
    dbx = client(sdk_session, oauth2_refresh_token=result.refresh_token, app_key=app_key)
    dbx.users_get_current_account()

    dbx.auth_token_revoke()

    with pytest.raises(AuthError) as refused:
        client(
            sdk_session, oauth2_refresh_token=result.refresh_token, app_key=app_key
        ).users_get_current_account()
    assert refused.value.error.is_invalid_access_token()
    with pytest.raises(AuthError) as stale:
        client(sdk_session, oauth2_access_token=result.access_token).users_get_current_account()
    assert stale.value.error.is_invalid_access_token()


def test_unknown_access_token_is_invalid(sdk_session: Any) -> None:
    with pytest.raises(AuthError) as refused:
        client(sdk_session, oauth2_access_token="sl.not-a-token").users_get_current_account()
    assert refused.value.error.is_invalid_access_token()


def authorize(control: httpx.Client, email: str, challenge: str) -> str:
    """Approve an authorize request by hand and return the code from the redirect."""
    params = {
        "response_type": "code",
        "client_id": "by-hand",
        "redirect_uri": "https://app.example.test/cb",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "login_hint": email,
    }
    approval = control.get("/oauth2/authorize", params=params)
    assert approval.status_code == 302
    return httpx.URL(approval.headers["location"]).params["code"]


# RFC 7636 appendix B's example pair.
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def exchange(control: httpx.Client, code: str, **overrides: str) -> httpx.Response:
    """POST /oauth2/token for a code, form-encoded like the SDK."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": "by-hand",
        "code_verifier": VERIFIER,
        "redirect_uri": "https://app.example.test/cb",
    }
    return control.post("/oauth2/token", data={**form, **overrides})


def test_a_code_is_exchanged_once(control: httpx.Client, email: str) -> None:
    code = authorize(control, email, CHALLENGE)

    first = exchange(control, code)
    second = exchange(control, code)

    assert first.status_code == 200
    assert {"access_token", "refresh_token", "uid", "account_id"} <= first.json().keys()
    assert first.json()["token_type"] == "bearer"
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "overrides",
    [
        {"code_verifier": "a-different-verifier-of-enough-length-0123456789"},
        {"redirect_uri": "https://elsewhere.example.test/cb"},
        {"client_id": "another-app"},
    ],
)
def test_a_code_needs_its_verifier_redirect_uri_and_app(
    control: httpx.Client, email: str, overrides: dict[str, str]
) -> None:
    code = authorize(control, email, CHALLENGE)

    refused = exchange(control, code, **overrides)

    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "dropped", ["response_type", "client_id", "code_challenge", "code_challenge_method"]
)
def test_authorize_requires_pkce_parameters(control: httpx.Client, dropped: str) -> None:
    params = {
        "response_type": "code",
        "client_id": "by-hand",
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
    }
    del params[dropped]

    assert control.get("/oauth2/authorize", params=params).status_code == 400


def test_a_code_expires(control: httpx.Client, email: str, clock: Callable[[float], None]) -> None:
    code = authorize(control, email, CHALLENGE)

    clock(601)

    assert exchange(control, code).json()["error"] == "invalid_grant"


def test_a_person_allows_or_cancels_on_the_consent_page(control: httpx.Client, email: str) -> None:
    params = {
        "response_type": "code",
        "client_id": "by-hand",
        "redirect_uri": "https://app.example.test/cb",
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
        "state": "s-1",
        "scope": "account_info.read sharing.write",
    }
    page = control.get("/oauth2/authorize", params=params)
    assert page.status_code == 200
    assert "<li>sharing.write</li>" in page.text and 'name="state" value="s-1"' in page.text

    allowed = control.post("/oauth2/authorize", data=params | {"decision": "allow", "email": email})
    assert allowed.status_code == 302
    back = httpx.URL(allowed.headers["location"])
    assert (back.host, back.params["state"]) == ("app.example.test", "s-1")
    assert exchange(control, back.params["code"]).status_code == 200

    cancelled = control.post("/oauth2/authorize", data=params | {"decision": "cancel"})
    assert dict(httpx.URL(cancelled.headers["location"]).params) == {
        "error": "access_denied",
        "state": "s-1",
    }
