"""`make bench`: each hot path of the stack `make up` runs, against a baseline measured in the
same run on the same machine; prints a table and writes bench/results.json (bench/README.md).

usage: python bench/run.py [--seconds N]   (N seconds of load per measurement, default 8)
"""

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from bulk_share import bulk_share
from devstack import kafka, redis
from freshness import freshness
from harness import BROWSER, HERE, Load, baseline, service_rss_mib, wrk
from ingest import analytics_ingest
from redis_footprint import redis_footprint
from stack import Stack
from streaming import preview_streaming

CONNECTIONS = 32
TEMPORARY_LINK = "files/get_temporary_link"  # the emulator's name of the SDK call
PACED = HERE / "paced.lua"


def share_page(stack: Stack, seconds: int) -> dict[str, Any]:
    """1. The share page of a 10-track playlist, warm, vs the same bytes from a bare app: at
    the peak, then the latency of both at half the baseline's peak rate."""
    path = f"/s/{stack.playlist['token']}"
    body = httpx.get(stack.gateway + path, headers=BROWSER).content
    with tempfile.NamedTemporaryFile(suffix=".html") as copy:
        copy.write(body)
        copy.flush()
        with baseline("page", copy.name) as bare:
            base = wrk(bare + path, connections=CONNECTIONS, seconds=seconds)
            # Each connection waits its share of the time between requests at half the peak.
            half = {"BENCH_DELAY_MS": str(round(CONNECTIONS * 1000 / (base.rps / 2)))}
            base_half = _paced(bare + path, seconds, half)
    ours = wrk(stack.gateway + path, connections=CONNECTIONS, seconds=seconds)
    ours_half = _paced(stack.gateway + path, seconds, half)
    row = _compare("share page GET /s/{token} (10 tracks)", ours, base, target=0.6)
    row["at_half_baseline_peak"] = {
        "rate": round(base.rps / 2),
        "ours_rps": round(ours_half.rps),
        "ours_p50_ms": ours_half.p50_ms,
        "ours_p99_ms": ours_half.p99_ms,
        "baseline_p50_ms": base_half.p50_ms,
        "baseline_p99_ms": base_half.p99_ms,
        "target": "ours p99 <= 3x baseline p99",
        "met": ours_half.p99_ms <= 3 * base_half.p99_ms,
    }
    return row


def _paced(url: str, seconds: int, delay: dict[str, str]) -> Load:
    return wrk(url, connections=CONNECTIONS, seconds=seconds, script=PACED, script_env=delay)


def download(stack: Stack, seconds: int) -> dict[str, Any]:
    """2. A download's 302 (temporary link cached) vs a bare redirect; no Dropbox call each."""
    link = stack.playlist
    file_id = next(f["file_id"] for t in link["tracks"] for f in t["files"] if f["type"] == "audio")
    path = f"/s/{link['token']}/files/{file_id}/download"
    first = httpx.get(stack.gateway + path, headers=BROWSER)  # the temporary link, cached
    with baseline("redirect", first.headers["location"]) as bare:
        base = wrk(bare + path, connections=CONNECTIONS, seconds=seconds)
    calls_before = stack.dropbox_calls(TEMPORARY_LINK)
    ours = wrk(stack.gateway + path, connections=CONNECTIONS, seconds=seconds)
    row = _compare("download 302 GET /s/{token}/files/{id}/download", ours, base, target=0.6)
    row["dropbox_calls_during"] = stack.dropbox_calls(TEMPORARY_LINK) - calls_before
    return row


def link_creation(stack: Stack, seconds: int) -> dict[str, Any]:
    """7. POST /v1/links of a 5-track playlist vs a bare endpoint doing one Redis MULTI."""
    post = {
        "script": HERE / "post_link.lua",
        "script_env": {
            "BENCH_TRACKS": json.dumps({"tracks": stack.track_ids[:5]}),
            "BENCH_AUTHORIZATION": stack.producer["Authorization"],
        },
    }
    with baseline("multi", redis.operator_url()) as bare:
        base = wrk(f"{bare}/v1/links", connections=8, seconds=seconds, **post)
    ours = wrk(f"{stack.links}/v1/links", connections=8, seconds=seconds, **post)
    return _compare("link creation POST /v1/links (5 tracks)", ours, base, target=0.5)


def revocation(stack: Stack, links: int, *, kafka_down: bool) -> dict[str, Any]:
    """6. Revoke to the share page answering 410 (DESIGN §6: within 1 s), with Kafka healthy
    or stopped (then only the gateway's short link cache stands between)."""
    made = [stack.create_link(stack.track_ids[:1]) for _ in range(links)]
    for link in made:  # each cached by the gateway now
        httpx.get(f"{stack.gateway}/s/{link['token']}", headers=BROWSER).raise_for_status()
    if kafka_down:
        kafka.stop()
    try:
        delays = [_revoked_after_ms(stack, link) for link in made]
    finally:
        if kafka_down:
            kafka.ensure_running()
    cuts = statistics.quantiles(delays, n=100) if len(delays) > 1 else delays * 99
    return {
        "name": f"revocation to 410, {links} links, Kafka {'stopped' if kafka_down else 'up'}",
        "p50_ms": round(cuts[49], 1),
        "p99_ms": round(cuts[98], 1),
        "target": "p99 <= 1000 ms",
        "met": cuts[98] <= 1000,
    }


def _revoked_after_ms(stack: Stack, link: dict[str, Any]) -> float:
    page = f"{stack.gateway}/s/{link['token']}"
    httpx.post(f"{stack.links}/v1/links/{link['id']}/revoke", headers=stack.producer)
    revoked = time.perf_counter()
    while httpx.get(page, headers=BROWSER).status_code != 410:
        time.sleep(0.005)
    return (time.perf_counter() - revoked) * 1000


def _compare(name: str, ours: Load, base: Load, *, target: float) -> dict[str, Any]:
    ratio = ours.rps / base.rps
    return {
        "name": name,
        "ours_rps": round(ours.rps),
        "baseline_rps": round(base.rps),
        "ratio": round(ratio, 2),
        "ours_p50_ms": ours.p50_ms,
        "ours_p99_ms": ours.p99_ms,
        "baseline_p50_ms": base.p50_ms,
        "baseline_p99_ms": base.p99_ms,
        "errors": ours.errors,
        "target": f">= {target}",
        "met": ratio >= target,
    }


BENCHMARKS: dict[str, Callable[[Stack, argparse.Namespace], dict[str, Any]]] = {
    "page": lambda stack, args: share_page(stack, args.seconds),
    "download": lambda stack, args: download(stack, args.seconds),
    "create": lambda stack, args: link_creation(stack, args.seconds),
    "stream": lambda stack, args: preview_streaming(stack, args.megabytes, args.streams),
    "fresh": lambda stack, args: freshness(stack, args.downloads, args.rate),
    "revoke": lambda stack, args: revocation(stack, args.links, kafka_down=False),
    "revoke-no-kafka": lambda stack, args: revocation(stack, args.links, kafka_down=True),
    "share": lambda stack, args: bulk_share(stack, args.tracks, args.delay_ms),
    "ingest": lambda stack, args: asyncio.run(analytics_ingest(stack, args.events)),
    "footprint": lambda stack, args: redis_footprint(
        stack, args.footprint, args.footprint // 2, args.footprint * 10
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--links", type=int, default=200, help="links revoked in benchmark 6")
    parser.add_argument("--events", type=int, default=200_000, help="events of benchmark 4")
    parser.add_argument("--megabytes", type=int, default=50, help="file size of benchmark 3")
    parser.add_argument("--streams", type=int, default=20, help="listeners of benchmark 3")
    parser.add_argument("--downloads", type=int, default=1000, help="downloads of benchmark 5")
    parser.add_argument("--rate", type=float, default=200, help="downloads/s of benchmark 5")
    parser.add_argument("--tracks", type=int, default=50, help="tracks of benchmark 8")
    parser.add_argument("--delay-ms", type=int, default=50, help="Dropbox delay of benchmark 8")
    parser.add_argument(
        "--footprint", type=int, default=1000, help="links of 10 (tracks: half, events: 10x)"
    )
    parser.add_argument("--results", type=Path, default=HERE / "results.json")
    parser.add_argument("--only", nargs="*", choices=sorted(BENCHMARKS), help="run only these")
    args = parser.parse_args()
    stack = Stack()
    results: dict[str, Any] = {
        "machine": f"{os.cpu_count()} cores shared by wrk (1 thread), "
        "the stack and each baseline (1 process)",
        "memory_idle_mib": service_rss_mib(),
    }
    rows = [run(stack, args) for name, run in BENCHMARKS.items() if name in (args.only or [name])]
    results["benchmarks"] = rows
    results["memory_after_mib"] = service_rss_mib()
    _print(results)
    args.results.write_text(json.dumps(results, indent=2) + "\n")


def _print(results: dict[str, Any]) -> None:
    print(f"\n{results['machine']}")
    for row in results["benchmarks"]:
        figures = {k: v for k, v in row.items() if k not in ("name", "target", "met")}
        verdict = "met" if row["met"] else "NOT met"
        print(f"- {row['name']}: {figures}; target {row['target']}: {verdict}")
    print(f"- memory (MiB) idle {results['memory_idle_mib']}, after {results['memory_after_mib']}")


if __name__ == "__main__":
    main()
