"""8. Bulk share: one producer shares `tracks` tracks with 4 collaborators each (folder mode)
while the emulator answers every Dropbox call `delay_ms` late; the wall time from the
request to the job's end against the least the Dropbox calls it made could take with
dropbox-service's allowed concurrency (calls × delay ÷ DROPBOX_WORKERS)."""

import time
from typing import Any
from uuid import uuid4

import httpx
from dropbox_service.settings import Settings
from stack import Stack

COLLABORATORS = [
    {"collaborator_id": f"c-{n}", "email": f"bench-{n}@example.com", "name": f"Bench {n}"}
    for n in range(4)
]


def bulk_share(stack: Stack, tracks: int, delay_ms: int) -> dict[str, Any]:
    """Ours: the job's wall time; baseline: the concurrency's lower bound."""
    # A producer of its own each run: the sharing budget is per producer and per day.
    producer = stack.new_producer(f"u-bench-{uuid4().hex[:8]}")
    track_ids = [_new_track(stack, producer) for _ in range(tracks)]
    calls_before = stack.dropbox_calls()
    with stack.emulator() as emulator:
        fault = {"route": "*", "delay_ms": delay_ms, "count": 1_000_000}
        emulator.post("/_emulator/faults", json=fault).raise_for_status()
        try:
            began = time.perf_counter()
            job = _share(stack, producer, track_ids)
            wall = time.perf_counter() - began
        finally:
            emulator.delete("/_emulator/faults").raise_for_status()
    calls = stack.dropbox_calls() - calls_before
    default_workers = Settings.model_fields["dropbox_workers"].default
    workers = int(stack.env.get("DROPBOX_WORKERS", default_workers))
    bound = calls * delay_ms / 1000 / workers
    return {
        "name": f"bulk share, {tracks} tracks x {len(COLLABORATORS)} collaborators, "
        f"Dropbox {delay_ms} ms a call",
        "ours_s": round(wall, 2),
        "baseline_s": round(bound, 2),
        "ratio": round(wall / bound, 2),
        "dropbox_calls": calls,
        "dropbox_workers": workers,
        "granted": job["done"],
        "failed": job["failed"],
        "target": "<= 1.5x",
        "met": wall <= 1.5 * bound and job["failed"] == 0,
    }


def _new_track(stack: Stack, producer: dict[str, str]) -> str:
    """A track in a Dropbox folder of its own (each a new share), with the collaborators."""
    track_id = f"bench-share-{uuid4().hex[:8]}"
    return stack.put_track(
        track_id,
        f"/Bench share/{track_id}",
        b"RIFF....WAVE",
        producer=producer,
        collaborators=COLLABORATORS,
    )


def _share(stack: Stack, producer: dict[str, str], track_ids: list[str]) -> dict[str, Any]:
    """Start the bulk share and wait for its job to end; the job's last state."""
    body = {"track_ids": track_ids, "mode": "folder"}
    started = httpx.post(
        f"{stack.links}/v1/collaborators/share-bulk", json=body, headers=producer, timeout=30
    )
    started.raise_for_status()
    url = f"{stack.links}/v1/jobs/{started.json()['job_id']}"
    while True:
        job: dict[str, Any] = httpx.get(url, headers=producer, timeout=30).json()
        if job["state"] != "running":
            return job
        time.sleep(0.02)
