"""DropboxCalls' retry rules, with SDK exceptions raised by a stand-in operation."""

import time

import fakeredis
import pytest
import requests  # noqa: TID251 - the SDK's transport raises its errors
from cryptography.fernet import Fernet
from dropbox.auth import AuthError as AuthErrorUnion
from dropbox.auth import TokenScopeError
from dropbox.exceptions import AuthError, InternalServerError, RateLimitError
from dropbox_service.clients import DropboxCalls, DropboxUnavailable, NotConnected, RateLimited
from dropbox_service.crypto import TokenCipher
from dropbox_service.domain import Connection
from dropbox_service.settings import Settings
from dropbox_service.store.connections import ConnectionStore
from messaging.outbox import Outbox


@pytest.fixture
async def calls():
    settings = Settings(dropbox_max_5xx_retries=2, dropbox_backoff_base_s=0.01)
    redis = fakeredis.FakeAsyncRedis(decode_responses=True)
    store = ConnectionStore(
        redis, Outbox(service="dropbox-service"), TokenCipher(Fernet.generate_key().decode()), ""
    )
    async with redis.pipeline(transaction=True) as pipe:
        store.save(pipe, "u-1", Connection("rt", "dbid:1", "p@example.com", "P", "now"))
        await pipe.execute()
    calls = DropboxCalls(settings, store, on_refused=Refusals())
    yield calls
    calls.close()


class Refusals:
    """Records the owners whose token Dropbox refused (the service disconnects them)."""

    def __init__(self) -> None:
        self.owners: list[str] = []

    async def __call__(self, owner_id: str, connection: Connection) -> None:
        self.owners.append(owner_id)


class Flaky:
    """Raises the given errors in turn, then answers "ok"."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self, client: object) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def _rate_limit(seconds: float) -> RateLimitError:
    return RateLimitError("req", error=None, backoff=seconds)


def _server_error() -> InternalServerError:
    return InternalServerError("req", 503, "unavailable")


async def test_rate_limit_waits_retry_after_then_succeeds(calls: DropboxCalls):
    operation = Flaky(_rate_limit(0.2), _rate_limit(0.2))
    started = time.monotonic()
    assert await calls.call("u-1", operation) == "ok"
    assert operation.calls == 3
    assert time.monotonic() - started >= 0.4


async def test_rate_limit_beyond_the_budget_is_reported_with_its_retry_after(calls: DropboxCalls):
    with pytest.raises(RateLimited) as raised:
        await calls.call("u-1", Flaky(_rate_limit(5)), rate_limit_budget_s=1)
    assert raised.value.retry_after == 5


async def test_server_errors_are_retried_with_backoff_then_give_up(calls: DropboxCalls):
    assert await calls.call("u-1", Flaky(_server_error(), _server_error())) == "ok"
    with pytest.raises(DropboxUnavailable):
        await calls.call("u-1", Flaky(*[_server_error() for _ in range(3)]))


async def test_refused_token_means_not_connected_and_reports_the_refusal(calls: DropboxCalls):
    refused = AuthError("req", AuthErrorUnion.invalid_access_token)
    with pytest.raises(NotConnected):
        await calls.call("u-1", Flaky(refused))
    assert calls.on_refused.owners == ["u-1"]


async def test_a_missing_scope_fails_the_call_but_keeps_the_connection(calls: DropboxCalls):
    with pytest.raises(NotConnected):
        scope = TokenScopeError(required_scope="sharing.write")
        await calls.call("u-1", Flaky(AuthError("req", AuthErrorUnion.missing_scope(scope))))
    assert calls.on_refused.owners == []


async def test_token_endpoint_5xx_during_a_refresh_is_retried(calls: DropboxCalls):
    refresh_failed = requests.HTTPError("503 Server Error: Service Unavailable")
    assert await calls.call("u-1", Flaky(refresh_failed)) == "ok"


async def test_unknown_owner_is_not_connected(calls: DropboxCalls):
    with pytest.raises(NotConnected):
        await calls.call("nobody", Flaky())
