"""A steady load, a process of its own: `count` GETs of `url` (http) at `rate` a second, each
put on the line at its time whether or not the ones before were answered (so a slow answer
cannot slow the load down and hide its own delay), sent over CONNECTIONS kept-alive
connections.

Plain asyncio streams rather than httpx: httpx's pool checks every connection it holds on
each request, and at 200 requests a second that took most of a core and made the client,
not the server, the slow side (bench/README.md, benchmark 5).

usage: python bench/steady.py <url> <rate> <count>
prints {"scheduled": [...], "answered": [...], "statuses": [...]} (time.monotonic(),
the same clock in every process of the machine) as JSON
"""

import asyncio
import json
import sys
import time
from urllib.parse import urlsplit

from harness import BROWSER

CONNECTIONS = 32


async def main(url: str, rate: float, count: int) -> None:
    parts = urlsplit(url)
    request = (
        f"GET {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"User-Agent: {BROWSER['User-Agent']}\r\n\r\n"
    ).encode()
    start = time.monotonic() + 0.5
    scheduled = [start + i / rate for i in range(count)]
    answered, statuses = [0.0] * count, [0] * count
    due: asyncio.Queue[int | None] = asyncio.Queue()

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
        while (i := await due.get()) is not None:
            writer.write(request)
            statuses[i] = await _answer(reader)
            answered[i] = time.monotonic()
        writer.close()

    workers = [asyncio.create_task(connection()) for _ in range(CONNECTIONS)]
    for i, at in enumerate(scheduled):
        await asyncio.sleep(at - time.monotonic())
        due.put_nowait(i)
    for _ in workers:
        due.put_nowait(None)
    await asyncio.gather(*workers)
    print(json.dumps({"scheduled": scheduled, "answered": answered, "statuses": statuses}))


async def _answer(reader: asyncio.StreamReader) -> int:
    """Read one response (its body by Content-Length); its status."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    length = next(
        (int(line.split(":", 1)[1]) for line in head if line.lower().startswith("content-length:")),
        0,
    )
    await reader.readexactly(length)
    return int(head[0].split()[1])


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2]), int(sys.argv[3])))
