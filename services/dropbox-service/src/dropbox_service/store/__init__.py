"""Redis state of the dropbox-service, one class per key family (the README's Keys).

An owner's connection and cached links carry the outbox tag of the owner, and a track's
grants the tag of the track, so each change and its event commit together
(docs/decisions/0001-outbox.md).
"""

from dataclasses import dataclass

from messaging.outbox import Outbox
from redis.asyncio import Redis

from dropbox_service.crypto import TokenCipher
from dropbox_service.store.account_owners import AccountOwnerStore
from dropbox_service.store.connections import ConnectionStore
from dropbox_service.store.grants import GrantStore
from dropbox_service.store.oauth_states import OAuthStateStore
from dropbox_service.store.temporary_links import TemporaryLinkStore


@dataclass(frozen=True)
class Stores:
    """Every key family of the service, on one Redis."""

    connections: ConnectionStore
    oauth_states: OAuthStateStore
    account_owners: AccountOwnerStore
    temporary_links: TemporaryLinkStore
    grants: GrantStore

    @classmethod
    def on(cls, redis: Redis, outbox: Outbox, cipher: TokenCipher, prefix: str) -> "Stores":
        """The service's stores on `redis` under `prefix`."""
        return cls(
            connections=ConnectionStore(redis, outbox, cipher, prefix),
            oauth_states=OAuthStateStore(redis, prefix),
            account_owners=AccountOwnerStore(redis, prefix),
            temporary_links=TemporaryLinkStore(redis, outbox, prefix),
            grants=GrantStore(redis, outbox, prefix),
        )
