"""The one way a service (and a test of one) connects to Redis: one server, or Redis Cluster.

`REDIS_CLUSTER=true` makes `REDIS_URL` name any node of a cluster (`redis://host:7000/0`;
the client learns the others and follows MOVED/ASK). Every key one script, transaction or
WATCH touches shares a hash slot (every test session checks: service_kit.hash_slots), so
the same code runs on both. Transactions go through `messaging.transactions.transaction`.
"""

from typing import Any, cast
from urllib.parse import quote, urlsplit, urlunsplit

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.connection import SSLConnection, parse_url


def connect_redis(
    url: str, *, cluster: bool, max_connections: int = 64, timeout_s: float = 5.0
) -> Redis:
    """A client of the Redis at `url` (as the ACL user its credentials name: `with_user`);
    with `cluster`, of the cluster it belongs to.

    Answers decode to str. A burst waits for a free connection instead of failing; on a
    cluster `max_connections` bounds each node's connections.
    """
    if cluster:
        client = ClusterClient(url, max_connections, timeout_s)
        # RedisCluster answers every command and pipeline the services use, with the same
        # signatures; it is not a subclass, hence the cast (the cluster suite runs it all).
        return cast(Redis, client)
    return _server(url, max_connections, timeout_s)


class ClusterClient(RedisCluster):
    """redis-py's cluster client, plus a plain client of each primary for transactions.

    redis-py 8.1's cluster MULTI/EXEC runs every command given to it in a new thread with an
    event loop of its own, and blocks the caller's loop until it is done: 390 watched
    transactions a second and 9 ms of loop lag at the median, where a plain client of the
    slot's primary does 2,700 and 0.9 ms (measured here, 16 at once). Our transactions keep
    their keys in one slot, so they run on that slot's primary directly.
    """

    def __init__(self, url: str, max_connections: int, timeout_s: float) -> None:
        options: dict[str, Any] = dict(parse_url(url))  # as RedisCluster.from_url reads it
        if options.pop("connection_class", None) is SSLConnection:
            options["ssl"] = True
        super().__init__(**options, max_connections=max_connections, decode_responses=True)
        self._url = url
        self._max_connections = max_connections
        self._timeout_s = timeout_s
        self._primaries: dict[str, Redis] = {}

    async def primary_of(self, key: str) -> Redis:
        """A plain client of the primary holding `key`'s slot, as the cluster last said."""
        await self.initialize()  # a no-op once the slots are known
        node = self.nodes_manager.get_node_from_slot(self.keyslot(key))
        if node.name not in self._primaries:
            url = _with_address(self._url, node.name)
            self._primaries[node.name] = _server(url, self._max_connections, self._timeout_s)
        return self._primaries[node.name]

    def pipeline(self, transaction: bool | None = None, shard_hint: str | None = None) -> Any:
        """A pipeline of commands sent together; a transaction goes to one primary instead."""
        if transaction:
            raise TypeError("open a cluster transaction with messaging.transactions.transaction")
        return super().pipeline(transaction, shard_hint)

    async def relearn(self) -> None:
        """Read the cluster's slots again (a primary failed over, or a slot moved)."""
        await self.nodes_manager.initialize()

    async def aclose(self) -> None:
        for primary in self._primaries.values():
            await primary.aclose()
        await super().aclose()


def with_user(url: str, username: str | None, password: str | None) -> str:
    """`url` as ACL user `username` with `password` (unchanged when neither is given)."""
    if username is None and password is None:
        return url
    parts = urlsplit(url)
    user = quote(username or "default", safe="")
    netloc = f"{user}:{quote(password or '', safe='')}@{parts.netloc.rpartition('@')[2]}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _with_address(url: str, address: str) -> str:
    """`url` (credentials, database, options) at another `host:port`."""
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@{address}" if credentials else address
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _server(url: str, max_connections: int, timeout_s: float) -> Redis:
    pool = BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=timeout_s, decode_responses=True
    )
    return Redis(connection_pool=pool)
