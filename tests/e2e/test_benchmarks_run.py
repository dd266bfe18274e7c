"""Every benchmark of `make bench` runs once at a tiny size against the stack `make up` runs
(started here if it is not running), so that none rots. Times are not asserted: what is
asserted is that each benchmark ran to its end and measured what it says it measures."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from devstack import kafka, redis, services
from dropbox_emulator.testing import SDK_HOST_VARS

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
TINY = "--seconds 1 --links 3 --events 300 --megabytes 2 --streams 2 --downloads 20 --rate 20"
TINY += " --tracks 2 --delay-ms 5 --footprint 100"


# What this session set for its own services; `make up`'s stack runs on devstack's defaults.
SESSION_ONLY = (*SDK_HOST_VARS, "KAFKA_TOPIC_PARTITIONS")


@pytest.fixture(scope="module")
def stack_env() -> Iterator[dict[str, str]]:
    """devstack's stack (`make up`), started unless it runs; the services this started are
    stopped afterwards (Kafka and Redis, which the session shares, stay)."""
    env = {k: v for k, v in os.environ.items() if k not in SESSION_ONLY}
    stack = services.service_env(env, kafka.address(), redis.url())
    was_up = all(services.is_ready(s, stack) for s in services.SERVICES)
    up = [sys.executable, "-m", "devstack", "up"]
    subprocess.run(up, check=True, capture_output=True, timeout=600, env=env)
    yield env
    if not was_up:
        for service in services.SERVICES:
            services.stop(service)


@pytest.fixture(scope="module")
def results(stack_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench") / "results.json"
    command = [sys.executable, str(ROOT / "bench" / "run.py"), *TINY.split(), "--results", str(out)]
    subprocess.run(command, check=True, cwd=ROOT, timeout=600, env=stack_env)
    return dict(json.loads(out.read_text()))


def row(results: dict[str, Any], starts: str) -> dict[str, Any]:
    return next(r for r in results["benchmarks"] if r["name"].startswith(starts))


def test_every_benchmark_ran_and_compared_ours_with_its_baseline(results):
    names = [
        r["name"].split(",")[0].split(" GET")[0].split(" POST")[0] for r in results["benchmarks"]
    ]
    assert names == [
        "share page",
        "download 302",
        "link creation",
        "preview streaming",
        "freshness",
        "revocation to 410",
        "revocation to 410",
        "bulk share",
        "analytics ingest",
        "Redis memory per link (100)",
    ]
    compared = [r for r in results["benchmarks"] if not r["name"].startswith("Redis memory")]
    for measured in compared:  # figures, not placeholders, against a target
        figures = [v for k, v in measured.items() if k.startswith(("ours_", "baseline_", "p"))]
        assert measured["target"] and figures and all(v > 0 for v in figures), measured
    assert all(r["ratio"] > 0 for r in results["benchmarks"] if "ratio" in r)
    assert all(mib > 0 for mib in results["memory_after_mib"].values())
    assert set(results["memory_after_mib"]) == {
        "analytics-service",
        "dropbox-service",
        "link-service",
        "notify-service",
        "gateway",
    }


def test_the_benchmarks_measured_whole_and_exact_work(results):
    assert row(results, "download")["dropbox_calls_during"] == 0
    assert row(results, "download")["errors"] == 0
    assert row(results, "preview streaming")["complete"] is True
    assert row(results, "freshness")["redirects"] == [302]
    assert row(results, "bulk share")["granted"] == 2 and row(results, "bulk share")["failed"] == 0
    assert row(results, "analytics ingest")["exact"] is True
    stopped = [r for r in results["benchmarks"] if r["name"].endswith("Kafka stopped")]
    assert len(stopped) == 1
    # At this size Redis's own churn (relays, leases, a cluster's gossip) outweighs what 100
    # links add, so only that each figure was measured is checked; make bench's sizes count.
    footprint = row(results, "Redis memory")
    figures = ("bytes_per_link", "bytes_per_track", "bytes_per_event")
    assert all(isinstance(footprint[figure], int) for figure in figures)
