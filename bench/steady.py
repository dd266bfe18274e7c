"""A steady load, a process of its own: `count` GETs of `url` at `rate` a second, each sent
on schedule whether or not the ones before were answered (so a slow answer cannot slow
the load down and hide its own delay).

usage: python bench/steady.py <url> <rate> <count>
prints {"scheduled": [...], "answered": [...], "statuses": [...]} (time.monotonic(),
the same clock in every process of the machine) as JSON
"""

import asyncio
import json
import sys
import time

import httpx
from harness import BROWSER


async def main(url: str, rate: float, count: int) -> None:
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(headers=BROWSER, limits=limits, timeout=30) as client:
        start = time.monotonic() + 0.5
        scheduled = [start + i / rate for i in range(count)]

        async def one(at: float) -> tuple[float, int]:
            await asyncio.sleep(at - time.monotonic())
            answer = await client.get(url)
            return time.monotonic(), answer.status_code

        done = await asyncio.gather(*(one(at) for at in scheduled))
    answered = [at for at, _ in done]
    print(
        json.dumps({"scheduled": scheduled, "answered": answered, "statuses": [s for _, s in done]})
    )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2]), int(sys.argv[3])))
