"""One call per key at a time: callers that ask for a key already under way wait for that
call's answer (or its exception) instead of making their own."""

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Flights(Generic[K, V]):
    """The calls under way, by key."""

    def __init__(self) -> None:
        self._under_way: dict[K, asyncio.Future[V]] = {}

    async def join(self, key: K, call: Callable[[], Awaitable[V]]) -> V:
        """The answer of the call under way for `key`, else of `call()` started now."""
        flight = self._under_way.get(key)
        if flight is None:
            flight = asyncio.ensure_future(call())
            self._under_way[key] = flight
            flight.add_done_callback(lambda _: self._under_way.pop(key, None))
        # A caller that goes away (a closed connection) must not cancel the others' answer.
        return await asyncio.shield(flight)
