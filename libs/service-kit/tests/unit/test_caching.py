import asyncio

import pytest
from messaging.testing import wait_until
from service_kit.caching import Cached, Flights, Recent


def test_entries_past_the_size_go_oldest_first_and_are_reported():
    evicted: list[str] = []
    recent: Recent[str, str] = Recent(2, on_evict=evicted.append)
    recent.put("a", "A")
    recent.put("b", "B")
    recent.put("a", "A2")  # put again: now the newest
    recent.put("c", "C")
    assert evicted == ["B"]
    assert recent.entry("b") is None
    a = recent.entry("a")
    assert a is not None and a.value == "A2" and 0 <= a.age_s < 1
    recent.pop("a")
    assert recent.entry("a") is None


async def test_callers_of_a_key_under_way_share_its_one_call_and_its_exception():
    flights: Flights[str, int] = Flights()
    calls: list[str] = []
    release = asyncio.Event()

    async def fetch(key: str) -> int:
        calls.append(key)
        await release.wait()
        if key == "bad":
            raise LookupError(key)
        return calls.count(key)

    waiting = [asyncio.ensure_future(flights.join(k, lambda k=k: fetch(k))) for k in "aab"]
    failing = [asyncio.ensure_future(flights.join("bad", lambda: fetch("bad"))) for _ in "xy"]
    # Every key's one call under way (the tasks run at the loop's next turn).
    await wait_until(lambda: sorted(calls) == ["a", "b", "bad"], timeout_s=1, interval_s=0)
    waiting[0].cancel()  # one caller leaving does not cancel the others' answer
    release.set()
    assert [await w for w in waiting[1:]] == [1, 1]
    for failed in failing:
        with pytest.raises(LookupError):
            await failed
    assert sorted(calls) == ["a", "b", "bad"]
    assert await flights.join("a", lambda: fetch("a")) == 2, "a finished call is not reused"


async def test_cached_loads_a_key_once_while_fresh_and_again_once_stale():
    loads: list[str] = []
    release = asyncio.Event()

    async def load() -> int:
        loads.append("k")
        await release.wait()
        return len(loads)

    cached: Cached[str, int] = Cached(size=8, max_age_s=60)
    together = [asyncio.ensure_future(cached.get("k", load)) for _ in range(3)]
    await wait_until(lambda: loads == ["k"], timeout_s=1, interval_s=0)  # the one load under way
    release.set()
    assert [await t for t in together] == [1, 1, 1], "callers at once share one load"
    assert await cached.get("k", load) == 1, "a fresh value is not loaded again"
    stale: Cached[str, int] = Cached(size=8, max_age_s=0)
    assert [await stale.get("k", load), await stale.get("k", load)] == [2, 3]
    cached.pop("k")
    assert await cached.get("k", load) == 4, "a popped key is loaded again"


def test_fresh_answers_only_entries_younger_than_the_age_asked():
    recent: Recent[str, str] = Recent(4)
    recent.put("a", "A")
    assert recent.fresh("a", 60) is not None
    assert recent.fresh("a", 0) is None
    assert recent.fresh("missing", 60) is None
