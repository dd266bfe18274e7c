"""The outside API: the Dropbox SDK, run off the event loop in a bounded pool, with
Dropbox's retry rules.

The SDK is synchronous. Its own retry loops are switched off (they would sleep in a
worker thread, and retry 429s forever); here a 429 waits out `Retry-After` and a 5xx
or network error backs off with jitter, asynchronously.
"""

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import dropbox
import requests  # noqa: TID251 - the SDK's transport; its errors are caught here
from dropbox.exceptions import AuthError, InternalServerError, RateLimitError
from dropbox.oauth import OAuth2FlowResult
from prometheus_client import Counter
from service_kit.caching import Recent

from dropbox_service.domain import Connection
from dropbox_service.settings import Settings
from dropbox_service.store.connections import ConnectionStore

log = logging.getLogger(__name__)

DROPBOX_CALLS = Counter("dropbox_api_calls_total", "Dropbox API calls by outcome", ["outcome"])

T = TypeVar("T")
DEFAULT_RATE_LIMIT_WAIT_S = 5.0  # what the SDK assumes when Dropbox names no Retry-After
# Transient trouble: 5xx from the API, or from the token endpoint during a refresh (the SDK
# raises requests' HTTPError there), and the network.
TRANSIENT = (InternalServerError, requests.HTTPError, requests.ConnectionError, requests.Timeout)
OnRefused = Callable[[str, Connection], Awaitable[None]]


class NotConnected(Exception):
    """The owner has no Dropbox connection, or Dropbox no longer accepts its token."""


class DropboxUnavailable(Exception):
    """Dropbox kept answering 5xx (or could not be reached) through every retry."""


class RateLimited(Exception):
    """Dropbox's rate limit outlasted the wait budget; try again after `retry_after` s."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited by Dropbox; retry after {retry_after:.0f}s")
        self.retry_after = retry_after


def make_session(ca_file: Path | None) -> requests.Session:
    """An HTTP session for the SDK; with a custom CA it ignores the environment's CA bundle."""
    session: requests.Session = dropbox.create_session(ca_certs=str(ca_file) if ca_file else None)
    if ca_file:
        # REQUESTS_CA_BUNDLE would otherwise replace ca_certs (docs/decisions/0004).
        session.trust_env = False
    return session


def token_refused(error: AuthError) -> bool:
    """Whether Dropbox refuses the connection itself (app removed, token revoked, account
    suspended), rather than one call (a missing scope, say)."""
    problem = error.error
    return bool(problem.is_invalid_access_token() or problem.is_user_suspended())


class DropboxCalls:
    """Runs SDK operations for owners in a bounded thread pool."""

    def __init__(
        self, settings: Settings, connections: ConnectionStore, on_refused: OnRefused
    ) -> None:
        self.settings = settings
        self.connections = connections
        self.on_refused = on_refused
        self.session = make_session(settings.dropbox_ca_file)
        self.pool = ThreadPoolExecutor(settings.dropbox_workers, thread_name_prefix="dropbox")
        # By owner: the refresh token a client was made with, and the client.
        self._clients: Recent[str, tuple[str, dropbox.Dropbox]] = Recent(
            settings.dropbox_client_cache_size
        )

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Run a blocking function in the pool."""
        return await asyncio.get_running_loop().run_in_executor(self.pool, partial(function, *args))

    async def call(
        self,
        owner_id: str,
        operation: Callable[[dropbox.Dropbox], T],
        *,
        rate_limit_budget_s: float | None = None,
    ) -> T:
        """Run `operation` with the owner's client, retrying 429s and 5xx as Dropbox asks. A
        token Dropbox refuses disconnects the owner (`on_refused`: later calls fail at once);
        one that expired on its way (a slow Dropbox) is refreshed and retried, as a 5xx."""
        connection = await self.connections.get(owner_id)
        if connection is None:
            raise NotConnected(owner_id)
        budget = rate_limit_budget_s or self.settings.dropbox_rate_limit_budget_s
        waited, failures = 0.0, 0
        while True:
            try:
                return await self._counted(operation, self.client(owner_id, connection))
            except AuthError as error:
                self.forget(owner_id)
                if not error.error.is_expired_access_token():
                    if token_refused(error):
                        await self.on_refused(owner_id, connection)
                    raise NotConnected(owner_id) from error
                problem: Exception = error
            except RateLimitError as error:
                wait = float(error.backoff or DEFAULT_RATE_LIMIT_WAIT_S)
                if waited + wait > budget:
                    raise RateLimited(wait) from error
                waiting = {"owner_id": owner_id, "wait_s": wait}
                log.info("Dropbox rate limit: waiting", extra=waiting)
                waited += wait
                await asyncio.sleep(wait)
                continue
            except TRANSIENT as error:
                problem = error
            failures += 1
            if failures > self.settings.dropbox_max_5xx_retries:
                raise DropboxUnavailable(str(problem)) from problem
            await asyncio.sleep(self._backoff(failures))

    async def _counted(
        self, operation: Callable[[dropbox.Dropbox], T], client: dropbox.Dropbox
    ) -> T:
        """One call, counted by outcome for /metrics."""
        try:
            answer = await self.run(operation, client)
        except Exception as error:
            DROPBOX_CALLS.labels(_outcome(error)).inc()
            raise
        DROPBOX_CALLS.labels("ok").inc()
        return answer

    def client(self, owner_id: str, connection: Connection) -> dropbox.Dropbox:
        """The owner's SDK client, kept while its refresh token is the same."""
        cached = self._clients.entry(owner_id)
        if cached and cached.value[0] == connection.refresh_token:
            return cached.value[1]
        secret = self.settings.dropbox_app_secret
        client = dropbox.Dropbox(
            oauth2_refresh_token=connection.refresh_token,
            app_key=self.settings.dropbox_app_key,
            app_secret=secret.get_secret_value() if secret else None,
            session=self.session,
            max_retries_on_error=0,
            max_retries_on_rate_limit=0,
            timeout=60,
        )
        self._clients.put(owner_id, (connection.refresh_token, client))
        return client

    async def account_of(self, tokens: OAuth2FlowResult) -> Any:
        """The account new tokens belong to (`users/get_current_account`)."""
        client = dropbox.Dropbox(
            oauth2_access_token=tokens.access_token,
            oauth2_refresh_token=tokens.refresh_token,
            oauth2_access_token_expiration=tokens.expires_at,
            app_key=self.settings.dropbox_app_key,
            session=self.session,
            max_retries_on_error=0,
            max_retries_on_rate_limit=0,
        )
        return await self.run(client.users_get_current_account)

    def forget(self, owner_id: str) -> None:
        """Drop the owner's cached client (after a disconnect or a refused token)."""
        self._clients.pop(owner_id)

    def close(self) -> None:
        """Stop the pool; calls in flight are abandoned with the process."""
        self.pool.shutdown(wait=False, cancel_futures=True)

    def _backoff(self, failures: int) -> float:
        ceiling = self.settings.dropbox_backoff_base_s * 2 ** (failures - 1)
        return random.uniform(ceiling / 2, ceiling)  # jitter spreads retries of many workers


def _outcome(error: Exception) -> str:
    if isinstance(error, AuthError):
        return "refused"
    if isinstance(error, RateLimitError):
        return "rate_limited"
    return "unavailable" if isinstance(error, TRANSIENT) else "error"
