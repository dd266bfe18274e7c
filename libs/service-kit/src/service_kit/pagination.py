"""Opaque cursors of every list endpoint (`{"items": [...], "next_cursor": ...}`).

A cursor names the last position a page showed in a sorted set, as (score, member); the
next page starts after it. Members break ties between equal scores. Lists ordered by
name keep every score at 0 and order by member.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Query, status

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


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> PageParams:
    """`?limit=&cursor=` of a list endpoint; a cursor it did not hand out is 422."""
    try:
        return PageParams(limit, decode_cursor(cursor))
    except ValueError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(error)) from error


PageDep = Annotated[PageParams, Depends(page_params)]
