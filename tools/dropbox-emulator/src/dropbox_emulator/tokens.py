"""Access and refresh tokens: issuing, checking, refreshing and revoking them."""

from __future__ import annotations

from dataclasses import dataclass

from .state import AccessToken, Account, Grant, World, random_text

SCOPES = (
    "account_info.read files.metadata.read files.content.read files.content.write "
    "sharing.read sharing.write"
)


@dataclass(frozen=True)
class Issued:
    """A new access token, and the refresh token that goes with it on the first exchange."""

    access_token: str
    expires_in: int
    refresh_token: str | None = None


def issue(world: World, account: Account, ttl_s: int, refresh_token: str | None) -> Issued:
    """A new short-lived access token for `account`, tied to `refresh_token` if given."""
    token = "sl." + random_text(60)
    world.access_tokens[token] = AccessToken(
        account.account_id, world.clock() + ttl_s, refresh_token
    )
    return Issued(token, ttl_s, refresh_token)


def grant(world: World, account: Account, client_id: str, scope: str) -> str:
    """A new refresh token for `account` and app `client_id`."""
    refresh_token = random_text(64)
    world.refresh_tokens[refresh_token] = Grant(account.account_id, client_id, scope)
    return refresh_token


def owner_of(world: World, token: str) -> Account | None:
    """The account whose live access token this is; None when unknown or revoked."""
    found = world.access_tokens.get(token)
    return None if found is None else world.accounts.get(found.account_id)


def is_expired(world: World, token: str) -> bool:
    """Whether a known access token has outlived its TTL."""
    found = world.access_tokens.get(token)
    return found is not None and found.expires_at <= world.clock()


def refresh(world: World, refresh_token: str, client_id: str, ttl_s: int) -> Issued | None:
    """A new access token from a live refresh token of app `client_id`, else None."""
    found = world.refresh_tokens.get(refresh_token)
    account = None if found is None else world.accounts.get(found.account_id)
    if found is None or account is None or found.client_id != client_id:
        return None
    fresh = issue(world, account, ttl_s, refresh_token)
    return Issued(fresh.access_token, fresh.expires_in)


def revoke(world: World, token: str) -> None:
    """Forget an access token, its refresh token and every access token that came from it."""
    found = world.access_tokens.pop(token, None)
    if found is None or found.refresh_token is None:
        return
    world.refresh_tokens.pop(found.refresh_token, None)
    siblings = [t for t, a in world.access_tokens.items() if a.refresh_token == found.refresh_token]
    for sibling in siblings:
        del world.access_tokens[sibling]
