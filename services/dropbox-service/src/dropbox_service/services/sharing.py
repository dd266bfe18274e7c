"""Collaborator access through Dropbox: folder mode shares the track's folder, files mode
adds each collaborator to each file. Both are idempotent: a member already there is success.

Every access given is recorded by target (`folder:<shared folder id>`, `file:<path>`) with
the address it went to, so a removal takes back all of them, whatever modes were used.
Dropbox sends its own invitation to collaborators without a Producer Dashboard account
(they have no other way in); dashboard users are added quietly, as they get our notice.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from contracts.events import Collaborator, CollabShareRequested
from dropbox import sharing as dbx
from dropbox.exceptions import ApiError

from dropbox_service.clients import DropboxCalls, DropboxUnavailable, NotConnected, RateLimited
from dropbox_service.domain import Accesses, Outcome

T = TypeVar("T")
JOB_POLL_S = 0.2
JOB_TIMEOUT_S = 60.0


class ShareFailed(Exception):
    """Dropbox refused the whole request; `reason` is what collab.failed reports."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RemovalFailed(Exception):
    """Dropbox refused to take an access back; `removed` are the targets taken back before.
    An `outage` (5xx or a rate limit past every retry) may pass if the request is tried later."""

    def __init__(self, reason: str, removed: list[str], *, outage: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.removed = removed
        self.outage = outage


# Dropbox kept failing through every retry of one call: the request may pass later.
OUTAGES = (DropboxUnavailable, RateLimited)


def outage_reason(error: Exception) -> str:
    """What collab.failed and collab.revoke.failed say of an outage that outlasted its wait."""
    return "dropbox_rate_limited" if isinstance(error, RateLimited) else "dropbox_unavailable"


async def grant(calls: DropboxCalls, request: CollabShareRequested) -> Outcome:
    """Give every collaborator of the request viewer access, in the request's mode. An
    outage of Dropbox is raised as it is (OUTAGES): the caller decides to wait or give up."""
    try:
        if request.mode == "folder":
            return await _grant_folder(calls, request)
        return await _grant_files(calls, request)
    except ShareFailed as failure:
        return Outcome(failed={c.collaborator_id: failure.reason for c in request.collaborators})


async def revoke(calls: DropboxCalls, owner_id: str, given: Accesses) -> None:
    """Take back every access recorded for a collaborator; one already gone is success.
    RemovalFailed says why Dropbox refused, and which targets were taken back before."""
    removed: list[str] = []
    for target, email in given.items():
        try:
            await _remove(calls, owner_id, target, dbx.MemberSelector.email(email))
        except ShareFailed as failure:
            raise RemovalFailed(failure.reason, removed) from failure
        except OUTAGES as error:  # waited out within the budget already
            raise RemovalFailed(outage_reason(error), removed, outage=True) from error
        removed.append(target)


async def _remove(calls: DropboxCalls, owner_id: str, target: str, member: Any) -> None:
    kind, _, ref = target.partition(":")
    if kind == "file":
        await _dropbox(
            calls, owner_id, _remove_file_member(ref, member), already_done=_not_a_file_member
        )
        return
    launch = await _dropbox(
        calls,
        owner_id,
        lambda c: c.sharing_remove_folder_member(ref, member, leave_a_copy=False),
        already_done=_not_a_folder_member,
    )
    if launch and launch.is_async_job_id():
        job = launch.get_async_job_id()
        await _wait_for_job(calls, owner_id, lambda c: c.sharing_check_job_status(job))


async def _grant_folder(calls: DropboxCalls, request: CollabShareRequested) -> Outcome:
    folder = await _shared_folder(calls, request)
    outcome = Outcome(access_url=folder.preview_url)
    target = f"folder:{folder.shared_folder_id}"
    people = request.collaborators
    adds = [_add_folder_member(folder.shared_folder_id, p, request.message) for p in people]
    reasons = await asyncio.gather(
        *(_reason_if_fails(_dropbox(calls, request.owner_id, add)) for add in adds)
    )
    for person, reason in zip(people, reasons, strict=True):
        _record(outcome, person, reason, {target: person.email})
    return outcome


async def _grant_files(calls: DropboxCalls, request: CollabShareRequested) -> Outcome:
    problems: dict[str, str] = {}
    quietly = [c for c in request.collaborators if c.user_id is not None]
    invited = [c for c in request.collaborators if c.user_id is None]
    for shared in request.files:
        for people, quiet in ((quietly, True), (invited, False)):
            if not people:
                continue
            add = _add_file_members(shared.dropbox_path, people, request.message, quiet)
            for result in await _dropbox(calls, request.owner_id, add):
                if not result.result.is_success():
                    email = result.member.get_email().lower()
                    problems[email] = f"dropbox_error:{result.result!r}"
    outcome = Outcome()
    for person in request.collaborators:
        reason = problems.get(person.email.lower())
        given = {f"file:{f.dropbox_path}": person.email for f in request.files}
        _record(outcome, person, reason, given)
    return outcome


async def _shared_folder(calls: DropboxCalls, request: CollabShareRequested) -> Any:
    launch = await _dropbox(
        calls,
        request.owner_id,
        lambda c: c.sharing_share_folder(request.folder),
        already_done=_already_shared,
    )
    if isinstance(launch, dbx.SharedFolderMetadata):
        return launch
    if launch.is_complete():
        return launch.get_complete()
    job = launch.get_async_job_id()
    status = await _wait_for_job(
        calls, request.owner_id, lambda c: c.sharing_check_share_job_status(job)
    )
    return status.get_complete()


async def _dropbox(
    calls: DropboxCalls,
    owner_id: str,
    operation: Callable[[Any], T],
    *,
    already_done: Callable[[ApiError], Any] = lambda error: None,
) -> T:
    """One SDK call; Dropbox's refusals become ShareFailed unless `already_done` accepts them.
    An outage that outlasts the call's retries is raised as it is (OUTAGES)."""
    try:
        return await calls.call(owner_id, operation)
    except NotConnected as error:
        raise ShareFailed("dropbox_not_connected") from error
    except ApiError as error:
        if (accepted := already_done(error)) is not None:
            return accepted  # type: ignore[no-any-return]
        raise ShareFailed(f"dropbox_error:{error.error}") from error


async def _wait_for_job(calls: DropboxCalls, owner_id: str, check: Callable[[Any], Any]) -> Any:
    waited = 0.0
    while waited < JOB_TIMEOUT_S:
        status = await _dropbox(calls, owner_id, check)
        if status.is_failed():
            raise ShareFailed(f"dropbox_error:{status.get_failed()}")
        if not status.is_in_progress():
            return status
        await asyncio.sleep(JOB_POLL_S)
        waited += JOB_POLL_S
    raise ShareFailed("dropbox_job_timeout")


async def _reason_if_fails(call: Awaitable[Any]) -> str | None:
    try:
        await call
    except ShareFailed as failure:
        if failure.reason == "dropbox_not_connected":
            raise  # the whole request fails alike
        return failure.reason
    return None


def _record(outcome: Outcome, person: Collaborator, reason: str | None, given: Accesses) -> None:
    if reason is None:
        outcome.granted[person.collaborator_id] = given
    else:
        outcome.failed[person.collaborator_id] = reason


Operation = Callable[[Any], Any]


def _add_folder_member(folder_id: str, person: Collaborator, message: str | None) -> Operation:
    add = dbx.AddMember(dbx.MemberSelector.email(person.email), dbx.AccessLevel.viewer)
    quiet = person.user_id is not None  # Dropbox invites those without a dashboard account
    return lambda client: client.sharing_add_folder_member(
        folder_id, [add], quiet=quiet, custom_message=message
    )


def _add_file_members(
    path: str, people: list[Collaborator], message: str | None, quiet: bool
) -> Operation:
    members = [dbx.MemberSelector.email(person.email) for person in people]
    return lambda client: client.sharing_add_file_member(
        path, members, custom_message=message, quiet=quiet, access_level=dbx.AccessLevel.viewer
    )


def _remove_file_member(path: str, member: Any) -> Operation:
    return lambda client: client.sharing_remove_file_member_2(path, member)


def _already_shared(error: ApiError) -> Any:
    problem = error.error
    if problem.is_bad_path() and problem.get_bad_path().is_already_shared():
        return problem.get_bad_path().get_already_shared()
    return None


def _not_a_folder_member(error: ApiError) -> Any:
    problem = error.error
    if problem.is_member_error() and problem.get_member_error().is_not_a_member():
        return False  # nothing to remove; not None, so the caller takes it as done
    return None


def _not_a_file_member(error: ApiError) -> Any:
    problem = error.error
    if problem.is_member_error():
        return False  # the member has no access to that file any more
    return None
