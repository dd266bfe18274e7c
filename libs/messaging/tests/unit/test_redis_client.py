import fakeredis
import pytest
from messaging.redis_client import _with_address
from messaging.transactions import transaction

pytestmark = pytest.mark.unit


def test_a_primarys_client_keeps_the_urls_credentials_database_and_options():
    url = "rediss://svc:s3cret@redis.internal:7000/0?socket_timeout=3"
    assert (
        _with_address(url, "10.0.0.7:7002")
        == "rediss://svc:s3cret@10.0.0.7:7002/0?socket_timeout=3"
    )
    assert _with_address("redis://h:7000/0", "10.0.0.7:7002") == "redis://10.0.0.7:7002/0"


async def test_on_one_server_a_transaction_is_its_multi_exec():
    redis = fakeredis.FakeAsyncRedis(decode_responses=True)
    async with transaction(redis, "{a}:n") as pipe:
        pipe.incr("{a}:n")
        pipe.incr("{a}:m")
        assert await pipe.execute() == [1, 1]
    assert await redis.mget("{a}:n", "{a}:m") == ["1", "1"]
