"""5. Freshness: downloads at a steady rate (bench/steady.py, a process of its own), each
timed from its request to its count showing in /v1/stats (polled every 20 ms), against
the broker's own produce→consume latency at that rate (bench/kafka_latency.py), same run."""

import statistics
import time
from typing import Any

import httpx
from harness import BROWSER, Sampler, run_script
from stack import Stack

POLL_S = 0.02


def freshness(stack: Stack, downloads: int, rate: float) -> dict[str, Any]:
    """p50/p99 of download → visible in stats, and of the raw broker latency."""
    link = stack.create_link(stack.track_ids[:1])
    file_id = next(f["file_id"] for f in link["tracks"][0]["files"] if f["type"] == "audio")
    url = f"{stack.gateway}/s/{link['token']}/files/{file_id}/download"
    with Sampler(lambda: stack.downloads(link["id"]), every_s=POLL_S) as counts:
        httpx.get(url, headers=BROWSER)  # the link is known and its temporary link cached
        _wait_for(counts, 1)
        load = run_script("steady.py", url, rate, downloads)
        _wait_for(counts, 1 + downloads)
    delays = _delays(load["scheduled"], counts.samples, before=1)
    raw = run_script("kafka_latency.py", rate, downloads)["latencies_ms"]
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


def _wait_for(counts: Sampler[int], downloads: int, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not counts.samples or counts.samples[-1][1] < downloads:
        if time.monotonic() > deadline:
            raise RuntimeError(f"stats never showed {downloads} downloads")
        time.sleep(0.05)
