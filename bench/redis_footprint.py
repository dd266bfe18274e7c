"""10. Redis memory per share link, per catalog track and per counted event: what
docs/scaling.md sizes Redis with. Each is the growth of Redis's `used_memory` less its
buffers (clients', the AOF's, replication's: they come and go with the measuring itself)
over many of them, divided by how many (on the stack `make up` runs; with CLUSTER=1, summed
over the primaries)."""

import asyncio
from typing import Any
from uuid import uuid4

from devstack import redis
from ingest import _publish, _until
from redis import Redis
from stack import Stack


def redis_footprint(stack: Stack, links: int, tracks: int, events: int) -> dict[str, Any]:
    """Bytes per link (one track each), per track (one file, two collaborators, its title
    and bucket indexes) and per download counted (its totals and the duplicate marker kept
    14 days)."""
    producer = stack.new_producer(f"u-bench-{uuid4().hex[:8]}")
    before = _used()
    track_ids = [_track(stack, producer) for _ in range(tracks)]
    per_track = (_used() - before) / tracks
    before = _used()
    for n in range(links):
        stack.create_link(stack.track_ids[n % len(stack.track_ids) :][:1])
    per_link = (_used() - before) / links
    link = stack.create_link(stack.track_ids[:1])
    asyncio.run(_until(lambda: stack.downloads(link["id"]) == 0))
    before = _used()
    asyncio.run(_publish(link, events))
    asyncio.run(_until(lambda: stack.downloads(link["id"]) >= events, timeout_s=600))
    per_event = (_used() - before) / events
    return {
        "name": f"Redis memory per link ({links}), catalog track ({len(track_ids)}), "
        f"counted event ({events})",
        "bytes_per_link": round(per_link),
        "bytes_per_track": round(per_track),
        "bytes_per_event": round(per_event),
        "target": "measured for docs/scaling.md",
        "met": True,
    }


def _track(stack: Stack, producer: dict[str, str]) -> str:
    track_id = f"bench-size-{uuid4().hex[:8]}"
    people = [
        {"collaborator_id": f"c-{n}", "email": f"size-{n}@example.com", "name": f"Size {n}"}
        for n in range(2)
    ]
    return stack.put_track(
        track_id,
        f"/Bench size/{track_id}",
        b"RIFF....WAVE",
        producer=producer,
        collaborators=people,
    )


_BUFFERS = (
    "mem_clients_normal",
    "mem_clients_slaves",
    "mem_aof_buffer",
    "mem_replication_backlog",
    "mem_cluster_links",
)


def _used() -> int:
    """Bytes Redis holds its keys in, over every primary of a cluster (replicas hold
    copies)."""
    total = 0
    for port in redis.ports():
        with Redis.from_url(redis.operator_url(port)) as node:
            if node.info("replication")["role"] == "master":
                memory = node.info("memory")
                total += int(memory["used_memory"]) - sum(int(memory.get(b, 0)) for b in _BUFFERS)
    return total
