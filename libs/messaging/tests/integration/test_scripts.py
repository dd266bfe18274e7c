import pytest
from messaging.scripts import LuaScript
from redis.asyncio import Redis

pytestmark = pytest.mark.integration

INCR_BY = LuaScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")


async def test_a_script_runs_by_sha_after_the_node_forgot_it(redis: Redis, unique_prefix: str):
    key = f"{unique_prefix}script"
    assert await INCR_BY.run(redis, [key], [2]) == 2
    await redis.script_flush()  # a restarted node, or a promoted replica, never saw it
    assert await INCR_BY.run(redis, [key], [3]) == 5, "NOSCRIPT falls back to the text"
    assert await INCR_BY.run(redis, [key], [1]) == 6


async def test_a_script_queued_on_a_pipeline_answers_with_the_pipeline(
    redis: Redis, unique_prefix: str
):
    key = f"{unique_prefix}script-pipe"
    await redis.script_flush()
    async with redis.pipeline(transaction=False) as pipe:
        INCR_BY.queue(pipe, [key], [4])
        pipe.get(key)
        assert await pipe.execute() == [4, "4"]
