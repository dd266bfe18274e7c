"""RPC routes on the members of single files: add, remove and list."""

from __future__ import annotations

from typing import Any

from dropbox import sharing

from .api import ApiFailure, Call, Endpoint
from .members import effective_members, member_listing, membership, selected_email
from .state import Node, Page, Removal, Share
from .tree import enclosing_share, lookup


def shared_file(call: Call, path_or_id: str, errors: Any) -> Node:
    """The caller's file at a path or id; `errors` is the route's error union."""
    node = lookup(call.account, path_or_id)
    if node is None or node.is_folder:
        problem = sharing.SharingFileAccessError.invalid_file
        if node is not None:
            problem = sharing.SharingFileAccessError.is_folder
        raise ApiFailure(errors.access_error(problem))
    return node


def add_file_member(call: Call, arg: Any) -> list[Any]:
    """sharing/add_file_member: one result per member; a member already there is success."""
    node = shared_file(call, arg.file, sharing.AddFileMemberError)
    share = call.world.file_shares.setdefault(node.id, Share(call.account.account_id, node.id))
    level = arg.access_level._tag if arg.access_level is not None else "viewer"
    owner_email = call.account.email.lower()
    results = []
    for selector in arg.members:
        email = selected_email(call.world, selector)
        if email is None:
            error = sharing.FileMemberActionError.invalid_member
            outcome = sharing.FileMemberActionIndividualResult.member_error(error)
        else:
            granted = "owner" if email == owner_email else level
            if granted != "owner":
                share.members[email] = granted
                if not arg.quiet:
                    url = f"{call.settings.base_url}/scl/fi/{file_key(node)}"
                    call.world.invite(email, "file", node.name, url, arg.custom_message)
            outcome = sharing.FileMemberActionIndividualResult.success(sharing.AccessLevel(granted))
        results.append(sharing.FileMemberActionResult(member=selector, result=outcome))
    return results


def file_key(node: Node) -> str:
    """The part of a shared file's web address that names it (its id without `id:`)."""
    return node.id.removeprefix("id:")


def remove_file_member_2(call: Call, arg: Any) -> Any:
    """sharing/remove_file_member_2: only explicit members can be removed."""
    node = shared_file(call, arg.file, sharing.RemoveFileMemberError)
    share = call.world.file_shares.get(node.id)
    email = selected_email(call.world, arg.member)
    result = sharing.FileMemberRemoveActionResult
    if email == call.account.email.lower():
        return result.member_error(sharing.FileMemberActionError.no_permission)
    if share is None or email is None or email not in share.members:
        folder = enclosing_share(call.world, call.account, node.path_lower)
        if folder is not None and email in folder.members:
            level = sharing.AccessLevel(folder.members[email])
            inherited = sharing.MemberAccessLevelResult(access_level=level)
            return result.member_error(sharing.FileMemberActionError.no_explicit_access(inherited))
        return result.member_error(sharing.FileMemberActionError.invalid_member)
    del share.members[email]
    share.removed.append(Removal(email, None))
    return result.success(sharing.MemberAccessLevelResult())


def list_file_members(call: Call, arg: Any) -> Any:
    """sharing/list_file_members: the owner, explicit members and (optionally) inherited ones."""
    node = shared_file(call, arg.file, sharing.ListFileMembersError)
    _, people = effective_members(call.world, call.account, node, arg.include_inherited)
    items = [membership(call.world, m, True) for m in people]
    page = Page("file_members", call.account.account_id, items, arg.limit)
    return member_listing(call.world, page, True)


def list_file_members_continue(call: Call, arg: Any) -> Any:
    """sharing/list_file_members/continue."""
    page = call.world.resume(arg.cursor, "file_members", call.account.account_id)
    if page is None:
        raise ApiFailure(sharing.ListFileMembersContinueError.invalid_cursor)
    return member_listing(call.world, page, True)


ROUTES = {
    "sharing/add_file_member": Endpoint(sharing.add_file_member, add_file_member),
    "sharing/remove_file_member_2": Endpoint(sharing.remove_file_member_2, remove_file_member_2),
    "sharing/list_file_members": Endpoint(sharing.list_file_members, list_file_members),
    "sharing/list_file_members/continue": Endpoint(
        sharing.list_file_members_continue, list_file_members_continue
    ),
}
