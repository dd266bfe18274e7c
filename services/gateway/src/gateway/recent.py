"""A bounded map that remembers when each entry was put: the gateway's caches of links and
of temporary links. Past its size, the entries put longest ago go first."""

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, NamedTuple, TypeVar

K = TypeVar("K")
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

    def put(self, key: K, value: V) -> None:
        self._entries[key] = Entry(time.monotonic(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            _, evicted = self._entries.popitem(last=False)
            self.on_evict(evicted.value)

    def pop(self, key: K) -> None:
        self._entries.pop(key, None)
