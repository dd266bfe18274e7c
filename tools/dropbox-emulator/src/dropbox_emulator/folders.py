"""RPC routes on shared folders: share, add and remove members, list members, job status."""

from __future__ import annotations

from typing import Any

from dropbox import async_, sharing

from .api import ApiFailure, Call, Endpoint
from .members import level_of, member_listing, members_of, membership, selected_email
from .state import Account, Page, Removal, Share, World, random_text
from .tree import (
    TreeConflict,
    enclosing_share,
    ensure_folder,
    folder_share,
    lookup,
    node_by_id,
    shares_inside,
)

_SHARE_MANAGERS = {"owner", "editor"}


def folder_metadata(call: Call, share: Share) -> Any:
    """SharedFolderMetadata as the caller sees it."""
    owner = call.world.accounts[share.owner_id]
    node = node_by_id(owner, share.node_id)
    assert node is not None, "a shared folder's node outlives its share"
    is_owner = owner.account_id == call.account.account_id
    policy = sharing.FolderPolicy(
        acl_update_policy=sharing.AclUpdatePolicy(share.acl_update_policy),
        shared_link_policy=sharing.SharedLinkPolicy(share.shared_link_policy),
        member_policy=sharing.MemberPolicy.anyone,
        resolved_member_policy=sharing.MemberPolicy.anyone,
    )
    return sharing.SharedFolderMetadata(
        access_type=sharing.AccessLevel(level_of(share, owner, call.account) or "viewer"),
        is_inside_team_folder=False,
        is_team_folder=False,
        name=node.name,
        policy=policy,
        preview_url=f"{call.settings.base_url}/scl/fo/{share.shared_folder_id}",
        shared_folder_id=share.shared_folder_id,
        time_invited=share.created,
        path_lower=node.path_lower if is_owner else None,
        path_display=node.path_display if is_owner else None,
        access_inheritance=sharing.AccessInheritance.inherit,
        folder_id=node.id,
        owner_display_names=[owner.display_name],
    )


def share_folder(call: Call, arg: Any) -> Any:
    """sharing/share_folder; a missing folder is made. Re-sharing fails with already_shared."""
    node = lookup(call.account, arg.path)
    if node is None and not arg.path.startswith("id:"):
        try:
            node = ensure_folder(call.account, arg.path)
        except TreeConflict:
            node = None
    if node is None:
        raise bad_path(sharing.SharePathError.invalid_path)
    if not node.is_folder:
        raise bad_path(sharing.SharePathError.is_file)
    if (existing := folder_share(call.world, node)) is not None:
        raise bad_path(sharing.SharePathError.already_shared(folder_metadata(call, existing)))
    if enclosing_share(call.world, call.account, node.path_lower):
        raise bad_path(sharing.SharePathError.inside_shared_folder)
    if shares_inside(call.world, call.account, node.path_lower):
        raise bad_path(sharing.SharePathError.contains_shared_folder)
    share = Share(call.account.account_id, node.id, shared_folder_id=random_text(11, "0123456789"))
    if arg.acl_update_policy is not None:
        share.acl_update_policy = arg.acl_update_policy._tag
    if arg.shared_link_policy is not None:
        share.shared_link_policy = arg.shared_link_policy._tag
    call.world.folder_shares[str(share.shared_folder_id)] = share
    if arg.force_async:
        job_id = call.world.start_job("share", str(share.shared_folder_id))
        return sharing.ShareFolderLaunch.async_job_id(job_id)
    return sharing.ShareFolderLaunch.complete(folder_metadata(call, share))


def bad_path(problem: Any) -> ApiFailure:
    """A share_folder failure about its path."""
    return ApiFailure(sharing.ShareFolderError.bad_path(problem))


def check_share_job_status(call: Call, arg: Any) -> Any:
    """sharing/check_share_job_status: share jobs are complete by the first poll."""
    job = call.world.jobs.get(arg.async_job_id)
    share = call.world.folder_shares.get(job.key) if job and job.kind == "share" else None
    if share is None:
        raise ApiFailure(async_.PollError.invalid_async_job_id)
    return sharing.ShareFolderJobStatus.complete(folder_metadata(call, share))


def managed_share(call: Call, shared_folder_id: str, errors: Any) -> Share:
    """A share the caller may change membership of; `errors` is the route's error union."""
    share = call.world.folder_shares.get(shared_folder_id)
    if share is None:
        raise ApiFailure(errors.access_error(sharing.SharedFolderAccessError.invalid_id))
    level = level_of(share, call.world.accounts[share.owner_id], call.account)
    if level is None:
        raise ApiFailure(errors.access_error(sharing.SharedFolderAccessError.not_a_member))
    if level not in _SHARE_MANAGERS or (level == "editor" and share.acl_update_policy == "owner"):
        raise ApiFailure(errors.no_permission)
    return share


def add_folder_member(call: Call, arg: Any) -> None:
    """sharing/add_folder_member: members by email; adding a member again sets their level."""
    share = managed_share(call, arg.shared_folder_id, sharing.AddFolderMemberError)
    owner_email = call.world.accounts[share.owner_id].email.lower()
    chosen = []
    for added in arg.members:
        email = selected_email(call.world, added.member)
        if email is None:
            problem = sharing.AddMemberSelectorError.invalid_dropbox_id(
                added.member.get_dropbox_id()
            )
            raise ApiFailure(sharing.AddFolderMemberError.bad_member(problem))
        # The spec makes the level optional; Dropbox then grants viewer.
        level = added.access_level._tag if added.access_level is not None else "viewer"
        if level == "owner":
            raise ApiFailure(sharing.AddFolderMemberError.no_permission)
        chosen.append((email, level))
    folder = node_by_id(call.world.accounts[share.owner_id], share.node_id)
    for email, level in chosen:
        if email != owner_email:
            share.members[email] = level
            if not arg.quiet and folder is not None:
                url = f"{call.settings.base_url}/scl/fo/{share.shared_folder_id}"
                call.world.invite(email, "folder", folder.name, url, arg.custom_message)


def remove_folder_member(call: Call, arg: Any) -> Any:
    """sharing/remove_folder_member: records `leave_a_copy` and returns a finished job."""
    errors = sharing.RemoveFolderMemberError
    share = managed_share(call, arg.shared_folder_id, errors)
    email = selected_email(call.world, arg.member)
    if email == call.world.accounts[share.owner_id].email.lower():
        raise ApiFailure(errors.folder_owner)
    if email is None or email not in share.members:
        raise ApiFailure(errors.member_error(sharing.SharedFolderMemberError.not_a_member))
    del share.members[email]
    share.removed.append(Removal(email, arg.leave_a_copy))
    return async_.LaunchResultBase.async_job_id(call.world.start_job("remove_member", email))


def finished_removal(world: World, job_id: str) -> None:
    """Check that `job_id` is a member-removal job."""
    job = world.jobs.get(job_id)
    if job is None or job.kind != "remove_member":
        raise ApiFailure(async_.PollError.invalid_async_job_id)


def check_job_status(call: Call, arg: Any) -> Any:
    """sharing/check_job_status for a member removal."""
    finished_removal(call.world, arg.async_job_id)
    return sharing.JobStatus.complete


def check_remove_member_job_status(call: Call, arg: Any) -> Any:
    """sharing/check_remove_member_job_status."""
    finished_removal(call.world, arg.async_job_id)
    return sharing.RemoveMemberJobStatus.complete(sharing.MemberAccessLevelResult())


def list_folder_members(call: Call, arg: Any) -> Any:
    """sharing/list_folder_members for any member of the folder."""
    share = call.world.folder_shares.get(arg.shared_folder_id)
    if share is None:
        raise ApiFailure(sharing.SharedFolderAccessError.invalid_id)
    owner: Account = call.world.accounts[share.owner_id]
    if level_of(share, owner, call.account) is None:
        raise ApiFailure(sharing.SharedFolderAccessError.not_a_member)
    items = [membership(call.world, m, False) for m in members_of(call.world, share)]
    page = Page("folder_members", call.account.account_id, items, arg.limit)
    return member_listing(call.world, page, False)


def list_folder_members_continue(call: Call, arg: Any) -> Any:
    """sharing/list_folder_members/continue."""
    page = call.world.resume(arg.cursor, "folder_members", call.account.account_id)
    if page is None:
        raise ApiFailure(sharing.ListFolderMembersContinueError.invalid_cursor)
    return member_listing(call.world, page, False)


ROUTES = {
    "sharing/share_folder": Endpoint(sharing.share_folder, share_folder),
    "sharing/check_share_job_status": Endpoint(
        sharing.check_share_job_status, check_share_job_status
    ),
    "sharing/add_folder_member": Endpoint(sharing.add_folder_member, add_folder_member),
    "sharing/remove_folder_member": Endpoint(sharing.remove_folder_member, remove_folder_member),
    "sharing/check_job_status": Endpoint(sharing.check_job_status, check_job_status),
    "sharing/check_remove_member_job_status": Endpoint(
        sharing.check_remove_member_job_status, check_remove_member_job_status
    ),
    "sharing/list_folder_members": Endpoint(sharing.list_folder_members, list_folder_members),
    "sharing/list_folder_members/continue": Endpoint(
        sharing.list_folder_members_continue, list_folder_members_continue
    ),
}
