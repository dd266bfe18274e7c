"""Opaque cursors of every list endpoint (`{"items": [...], "next_cursor": ...}`).

A cursor names the last position a page showed, as (epoch ms, id); the next page starts
after it. Ids break ties between equal times.
"""

import base64
import json

Position = tuple[int, str]


def encode_cursor(position: Position) -> str:
    """An opaque cursor for the position after which the next page starts."""
    return base64.urlsafe_b64encode(json.dumps(list(position)).encode()).decode()


def decode_cursor(cursor: str | None) -> Position | None:
    """The position a cursor names; ValueError when it is not one this API handed out."""
    if cursor is None:
        return None
    try:
        at_ms, item_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError) as error:
        raise ValueError("cursor is not one this API handed out") from error
    if not isinstance(at_ms, int) or not isinstance(item_id, str):
        raise ValueError("cursor is not one this API handed out")
    return at_ms, item_id
