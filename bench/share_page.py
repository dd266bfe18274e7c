"""Share page vs a bare FastAPI endpoint serving the same bytes, measured in the same run.

Needs the stack of `make up` (it prints the demo link; `make bench` passes it here).
Prints ratios only: absolute times on shared machines drift.
usage: python bench/share_page.py <share URL> [requests]
"""

import asyncio
import statistics
import sys
import time

import httpx
import uvicorn
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0 bench"}
CONCURRENCY = 8


def bare_app(body: bytes) -> FastAPI:
    """The baseline: FastAPI answering the same bytes, with no lookup, template or event."""
    app = FastAPI()

    @app.get("/s/{token}")
    async def page(token: str) -> HTMLResponse:
        return HTMLResponse(body)

    return app


async def measure(url: str, requests: int) -> list[float]:
    """Latencies of `requests` GETs, `CONCURRENCY` at a time."""
    latencies: list[float] = []
    async with httpx.AsyncClient(headers=BROWSER, timeout=30) as client:

        async def one() -> None:
            started = time.perf_counter()
            answer = await client.get(url)
            latencies.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.status_code

        for _ in range(requests // CONCURRENCY):
            await asyncio.gather(*(one() for _ in range(CONCURRENCY)))
    return latencies


async def main(share_url: str, requests: int) -> None:
    body = httpx.get(share_url, headers=BROWSER).content
    server = uvicorn.Server(uvicorn.Config(bare_app(body), port=8099, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    token = share_url.rsplit("/", 1)[1]
    await measure(share_url, 40)  # warm both up
    await measure(f"http://127.0.0.1:8099/s/{token}", 40)
    ours = await measure(share_url, requests)
    baseline = await measure(f"http://127.0.0.1:8099/s/{token}", requests)
    server.should_exit = True
    await serving
    print(
        f"share page vs bare FastAPI serving the same {len(body)} bytes, {requests} requests, "
        f"{CONCURRENCY} concurrent (ratios: share page / baseline)"
    )
    for name, pick in (
        ("median latency", statistics.median),
        ("p95 latency", lambda xs: statistics.quantiles(xs, n=20)[18]),
        ("mean latency", statistics.fmean),
    ):
        print(f"  {name:<15} {pick(ours) / pick(baseline):6.2f}x")
    print(f"  {'throughput':<15} {sum(baseline) / sum(ours):6.2f}x of the baseline")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 800))
