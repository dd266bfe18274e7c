"""Connecting and disconnecting a producer's Dropbox (DESIGN §7): the OAuth flow, the stored
connection, the temporary links cached through it and the event announcing the change,
committed together.

A disconnect happens once however many requests notice it at the same time: the stored
connection is read under WATCH and forgotten only if it is still the one they saw, so a
reconnect in between is never undone.
"""

import logging

from contracts.clock import Clock
from contracts.events import DropboxConnected, DropboxDisconnected
from dropbox.exceptions import ApiError
from messaging.outbox import Outbox
from messaging.transactions import Write, watched_transaction
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from dropbox_service import oauth
from dropbox_service.clients import DropboxCalls, DropboxUnavailable, NotConnected, RateLimited
from dropbox_service.domain import Connection, same_connection
from dropbox_service.settings import Settings
from dropbox_service.store import Stores

log = logging.getLogger(__name__)


class InvalidState(Exception):
    """The OAuth `state` is unknown, used, expired, or another owner started it."""


class CodeRefused(Exception):
    """Dropbox refused to exchange the authorization code."""


class Disconnections:
    """Forgets owners' connections (no Dropbox call: the SDK wrapper reports a refused token
    here, and the connections below use it after theirs)."""

    def __init__(self, redis: Redis, outbox: Outbox, stores: Stores) -> None:
        self.redis = redis
        self.outbox = outbox
        self.stores = stores

    def drop(self, pipe: Pipeline, owner_id: str, connection: Connection) -> None:
        """Queue forgetting the connection and every temporary link cached through it."""
        self.stores.connections.drop(pipe, owner_id)
        self.stores.temporary_links.drop_all(pipe, owner_id, connection.account_id)

    async def disconnect(self, owner_id: str, only: Connection | None = None) -> bool:
        """Forget the owner's connection and its cached links and publish
        dropbox.disconnected; with `only`, just when that connection is still the stored one.
        False when there was nothing (else) to forget."""

        dropped: list[Connection] = []

        async def plan(pipe: Pipeline) -> Write | None:
            stored = await self.stores.connections.watched(pipe, owner_id)
            if stored is None or (only is not None and not same_connection(stored, only)):
                return None
            dropped[:] = [stored]

            def write(pipe: Pipeline) -> None:
                self.drop(pipe, owner_id, stored)
                event = DropboxDisconnected(owner_id=owner_id, account_email=stored.email)
                self.outbox.stage(pipe, event)

            return write

        key = self.stores.connections.key(owner_id)
        forgotten = await watched_transaction(self.redis, [key], plan)
        if forgotten:
            await self.stores.account_owners.remove(dropped[0].account_id, owner_id)
        return forgotten

    async def refused(self, owner_id: str, connection: Connection) -> None:
        """Dropbox refused the connection's token (the producer removed the app, or the
        account is suspended): the owner is disconnected, once."""
        if await self.disconnect(owner_id, only=connection):
            log.warning(
                "Dropbox refused the owner's token: disconnected", extra={"owner_id": owner_id}
            )


class Connections:
    """The owners' Dropbox connections."""

    def __init__(
        self,
        settings: Settings,
        disconnections: Disconnections,
        calls: DropboxCalls,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.disconnections = disconnections
        self.redis = disconnections.redis
        self.outbox = disconnections.outbox
        self.stores = disconnections.stores
        self.calls = calls
        self.clock = clock

    async def start(self, owner_id: str) -> str:
        """Where to send the producer to authorize the app; the state is single-use and theirs."""
        authorization = oauth.start(self.settings, self.calls.session)
        await self.stores.oauth_states.remember(
            authorization.state, owner_id, authorization.code_verifier
        )
        return authorization.url

    async def finish(self, owner_id: str, state: str, code: str) -> Connection:
        """Exchange the code of the flow `owner_id` started with `state` and connect them.

        InvalidState when the state is not one of theirs: someone who sends a producer
        their own authorize URL cannot have the producer's Dropbox connected to them.
        CodeRefused when Dropbox refuses the code.
        """
        binding = await self.stores.oauth_states.take(state)
        if binding is None or binding["owner_id"] != owner_id:
            raise InvalidState(state)
        try:
            tokens = await self.calls.run(
                oauth.finish,
                self.settings,
                self.calls.session,
                state,
                binding["code_verifier"],
                code,
            )
            account = await self.calls.account_of(tokens)
        except Exception as failure:  # the SDK raises requests' and its own errors here
            log.warning(
                "Dropbox refused the authorization code",
                extra={"owner_id": owner_id, "error": repr(failure)},
            )
            raise CodeRefused(repr(failure)) from failure
        connection = Connection(
            refresh_token=tokens.refresh_token,
            account_id=account.account_id,
            email=account.email,
            name=account.name.display_name,
            connected_at=self.clock().isoformat(),
        )
        await self.connect(owner_id, connection)
        return connection

    async def connected_elsewhere(self, owner_id: str, connection: Connection) -> bool:
        """Whether another producer has the same Dropbox account connected."""
        return bool(await self.stores.account_owners.others(connection.account_id, owner_id))

    async def status(self, owner_id: str) -> Connection | None:
        """The owner's connection if Dropbox still accepts it (asked of Dropbox, so that an
        app removed on Dropbox's side shows as gone); the stored one while Dropbox cannot
        answer."""
        connection = await self.stores.connections.get(owner_id)
        if connection is None:
            return None
        try:
            await self.calls.call(
                owner_id,
                lambda client: client.users_get_current_account(),
                rate_limit_budget_s=self.settings.interactive_rate_limit_budget_s,
            )
        except NotConnected:
            return None
        except (DropboxUnavailable, RateLimited, ApiError) as failure:
            log.warning(
                "could not confirm the Dropbox connection",
                extra={"owner_id": owner_id, "error": repr(failure)},
            )
        return connection

    async def revoke(self, owner_id: str) -> None:
        """Revoke the owner's token at Dropbox (best effort) and forget the connection."""
        try:
            await self.calls.call(owner_id, lambda client: client.auth_token_revoke())
        except (NotConnected, DropboxUnavailable, RateLimited, ApiError) as failure:
            log.warning(
                "token revocation at Dropbox failed; forgetting it anyway",
                extra={"owner_id": owner_id, "error": repr(failure)},
            )
        await self.disconnections.disconnect(owner_id)
        self.calls.forget(owner_id)

    async def connect(self, owner_id: str, connection: Connection) -> None:
        """Store the owner's new connection and publish dropbox.connected; links cached
        through an earlier connection are dropped."""

        replaced: list[Connection] = []

        async def plan(pipe: Pipeline) -> Write:
            earlier = await self.stores.connections.watched(pipe, owner_id)
            replaced[:] = [earlier] if earlier else []

            def write(pipe: Pipeline) -> None:
                if earlier is not None:
                    self.disconnections.drop(pipe, owner_id, earlier)
                self.stores.connections.save(pipe, owner_id, connection)
                event = DropboxConnected(owner_id=owner_id, account_email=connection.email)
                self.outbox.stage(pipe, event)

            return write

        await watched_transaction(self.redis, [self.stores.connections.key(owner_id)], plan)
        owners = self.stores.account_owners
        for earlier in replaced:
            await owners.remove(earlier.account_id, owner_id)
        await owners.add(connection.account_id, owner_id)
        self.calls.forget(owner_id)
