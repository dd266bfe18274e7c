"""Every list endpoint's paging (`{"items": [...], "next_cursor": ...}`): `PageDep` reads
`?limit=&cursor=`, `newest_first` (or `by_member`, for name indexes) walks a sorted set,
`first` cuts a page and its cursor.

A cursor names the last position a page showed in a sorted set, as (score, member); the
next page starts after it. Members break ties between equal scores. Lists ordered by
name keep every score at 0 and order by member.
"""

import base64
import binascii
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query
from fastapi.exceptions import RequestValidationError
from redis.asyncio import Redis

Position = tuple[int, str]
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode_cursor(position: Position) -> str:
    """An opaque cursor for the position after which the next page starts."""
    return base64.urlsafe_b64encode(json.dumps(list(position)).encode()).decode()


def decode_cursor(cursor: str | None) -> Position | None:
    """The position a cursor names; ValueError when it is not one this API handed out."""
    if cursor is None:
        return None
    try:
        score, member = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError, binascii.Error) as error:
        raise ValueError("cursor is not one this API handed out") from error
    # bool is an int subclass: `[true, "x"]` must not pass for a position.
    if type(score) is not int or not isinstance(member, str):
        raise ValueError("cursor is not one this API handed out")
    return score, member


@dataclass(frozen=True)
class PageParams:
    """Which page a list request asks for: at most `limit` items after `after`."""

    limit: int
    after: Position | None


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> PageParams:
    """`?limit=&cursor=` of a list endpoint; a cursor it did not hand out is 422, in the
    shape of every other validation error (the one the OpenAPI document promises)."""
    try:
        return PageParams(limit, decode_cursor(cursor))
    except ValueError as error:
        problem = {"type": "value_error", "loc": ("query", "cursor"), "msg": str(error)}
        raise RequestValidationError([problem | {"input": cursor}]) from error


PageDep = Annotated[PageParams, Depends(page_params)]


async def newest_first(
    redis: Redis, key: str, after: Position | None = None, batch: int = 100
) -> AsyncIterator[Position]:
    """The (score, member) positions of sorted set `key` strictly after `after`, highest
    score first; Redis orders equal scores by member, descending, as tuples compare."""
    high: float | str = after[0] if after else "+inf"
    offset = 0
    while True:
        rows: list[tuple[str, float]] = await redis.zrevrangebyscore(  # type: ignore[assignment]
            key, high, "-inf", start=offset, num=batch, withscores=True
        )
        for member, score in rows:
            position = (int(score), str(member))
            if after is None or position < after:
                yield position
        if len(rows) < batch:
            return
        offset += batch  # not past the last position: many may share one score


async def by_member(
    redis: Redis, key: str, after: Position | None = None, batch: int = 100
) -> AsyncIterator[Position]:
    """The positions of sorted set `key` whose scores are all 0 (a name index), in member
    order, strictly after `after`."""
    start = "(" + after[1] if after else "-"
    while True:
        members = await redis.zrangebylex(key, start, "+", start=0, num=batch)
        for member in members:
            yield 0, str(member)
        if len(members) < batch:
            return
        start = "(" + str(members[-1])


async def first(
    positions: AsyncIterator[Position], limit: int
) -> tuple[list[Position], str | None]:
    """Up to `limit` positions, and the cursor of the page after them (None on the last)."""
    taken: list[Position] = []
    async for position in positions:
        if len(taken) == limit:
            return taken, encode_cursor(taken[-1])
        taken.append(position)
    return taken, None
