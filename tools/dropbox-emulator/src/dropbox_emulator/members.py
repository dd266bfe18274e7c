"""Who may use a shared folder or file, and the membership lists Dropbox returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dropbox import sharing

from .state import Account, Node, Page, Share, World
from .tree import enclosing_share, folder_share


@dataclass(frozen=True)
class Member:
    """One person's access to a folder or file, by email."""

    email: str
    access_level: str
    inherited: bool = False


def members_of(world: World, share: Share, inherited: bool = False) -> list[Member]:
    """The owner first, then the members in the order they were added."""
    owner = world.accounts[share.owner_id]
    people = [Member(owner.email.lower(), "owner", inherited)]
    return people + [Member(e, level, inherited) for e, level in share.members.items()]


def effective_members(
    world: World, account: Account, node: Node, include_inherited: bool = True
) -> tuple[str | None, list[Member]]:
    """The shared folder that governs `node` (if any) and everyone with access to it."""
    parent = enclosing_share(world, account, node.path_lower)
    own = folder_share(world, node) if node.is_folder else world.file_shares.get(node.id)
    people = members_of(world, own) if own else [Member(account.email.lower(), "owner")]
    if parent is not None and include_inherited:
        seen = {m.email for m in people}
        people += [m for m in members_of(world, parent, True) if m.email not in seen]
    governing = own if own is not None and own.shared_folder_id else parent
    return (governing.shared_folder_id if governing else None), people


def level_of(share: Share, owner: Account, account: Account) -> str | None:
    """The access level `account` has on a share, or None for a stranger."""
    if account.account_id == owner.account_id:
        return "owner"
    return share.members.get(account.email.lower())


def selected_email(world: World, selector: Any) -> str | None:
    """The lower-case email a MemberSelector names; None for an unknown Dropbox id."""
    if selector.is_email():
        return str(selector.get_email()).lower()
    if selector.is_dropbox_id():
        account = world.accounts.get(selector.get_dropbox_id())
        return account.email.lower() if account else None
    return None


def user_info(account: Account) -> Any:
    """A UserInfo for an account."""
    return sharing.UserInfo(
        account_id=account.account_id,
        email=account.email,
        display_name=account.display_name,
        same_team=False,
    )


def membership(world: World, member: Member, for_file: bool) -> Any:
    """A user membership for a known account, else an invitee by email."""
    account = world.account_by_email(member.email)
    level = sharing.AccessLevel(member.access_level)
    if account is None:
        invitee = sharing.InviteeInfo.email(member.email)
        return sharing.InviteeMembershipInfo(
            access_type=level, invitee=invitee, permissions=[], is_inherited=member.inherited
        )
    kind = sharing.UserFileMembershipInfo if for_file else sharing.UserMembershipInfo
    return kind(
        access_type=level, user=user_info(account), permissions=[], is_inherited=member.inherited
    )


def member_listing(world: World, page: Page, for_file: bool) -> Any:
    """One page of SharedFolderMembers or SharedFileMembers, with a cursor when more remain."""
    items, cursor = world.paginate(page)
    invitees = [i for i in items if isinstance(i, sharing.InviteeMembershipInfo)]
    users = [i for i in items if not isinstance(i, sharing.InviteeMembershipInfo)]
    kind = sharing.SharedFileMembers if for_file else sharing.SharedFolderMembers
    return kind(users=users, groups=[], invitees=invitees, cursor=cursor)
