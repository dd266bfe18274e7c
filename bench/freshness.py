"""5. Freshness: downloads at a steady rate (bench/steady.py, a process of its own), each
timed from its request to its count showing in /v1/stats (polled every 20 ms), against
the broker's own produce→consume latency at that rate (bench/kafka_latency.py), same run."""

import json
import statistics
import subprocess
import sys
import threading
import time
from typing import Any

import httpx
from devstack import kafka
from harness import HERE

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0 bench"}

POLL_S = 0.02


def freshness(stack: Any, downloads: int, rate: float) -> dict[str, Any]:
    """p50/p99 of download → visible in stats, and of the raw broker latency."""
    link = stack.create_link(stack.track_ids[:1])
    file_id = next(f["file_id"] for f in link["tracks"][0]["files"] if f["type"] == "audio")
    url = f"{stack.gateway}/s/{link['token']}/files/{file_id}/download"
    counts = _Counts(stack, link["id"])
    with counts:
        httpx.get(url, headers=BROWSER)  # the link is known and its temporary link cached
        counts.wait_for(1)
        load = _run("steady.py", url, rate, downloads)
        counts.wait_for(1 + downloads)
    delays = _delays(load["scheduled"], counts.seen, before=1)
    raw = _run("kafka_latency.py", kafka.address(), rate, downloads)["latencies_ms"]
    ours, base = _cuts(delays), _cuts(raw)
    return {
        "name": f"freshness, {downloads:,} downloads at {rate:g}/s, download to /v1/stats",
        "ours_p50_ms": ours[49],
        "ours_p99_ms": ours[98],
        "baseline_p50_ms": base[49],
        "baseline_p99_ms": base[98],
        "ratio_p99": round(ours[98] / base[98], 1),
        "redirects": sorted(set(load["statuses"])),
        "target": "p99 <= 5x the broker's p99",
        "met": ours[98] <= 5 * base[98],
    }


def _run(script: str, *args: object) -> Any:
    command = [sys.executable, str(HERE / script), *map(str, args)]
    return json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def _delays(answered: list[float], seen: list[tuple[float, int]], before: int) -> list[float]:
    """For the k-th download asked for, the time until stats showed k more downloads (ms):
    from the listener's click, so the gateway's answer is part of it."""
    delays, position = [], 0
    for k, at in enumerate(answered, start=1 + before):
        while seen[position][1] < k:
            position += 1
        delays.append((seen[position][0] - at) * 1000)
    return delays


def _cuts(values: list[float]) -> list[float]:
    return [round(cut, 1) for cut in statistics.quantiles(values, n=100)]


class _Counts:
    """Polls the link's download count every POLL_S in a thread: (time.monotonic(), count)."""

    def __init__(self, stack: Any, link_id: str) -> None:
        self.url = f"{stack.url('analytics-service')}/v1/stats/links/{link_id}"
        self.headers = stack.producer
        self.seen: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._poller = threading.Thread(target=self._poll)

    def _poll(self) -> None:
        with httpx.Client(headers=self.headers, timeout=10) as client:
            while not self._stop.is_set():
                answer = client.get(self.url)
                count = answer.json()["downloads"] if answer.status_code == 200 else 0
                self.seen.append((time.monotonic(), count))
                time.sleep(POLL_S)

    def wait_for(self, count: int, timeout_s: float = 120) -> None:
        deadline = time.monotonic() + timeout_s
        while not self.seen or self.seen[-1][1] < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"stats never showed {count} downloads")
            time.sleep(0.05)

    def __enter__(self) -> None:
        self._poller.start()

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._poller.join()
