"""What a collaborator sees: Dropbox's invitation mails, signing in, the shared content."""

import html
import re
from collections.abc import Callable, Iterator
from uuid import uuid4

import dropbox
import httpx
import pytest
from dropbox.exceptions import AuthError
from dropbox.sharing import AddMember, MemberSelector
from dropbox_emulator.testing import RunningEmulator

pytestmark = pytest.mark.integration

Sdk = Callable[[str], dropbox.Dropbox]
MIX = b"RIFF" + b"night drive" * 100


@pytest.fixture
def browser(emulator: RunningEmulator) -> Iterator[httpx.Client]:
    """A browser of its own: cookies kept, redirects followed."""
    with httpx.Client(
        base_url=emulator.base_url,
        verify=emulator.ssl_context(),
        trust_env=False,
        follow_redirects=True,
    ) as client:
        yield client


def someone() -> str:
    return f"c{uuid4().hex[:10]}@example.com"


def put(control: httpx.Client, email: str, path: str, data: bytes = MIX) -> None:
    control.put("/_emulator/files", params={"account": email, "path": path}, content=data)


def invitations(control: httpx.Client, email: str) -> list[dict[str, str]]:
    answer = control.get("/_emulator/invitations", params={"email": email})
    answer.raise_for_status()
    found: list[dict[str, str]] = answer.json()
    return found


def test_a_member_added_without_quiet_gets_an_invitation_that_leads_to_the_folder(
    sdk: Sdk, email: str, control: httpx.Client, browser: httpx.Client
) -> None:
    put(control, email, "/Night Drive/Night Drive (Master).wav")
    dbx = sdk(email)
    folder = dbx.sharing_share_folder("/Night Drive").get_complete().shared_folder_id
    invited, quiet = someone(), someone()
    dbx.sharing_add_folder_member(
        folder, [AddMember(MemberSelector.email(invited))], custom_message="Mixes v3"
    )
    dbx.sharing_add_folder_member(folder, [AddMember(MemberSelector.email(quiet))], quiet=True)

    [invitation] = invitations(control, invited)
    assert invitations(control, quiet) == []
    assert (invitation["kind"], invitation["name"], invitation["message"]) == (
        "folder",
        "Night Drive",
        "Mixes v3",
    )

    signed_out = browser.get(invitation["url"])
    assert signed_out.url.path == "/login" and "Sign in" in signed_out.text
    page = browser.get("/login", params={"email": invited, **dict(signed_out.url.params)})
    assert page.url == invitation["url"]
    assert page.status_code == 200 and "Night Drive (Master).wav" in page.text
    [href] = re.findall(r'href="([^"]+)"', page.text)
    assert browser.get(html.unescape(href)).content == MIX


def test_strangers_and_the_signed_out_never_see_shared_content(
    sdk: Sdk, email: str, control: httpx.Client, browser: httpx.Client
) -> None:
    put(control, email, "/Neon Rain/Neon Rain.wav")
    dbx = sdk(email)
    dbx.sharing_add_file_member("/Neon Rain/Neon Rain.wav", [MemberSelector.email(someone())])
    folder = dbx.sharing_share_folder("/Neon Rain").get_complete()

    browser.get("/login", params={"email": someone()})
    assert browser.get(folder.preview_url).status_code == 404
    assert (
        browser.get(
            f"/scl/fo/{folder.shared_folder_id}/file", params={"path": "Neon Rain.wav"}
        ).status_code
        == 404
    )


def test_a_file_member_is_invited_to_the_file_and_can_download_it(
    sdk: Sdk, email: str, control: httpx.Client, browser: httpx.Client
) -> None:
    put(control, email, "/Glass Harbor/Glass Harbor.mp3")
    friend = someone()
    sdk(email).sharing_add_file_member(
        "/Glass Harbor/Glass Harbor.mp3", [MemberSelector.email(friend)]
    )

    [invitation] = invitations(control, friend)
    browser.get("/login", params={"email": friend})
    page = browser.get(invitation["url"])

    assert invitation["kind"] == "file" and "Glass Harbor.mp3" in page.text
    assert browser.get(invitation["url"], params={"dl": 1}).content == MIX


def test_forgetting_an_accounts_tokens_makes_dropbox_refuse_its_refresh_token(
    sdk: Sdk, email: str, control: httpx.Client
) -> None:
    dbx = sdk(email)
    dbx.users_get_current_account()

    forgotten = control.delete("/_emulator/tokens", params={"account": email})

    assert forgotten.json() == {"refresh_tokens_forgotten": 1}
    dbx._oauth2_access_token = None  # the next call refreshes, as after a restart
    with pytest.raises(AuthError) as refused:
        dbx.users_get_current_account()
    assert refused.value.error.is_invalid_access_token()
