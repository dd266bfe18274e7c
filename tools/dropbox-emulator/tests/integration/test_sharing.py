"""Shared folders and file members, driven by the real SDK and checked in the emulator."""

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import dropbox
import httpx
import pytest
from dropbox.exceptions import ApiError
from dropbox.sharing import AccessLevel, AddMember, MemberSelector

pytestmark = pytest.mark.integration

Sdk = Callable[[str], dropbox.Dropbox]


def someone() -> str:
    """A fresh collaborator address."""
    return f"c{uuid4().hex[:10]}@example.com"


def access(control: httpx.Client, email: str, path: str) -> dict[str, Any]:
    """Who has access to a path, as the emulator's control API says."""
    answer = control.get("/_emulator/members", params={"account": email, "path": path})
    answer.raise_for_status()
    found: dict[str, Any] = answer.json()
    return found


def levels(found: dict[str, Any]) -> dict[str, str]:
    """Email → access level."""
    return {m["email"]: m["access_level"] for m in found["members"]}


def put(control: httpx.Client, email: str, path: str) -> str:
    """Put a small file into an account; return its id."""
    answer = control.put("/_emulator/files", params={"account": email, "path": path}, content=b"x")
    answer.raise_for_status()
    file_id: str = answer.json()["id"]
    return file_id


def share(dbx: dropbox.Dropbox, path: str) -> str:
    """Share a folder asynchronously and return its shared folder id."""
    launch = dbx.sharing_share_folder(path, force_async=True)
    assert launch.is_async_job_id()
    status = dbx.sharing_check_share_job_status(launch.get_async_job_id())
    assert status.is_complete()
    shared_folder_id: str = status.get_complete().shared_folder_id
    return shared_folder_id


def test_folder_members_are_added_and_removed(sdk: Sdk, email: str, control: httpx.Client) -> None:
    put(control, email, "/Projects/Night Drive/mix.wav")
    dbx = sdk(email)
    viewer, editor = someone(), someone()
    folder = share(dbx, "/Projects/Night Drive")

    dbx.sharing_add_folder_member(
        folder,
        [
            AddMember(MemberSelector.email(viewer), AccessLevel.viewer),
            AddMember(MemberSelector.email(editor), AccessLevel.editor),
        ],
    )
    dbx.sharing_add_folder_member(folder, [AddMember(MemberSelector.email(viewer))])
    added = access(control, email, "/projects/night drive")
    job = dbx.sharing_remove_folder_member(folder, MemberSelector.email(viewer), leave_a_copy=False)
    removed = access(control, email, "/projects/night drive")

    assert added["shared_folder_id"] == folder
    assert levels(added) == {email: "owner", viewer: "viewer", editor: "editor"}
    assert dbx.sharing_check_remove_member_job_status(job.get_async_job_id()).is_complete()
    assert dbx.sharing_check_job_status(job.get_async_job_id()).is_complete()
    assert levels(removed) == {email: "owner", editor: "editor"}
    assert removed["removed"] == [{"email": viewer, "leave_a_copy": False}]


def test_files_inside_a_shared_folder_inherit_its_members(
    sdk: Sdk, email: str, control: httpx.Client
) -> None:
    put(control, email, "/Album/track.wav")
    dbx = sdk(email)
    folder = share(dbx, "/Album")
    friend = someone()
    dbx.sharing_add_folder_member(folder, [AddMember(MemberSelector.email(friend))])

    found = access(control, email, "/Album/track.wav")
    metadata = dbx.files_get_metadata("/Album/track.wav")

    assert found["shared_folder_id"] == folder
    assert {"email": friend, "access_level": "viewer", "inherited": True} in found["members"]
    assert metadata.parent_shared_folder_id == folder


def test_sharing_a_shared_folder_again_fails_with_its_metadata(
    sdk: Sdk, email: str, control: httpx.Client
) -> None:
    put(control, email, "/Stems/drums.wav")
    dbx = sdk(email)
    first = dbx.sharing_share_folder("/Stems")

    with pytest.raises(ApiError) as again:
        dbx.sharing_share_folder("/stems")

    assert first.is_complete()
    assert again.value.error.is_bad_path()
    assert again.value.error.get_bad_path().is_already_shared()
    already = again.value.error.get_bad_path().get_already_shared()
    assert already.shared_folder_id == first.get_complete().shared_folder_id


def test_share_folder_makes_a_missing_folder(sdk: Sdk, email: str) -> None:
    dbx = sdk(email)

    launch = dbx.sharing_share_folder("/Brand New")

    assert launch.get_complete().path_display == "/Brand New"
    assert dbx.files_get_metadata("/brand new").shared_folder_id


def test_members_with_accounts_are_users_and_others_invitees(
    sdk: Sdk, email: str, control: httpx.Client
) -> None:
    known, unknown = someone(), someone()
    control.post("/_emulator/accounts", json={"email": known, "name": "Kim Known"})
    dbx = sdk(email)
    folder = share(dbx, "/Collab")
    dbx.sharing_add_folder_member(
        folder, [AddMember(MemberSelector.email(e)) for e in (known, unknown)]
    )

    listed = dbx.sharing_list_folder_members(folder)

    users = {u.user.email: u.user.display_name for u in listed.users}
    assert set(users) == {email, known}
    assert users[known] == "Kim Known"
    assert [i.invitee.get_email() for i in listed.invitees] == [unknown]


def test_folder_members_page_with_a_cursor(sdk: Sdk, email: str) -> None:
    dbx = sdk(email)
    folder = share(dbx, "/Paged")
    others = [someone() for _ in range(3)]
    dbx.sharing_add_folder_member(folder, [AddMember(MemberSelector.email(e)) for e in others])

    page = dbx.sharing_list_folder_members(folder, limit=2)
    seen = [i.invitee.get_email() for i in page.invitees] + [u.user.email for u in page.users]
    while page.cursor:
        page = dbx.sharing_list_folder_members_continue(page.cursor)
        seen += [i.invitee.get_email() for i in page.invitees]

    assert sorted(seen) == sorted([email, *others])


def test_removing_a_non_member_is_a_member_error(sdk: Sdk, email: str) -> None:
    dbx = sdk(email)
    folder = share(dbx, "/Lonely")

    with pytest.raises(ApiError) as refused:
        dbx.sharing_remove_folder_member(folder, MemberSelector.email(someone()), False)

    assert refused.value.error.is_member_error()
    assert refused.value.error.get_member_error().is_not_a_member()


def test_a_stranger_cannot_add_members(sdk: Sdk, email: str) -> None:
    folder = share(sdk(email), "/Private")

    with pytest.raises(ApiError) as refused:
        sdk(someone()).sharing_add_folder_member(folder, [AddMember(MemberSelector.email(email))])

    assert refused.value.error.is_access_error()
    assert refused.value.error.get_access_error().is_not_a_member()


def test_file_members_are_added_listed_and_removed(
    sdk: Sdk, email: str, control: httpx.Client
) -> None:
    file_id = put(control, email, "/Singles/Glass Harbor.mp3")
    dbx = sdk(email)
    first, second = someone(), someone()

    added = dbx.sharing_add_file_member(
        "/Singles/Glass Harbor.mp3",
        [MemberSelector.email(first), MemberSelector.email(second)],
        access_level=AccessLevel.viewer,
    )
    again = dbx.sharing_add_file_member(file_id, [MemberSelector.email(first)])
    listed = dbx.sharing_list_file_members(file_id)
    shared = access(control, email, "/singles/glass harbor.mp3")
    removed = dbx.sharing_remove_file_member_2(file_id, MemberSelector.email(first))
    removed_again = dbx.sharing_remove_file_member_2(file_id, MemberSelector.email(first))
    after = access(control, email, "/singles/glass harbor.mp3")

    assert [r.result.get_success().is_viewer() for r in added] == [True, True]
    assert again[0].result.is_success()
    assert sorted(i.invitee.get_email() for i in listed.invitees) == sorted([first, second])
    assert [u.user.email for u in listed.users] == [email]
    assert levels(shared) == {email: "owner", first: "viewer", second: "viewer"}
    assert removed.is_success()
    assert removed_again.get_member_error().is_invalid_member()
    assert levels(after) == {email: "owner", second: "viewer"}
    assert after["removed"] == [{"email": first, "leave_a_copy": None}]


def test_file_members_of_a_missing_file_is_an_access_error(sdk: Sdk, email: str) -> None:
    with pytest.raises(ApiError) as missing:
        sdk(email).sharing_add_file_member("/nope.wav", [MemberSelector.email(someone())])

    assert missing.value.error.get_access_error().is_invalid_file()
