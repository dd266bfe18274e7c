"""The one way a service (and a test of one) connects to Redis: one server, or Redis Cluster.

`REDIS_CLUSTER=true` makes `REDIS_URL` name any node of a cluster (`redis://host:7000/0`;
the client learns the others and follows MOVED/ASK). Every key one script, transaction or
WATCH touches shares a hash slot (every test session checks: service_kit.hash_slots), so
the same code runs on both.
"""

from typing import cast

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import RedisCluster


def connect_redis(
    url: str, *, cluster: bool, max_connections: int = 64, timeout_s: float = 5.0
) -> Redis:
    """A client of the Redis at `url`; with `cluster`, of the cluster it belongs to.

    Answers decode to str. On one server a burst waits for a free connection instead of
    failing; on a cluster `max_connections` bounds each node's connections.
    """
    if cluster:
        client = RedisCluster.from_url(url, max_connections=max_connections, decode_responses=True)
        # RedisCluster answers every command and pipeline the services use, with the same
        # signatures; it is not a subclass, hence the cast (the cluster suite runs it all).
        return cast(Redis, client)
    pool = BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=timeout_s, decode_responses=True
    )
    return Redis(connection_pool=pool)
