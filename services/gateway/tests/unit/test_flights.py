import asyncio

import pytest
from gateway.flights import Flights


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
    await asyncio.sleep(0)
    waiting[0].cancel()  # one caller leaving does not cancel the others' answer
    release.set()
    assert [await w for w in waiting[1:]] == [1, 1]
    for failed in failing:
        with pytest.raises(LookupError):
            await failed
    assert sorted(calls) == ["a", "b", "bad"]
    assert await flights.join("a", lambda: fetch("a")) == 2, "a finished call is not reused"
