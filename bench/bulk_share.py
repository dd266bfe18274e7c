"""8. Bulk share: one producer shares `tracks` tracks with 4 collaborators each (folder mode)
while the emulator answers every Dropbox call `delay_ms` late; the wall time from the
request to the job's end against the least the Dropbox calls it made could take with
dropbox-service's allowed concurrency (calls × delay ÷ DROPBOX_WORKERS)."""

import time
from typing import Any
from uuid import uuid4

import httpx
from devstack import demo

COLLABORATORS = 4


def bulk_share(stack: Any, tracks: int, delay_ms: int) -> dict[str, Any]:
    """Ours: the job's wall time; baseline: the concurrency's lower bound."""
    producer = _fresh_producer(stack)  # the sharing budget is per producer and per day
    track_ids = [_put_track(stack, producer, i) for i in range(tracks)]
    emulator = httpx.Client(
        base_url=stack.url("dropbox-emulator"), verify=stack.env["DROPBOX_EMULATOR_CA_FILE"]
    )
    with emulator:
        calls_before = sum(emulator.get("/_emulator/calls").json().values())
        fault = {"route": "*", "delay_ms": delay_ms, "count": 1_000_000}
        emulator.post("/_emulator/faults", json=fault).raise_for_status()
        try:
            began = time.perf_counter()
            job = _share(stack, producer, track_ids)
            wall = time.perf_counter() - began
        finally:
            emulator.delete("/_emulator/faults").raise_for_status()
        calls = sum(emulator.get("/_emulator/calls").json().values()) - calls_before
    workers = int(stack.env.get("DROPBOX_WORKERS", "8"))
    bound = calls * delay_ms / 1000 / workers
    return {
        "name": f"bulk share, {tracks} tracks x {COLLABORATORS} collaborators, "
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


def _fresh_producer(stack: Any) -> dict[str, str]:
    seeded = demo.seed(stack.env, owner_id=f"u-bench-{uuid4().hex[:8]}", name="Bench")
    return {"Authorization": f"Bearer {seeded['producer token']}"}


def _put_track(stack: Any, producer: dict[str, str], i: int) -> str:
    """A track in a Dropbox folder of its own, with 4 collaborators who have no account."""
    track_id = f"bench-share-{uuid4().hex[:8]}-{i}"
    folder = f"/Producer Dashboard/Bench share/{track_id}"
    with httpx.Client(verify=stack.env["DROPBOX_EMULATOR_CA_FILE"]) as emulator:
        emulator.put(
            f"{stack.url('dropbox-emulator')}/_emulator/files",
            params={"account": demo.DEMO_DROPBOX, "path": f"{folder}/mix.wav"},
            content=b"RIFF....WAVE",
        ).raise_for_status()
    people = [
        {"collaborator_id": f"c-{n}", "email": f"bench-{n}@example.com", "name": f"Bench {n}"}
        for n in range(COLLABORATORS)
    ]
    body = {
        "title": track_id,
        "artist": "Bench",
        "bucket": "Bench share",
        "dropbox_folder": folder,
        "files": [
            {
                "file_id": f"{track_id}-mix",
                "name": "mix.wav",
                "role": "bounce",
                "dropbox_path": f"{folder}/mix.wav",
                "size": 12,
            }
        ],
        "collaborators": people,
    }
    url = f"{stack.links}/v1/catalog/tracks/{track_id}"
    httpx.put(url, json=body, headers=producer, timeout=30).raise_for_status()
    return track_id


def _share(stack: Any, producer: dict[str, str], track_ids: list[str]) -> dict[str, Any]:
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
