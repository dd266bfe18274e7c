"""Transactions on a Redis Cluster of this module's own (ports 7100–7105, devstack's cluster
code): they run on the primary of their keys' slot, lose no concurrent update, and when
that primary is killed they fail as an outage until its replica has taken over, then run
there."""

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import pytest
from devstack import redis as devstack_redis
from messaging.redis_client import ClusterClient, connect_redis
from messaging.transactions import watched_transaction
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import ConnectionError as RedisConnectionError

pytestmark = pytest.mark.integration

KEY = "{cluster-test}:counter"


@contextmanager
def this_modules_cluster() -> Iterator[None]:
    """devstack's Redis functions, pointed at this module's cluster."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CLUSTER", "1")
        env.setenv("REDIS_CLUSTER_PORT", "7100")
        yield


@pytest.fixture(scope="module")
def cluster_url() -> Iterator[str]:
    with this_modules_cluster():
        devstack_redis.ensure_running(timeout=60)
        try:
            yield devstack_redis.operator_url()
        finally:
            for node_port in devstack_redis.ports():
                devstack_redis.kill(node_port)


@pytest.fixture
async def cluster(cluster_url: str) -> AsyncIterator[ClusterClient]:
    client = connect_redis(cluster_url, cluster=True)
    assert isinstance(client, ClusterClient)
    await client.delete(KEY)
    yield client
    await client.aclose()


async def _add_one(redis: Redis) -> None:
    async def plan(pipe: Pipeline) -> object:
        value = int(await pipe.get(KEY) or 0)
        return lambda pipe: pipe.set(KEY, value + 1)

    await watched_transaction(redis, [KEY], plan)


async def test_a_transaction_runs_on_its_slots_primary_and_loses_no_concurrent_update(
    cluster: ClusterClient,
):
    await asyncio.gather(*(_add_one(cluster) for _ in range(40)))  # each read, then written

    assert await cluster.get(KEY) == "40", "every WATCH conflict retried, none lost"
    owner = cluster.get_node_from_key(KEY)
    assert owner is not None
    primary = await cluster.primary_of(KEY)
    assert primary.connection_pool.connection_kwargs["port"] == owner.port
    with pytest.raises(TypeError, match="messaging.transactions.transaction"):
        cluster.pipeline(transaction=True)  # redis-py's own cluster MULTI/EXEC is not used


async def test_when_the_primary_dies_transactions_fail_as_an_outage_then_run_on_its_replica(
    cluster: ClusterClient,
):
    await _add_one(cluster)
    owner = cluster.get_node_from_key(KEY)
    replicated = await cluster.execute_command("WAIT", 1, 5000, target_nodes=owner)
    assert replicated == 1, "the replica has the write before its primary dies"
    dead = (await cluster.primary_of(KEY)).connection_pool.connection_kwargs["port"]
    devstack_redis.kill(dead)

    outages = 0
    deadline = time.monotonic() + 30
    while True:
        try:
            await _add_one(cluster)
            break
        except RedisConnectionError:
            outages += 1  # the slot's primary is gone: the client reads the slots again
            assert time.monotonic() < deadline, "no replica took over within 30 s"
            await asyncio.sleep(0.2)

    assert outages >= 1
    new_primary = (await cluster.primary_of(KEY)).connection_pool.connection_kwargs["port"]
    assert new_primary != dead
    assert await cluster.get(KEY) == "2", "the write before the kill survived on the replica"
    with this_modules_cluster():  # the killed node rejoins, as a replica
        devstack_redis.ensure_running(timeout=60)
