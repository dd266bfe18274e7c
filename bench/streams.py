"""The listeners of benchmark 3, a process of its own: `streams` players at once, each
playing the whole file at `url` from its first byte (`Range: bytes=0-`, as a player asks).

usage: python bench/streams.py <url> <streams> [<ca file>]
prints {"bytes": total read, "seconds": wall time, "statuses": [...]} as JSON
"""

import asyncio
import json
import sys
import time

import httpx


async def play(client: httpx.AsyncClient, url: str) -> tuple[int, int]:
    read = 0
    async with client.stream("GET", url, headers={"Range": "bytes=0-"}) as answer:
        async for chunk in answer.aiter_raw():
            read += len(chunk)
    return answer.status_code, read


async def main(url: str, streams: int, ca_file: str | None) -> None:
    limits = httpx.Limits(max_connections=streams)
    verify: str | bool = ca_file or True
    async with httpx.AsyncClient(verify=verify, limits=limits, timeout=120, trust_env=False) as c:
        began = time.perf_counter()
        played = await asyncio.gather(*(play(c, url) for _ in range(streams)))
        seconds = time.perf_counter() - began
    statuses = sorted({status for status, _ in played})
    print(
        json.dumps({"bytes": sum(n for _, n in played), "seconds": seconds, "statuses": statuses})
    )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else None))
