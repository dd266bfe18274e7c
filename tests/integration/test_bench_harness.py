"""The benchmark harness keeps working: wrk drives a baseline process and its figures parse
(`make bench` itself needs the whole stack; bench/README.md)."""

import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from harness import baseline, wrk  # noqa: E402 - the bench folder is not a package


def test_wrk_against_a_baseline_process_gives_rate_and_latencies(tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes(b"<html>" + b"x" * 5000 + b"</html>")
    with baseline("page", str(page)) as bare:
        load = wrk(f"{bare}/s/token", connections=4, seconds=1)
    assert load.rps > 50
    assert 0 < load.p50_ms <= load.p99_ms
    assert load.errors == 0
