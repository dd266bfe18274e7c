"""DropboxCalls keeps one SDK client per owner, while its refresh token holds, and a bounded
number of them."""

from dropbox_service.clients import DropboxCalls
from dropbox_service.domain import Connection
from dropbox_service.settings import Settings


def _connection(refresh_token: str) -> Connection:
    return Connection(refresh_token, "dbid:1", "p@example.com", "P", "now")


async def _refused(owner_id: str, connection: Connection) -> None:
    raise AssertionError("no call is made here")


def test_a_client_is_kept_per_owner_until_its_refresh_token_changes_or_it_is_pushed_out():
    calls = DropboxCalls(Settings(dropbox_client_cache_size=2), None, _refused)  # type: ignore[arg-type]
    try:
        first = calls.client("u-1", _connection("rt-1"))
        assert calls.client("u-1", _connection("rt-1")) is first
        renewed = calls.client("u-1", _connection("rt-2"))
        assert renewed is not first
        calls.client("u-2", _connection("rt-1"))
        calls.client("u-3", _connection("rt-1"))  # a third owner pushes out u-1's
        assert calls.client("u-1", _connection("rt-2")) is not renewed
    finally:
        calls.close()
