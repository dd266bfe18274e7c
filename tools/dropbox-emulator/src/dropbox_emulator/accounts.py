"""RPC routes about the caller: users/get_current_account and auth/token/revoke."""

from __future__ import annotations

from typing import Any

from dropbox import auth, common, users, users_common

from . import tokens
from .api import Call, Endpoint
from .state import Account


def full_account(account: Account) -> Any:
    """The caller's FullAccount."""
    given, _, surname = account.display_name.partition(" ")
    initials = "".join(word[0] for word in account.display_name.split()).upper()
    return users.FullAccount(
        account_id=account.account_id,
        name=users.Name(
            given_name=given,
            surname=surname,
            familiar_name=given,
            display_name=account.display_name,
            abbreviated_name=initials,
        ),
        email=account.email,
        email_verified=True,
        disabled=False,
        locale="en",
        referral_link=f"https://db.tt/{account.uid}",
        is_paired=False,
        account_type=users_common.AccountType.basic,
        root_info=common.UserRootInfo(
            root_namespace_id=account.namespace_id, home_namespace_id=account.namespace_id
        ),
        country="US",
    )


def get_current_account(call: Call, _arg: None) -> Any:
    """users/get_current_account."""
    return full_account(call.account)


def token_revoke(call: Call, _arg: None) -> None:
    """auth/token/revoke: the token, its refresh token and its siblings stop working."""
    tokens.revoke(call.world, call.token)


ROUTES = {
    "users/get_current_account": Endpoint(users.get_current_account, get_current_account),
    "auth/token/revoke": Endpoint(auth.token_revoke, token_revoke),
}
