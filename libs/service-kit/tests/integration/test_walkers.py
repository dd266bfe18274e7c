"""The sorted-set walkers every list pages with, on a real Redis."""

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from service_kit.pagination import by_member, decode_cursor, first, newest_first

pytestmark = pytest.mark.integration


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url, decode_responses=True)
    yield client
    await client.aclose()


async def _pages(walk, key: str, limit: int) -> list[list[str]]:
    pages, after = [], None
    while True:
        positions, cursor = await first(walk(key, after), limit)
        pages.append([member for _, member in positions])
        if cursor is None:
            return pages
        after = decode_cursor(cursor)


async def test_newest_first_visits_every_member_once_even_past_a_batch_of_equal_scores(
    redis: Redis, unique_prefix: str
):
    key = unique_prefix + "index"
    # 250 entries at one instant (more than a walker's batch), then a few older ones.
    await redis.zadd(key, {f"a-{n:03d}": 5000 for n in range(250)})
    await redis.zadd(key, {"old-1": 10, "old-2": 20})

    pages = await _pages(lambda k, after: newest_first(redis, k, after), key, 40)

    seen = [member for page in pages for member in page]
    assert seen == [f"a-{n:03d}" for n in reversed(range(250))] + ["old-2", "old-1"]
    assert [len(page) for page in pages] == [40] * 6 + [12]


async def test_by_member_pages_a_name_index_in_order(redis: Redis, unique_prefix: str):
    key = unique_prefix + "titles"
    names = [f"Track {n:03d}\x00t-{n}" for n in range(230)]
    await redis.zadd(key, dict.fromkeys(names, 0))

    pages = await _pages(lambda k, after: by_member(redis, k, after), key, 100)

    assert [member for page in pages for member in page] == sorted(names)
    assert [len(page) for page in pages] == [100, 100, 30]


async def test_the_last_page_has_no_cursor(redis: Redis, unique_prefix: str):
    key = unique_prefix + "small"
    await redis.zadd(key, {"a": 1, "b": 2})
    assert await first(newest_first(redis, key), 2) == ([(2, "b"), (1, "a")], None)
    assert await first(newest_first(redis, key + ":none"), 5) == ([], None)
