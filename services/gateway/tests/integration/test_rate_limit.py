"""The guessing budget on real Redis: parallel guesses cannot outrun it."""

import asyncio

import pytest
from gateway.store import UnknownTokenLimit
from redis.asyncio import Redis

pytestmark = pytest.mark.integration


async def test_parallel_guesses_get_exactly_the_burst_of_lookups(
    redis_url: str, unique_prefix: str
):
    redis = Redis.from_url(redis_url)
    limit = UnknownTokenLimit(redis, unique_prefix, burst=5, window_s=60)
    try:
        # Fifty requests of one client at once: each is counted before its lookup, so
        # however they interleave only five are let through to look a token up.
        answers = await asyncio.gather(*(limit.take("203.0.113.9") for _ in range(50)))
        assert sum(wait is None for wait in answers) == 5
        assert all(0 < wait <= 60 for wait in answers if wait is not None)
        # Another /64 of IPv6 has its own budget; the same /64 shares one.
        assert await limit.take("2001:db8:0:1::1") is None
        for _ in range(4):
            await limit.take("2001:db8:0:1::ffff")
        assert await limit.take("2001:db8:0:1:abcd::2") is not None
    finally:
        await redis.aclose()


async def test_a_lookup_that_found_a_link_gives_its_attempt_back(
    redis_url: str, unique_prefix: str
):
    redis = Redis.from_url(redis_url)
    limit = UnknownTokenLimit(redis, unique_prefix, burst=2, window_s=60)
    try:
        for _ in range(10):  # a listener opening a real link again and again
            assert await limit.take("198.51.100.1") is None
            await limit.give_back("198.51.100.1")
        assert [await limit.take("198.51.100.1") for _ in range(3)][-1] is not None
    finally:
        await redis.aclose()
