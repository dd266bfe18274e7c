"""Fixtures for every test folder: real Kafka and Redis on request, unique name prefixes."""

import functools
import os
from collections.abc import Iterator
from uuid import uuid4

import pytest
from devstack import kafka, redis

LAYERS = frozenset({"unit", "integration", "e2e"})


@functools.cache
def docker_answers() -> bool:
    """Whether a Docker engine answers, so testcontainers can run Kafka and Redis."""
    try:
        import docker

        client = docker.from_env()
        try:
            client.ping()
        finally:
            client.close()
    except Exception:  # docker-py raises several unrelated types when there is no engine
        return False
    return True


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """Kafka's bootstrap address: KAFKA_BOOTSTRAP_SERVERS, else a container, else devstack's."""
    if address := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield address
    elif docker_answers():
        from testcontainers.community.kafka import KafkaContainer

        with KafkaContainer().with_kraft() as container:
            yield container.get_bootstrap_server()
    else:
        running = kafka.ensure_running()
        yield running.address
        if running.started:
            kafka.stop()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """Redis's URL: REDIS_URL, else a container, else devstack's redis-server."""
    if url := os.environ.get("REDIS_URL"):
        yield url
    elif docker_answers():
        from testcontainers.community.redis import RedisContainer

        with RedisContainer("redis:7") as container:
            host, port = container.get_container_host_ip(), container.get_exposed_port(6379)
            yield f"redis://{host}:{port}/0"
    else:
        running = redis.ensure_running()
        yield running.address
        if running.started:
            redis.stop()


@pytest.fixture
def unique_prefix() -> str:
    """A fresh prefix for this test's topics, consumer groups and keys."""
    return f"t{uuid4().hex[:10]}."


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with the layer named by its folder: unit/, integration/ or e2e/."""
    for item in items:
        folder = item.path.parent
        if folder.is_relative_to(config.rootpath):
            folder = folder.relative_to(config.rootpath)
        for layer in LAYERS.intersection(folder.parts):
            if item.get_closest_marker(layer) is None:
                item.add_marker(layer)
