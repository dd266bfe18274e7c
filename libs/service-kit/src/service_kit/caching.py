"""Caches in a process, one way: a bounded map that remembers when each entry was put
(`Recent`), and one call per key at a time (`Flights`), together in `Cached`.

Past its size a `Recent` drops the entries put longest ago first, so no cache keyed by
visitors' input grows without bound.
"""

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, NamedTuple, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Entry(NamedTuple, Generic[V]):
    """A value and when it was put (time.monotonic)."""

    put_at: float
    value: V

    @property
    def age_s(self) -> float:
        return time.monotonic() - self.put_at


class Recent(Generic[K, V]):
    """Entries by key, at most `size`; `on_evict` hears of each value pushed out."""

    def __init__(self, size: int, on_evict: Callable[[V], None] = lambda value: None) -> None:
        self.size = size
        self.on_evict = on_evict
        self._entries: OrderedDict[K, Entry[V]] = OrderedDict()

    def entry(self, key: K) -> Entry[V] | None:
        """The entry of `key`, however old, or None."""
        return self._entries.get(key)

    def fresh(self, key: K, max_age_s: float) -> Entry[V] | None:
        """The entry of `key` if it was put less than `max_age_s` ago, else None."""
        entry = self._entries.get(key)
        return entry if entry is not None and entry.age_s < max_age_s else None

    def put(self, key: K, value: V) -> None:
        self._entries[key] = Entry(time.monotonic(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            _, evicted = self._entries.popitem(last=False)
            self.on_evict(evicted.value)

    def pop(self, key: K) -> None:
        self._entries.pop(key, None)


class Flights(Generic[K, V]):
    """The calls under way, by key: callers that ask for a key already under way wait for
    that call's answer (or its exception) instead of making their own."""

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


class Cached(Generic[K, V]):
    """Values loaded at most once per key per `max_age_s`, at most `size` of them: a
    stale or missing key is loaded by one call, which every caller meanwhile waits for."""

    def __init__(
        self, size: int, max_age_s: float, on_evict: Callable[[V], None] = lambda value: None
    ) -> None:
        self.max_age_s = max_age_s
        self.recent: Recent[K, V] = Recent(size, on_evict)
        self._loads: Flights[K, V] = Flights()

    async def get(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        """The value of `key`: cached if fresh, else `load()`ed (once for all callers)."""
        if entry := self.recent.fresh(key, self.max_age_s):
            return entry.value
        return await self._loads.join(key, lambda: self._load(key, load))

    async def _load(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        value = await load()
        self.recent.put(key, value)
        return value

    def pop(self, key: K) -> None:
        """Forget `key` (a load under way still stores what it finds)."""
        self.recent.pop(key)
