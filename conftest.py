"""Fixtures for every test folder: real Kafka and Redis on request, unique name prefixes."""

import asyncio
import importlib
import os
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from devstack import credentials, redis
from devstack import kafka as kafka_node
from devstack.services import cluster_env
from dropbox_emulator.testing import RunningEmulator, free_port, running_emulator, sdk_env
from faststream.kafka import KafkaBroker
from messaging.kafka import KafkaAccess, make_broker
from messaging.redis_client import with_user
from messaging.testing import delete_topics_matching
from service_kit.grants import operator_kafka
from service_kit.hash_slots import checking
from service_kit.services import BY_NAME
from service_kit.testing import (
    CREDENTIALS_FILE_ENV,
    TEST_PREFIX,
    ServiceProcess,
    infra_env,
    new_prefix,
)
from service_kit.testing import start_service as _start_service

# The dropbox SDK reads DROPBOX_API_HOST and its siblings once, when `dropbox.session` is
# imported: point them at the emulator's port before any test module imports it.
if "DROPBOX_API_HOST" not in os.environ:
    os.environ.update(sdk_env(free_port()))
EMULATOR_ACCESS_TOKEN_TTL_S = 3  # short, so that every test exercises token refresh
# Every test prefix provisions all topics; two partitions each keep a whole run's topics
# small on one local broker and still let two consumers split the work.
os.environ.setdefault("KAFKA_TOPIC_PARTITIONS", "2")
# Settings built in-process, and the services the tests start, run in development mode,
# which is only on when asked for (service_kit.settings).
os.environ.setdefault("APP_ENV", "development")
# Every Kafka principal and Redis user of the session (DESIGN §19): each service process
# connects as its own (service_kit.testing); the tests themselves, and the services built
# in-process, as the operator.
CREDENTIALS = credentials.ensure()
os.environ.setdefault(CREDENTIALS_FILE_ENV, str(credentials.path()))
os.environ.setdefault("KAFKA_SECURITY_PROTOCOL", CREDENTIALS["KAFKA_SECURITY_PROTOCOL"])
os.environ.setdefault("KAFKA_SASL_USERNAME", CREDENTIALS["KAFKA_OPERATOR_USERNAME"])
os.environ.setdefault("KAFKA_SASL_PASSWORD", CREDENTIALS["KAFKA_OPERATOR_PASSWORD"])
os.environ.setdefault("REDIS_USERNAME", CREDENTIALS["REDIS_OPERATOR_USERNAME"])
os.environ.setdefault("REDIS_PASSWORD", CREDENTIALS["REDIS_OPERATOR_PASSWORD"])
# With CLUSTER=1 (make test-cluster) every service the tests start is a cluster client.
os.environ.update({k: v for k, v in cluster_env().items() if k not in os.environ})

LAYERS = frozenset({"unit", "integration", "e2e"})


@pytest.fixture(scope="session", autouse=True)
def hash_slots_checked() -> Iterator[None]:
    """Every script, transaction and WATCH the tests run in-process keeps its keys in one
    hash slot, as Redis Cluster requires (service processes check theirs: testing.py)."""
    with checking():
        yield


@pytest.fixture(scope="session")
def kafka() -> Iterator[KafkaAccess]:
    """Kafka as the operator: KAFKA_BOOTSTRAP_SERVERS (a devstack Kafka elsewhere), else
    devstack's. At the end, the topics of test prefixes (`t` and 10 hex digits) are deleted."""
    if address := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield operator_kafka(CREDENTIALS, address)
        asyncio.run(delete_topics_matching(operator_kafka(CREDENTIALS, address), TEST_PREFIX))
    else:
        running = kafka_node.ensure_running()
        yield operator_kafka(CREDENTIALS, running.address)
        asyncio.run(
            delete_topics_matching(operator_kafka(CREDENTIALS, running.address), TEST_PREFIX)
        )
        if running.started:
            kafka_node.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka: KafkaAccess) -> str:
    """Kafka's bootstrap address, for the services a test starts."""
    return kafka.bootstrap_servers


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """Redis's URL as the operator: REDIS_URL, else devstack's redis-server."""
    operator = CREDENTIALS["REDIS_OPERATOR_USERNAME"], CREDENTIALS["REDIS_OPERATOR_PASSWORD"]
    if url := os.environ.get("REDIS_URL"):
        yield with_user(url, *operator)
    else:
        running = redis.ensure_running()
        yield with_user(running.address, *operator)
        if running.started:
            redis.stop()


@pytest.fixture(scope="session")
def dropbox_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulator]:
    """The Dropbox emulator over HTTPS on the port the SDK was pointed at."""
    port = int(os.environ["DROPBOX_API_HOST"].rpartition(":")[2])
    env = {"DROPBOX_EMULATOR_ACCESS_TOKEN_TTL_S": str(EMULATOR_ACCESS_TOKEN_TTL_S)}
    with running_emulator(port, tmp_path_factory.mktemp("dropbox-emulator"), env) as running:
        yield running


@pytest.fixture
def control(dropbox_emulator: RunningEmulator) -> Iterator[httpx.Client]:
    """The emulator's control API (files, faults, members, calls); faults cleared after."""
    with httpx.Client(
        base_url=dropbox_emulator.base_url, verify=dropbox_emulator.ssl_context(), trust_env=False
    ) as client:
        yield client
        client.delete("/_emulator/faults")


@pytest.fixture
def service_env(kafka_bootstrap: str, redis_url: str, unique_prefix: str) -> dict[str, str]:
    """What a service process of this test needs: real Kafka and Redis, this test's prefixes."""
    return infra_env(kafka_bootstrap, redis_url, unique_prefix)


@pytest.fixture
def start_service(service_env: dict[str, str]) -> Iterator[Callable[..., ServiceProcess]]:
    """Start services as processes (`start_service("link-service", EXTRA="1")`); killed after."""
    started: list[ServiceProcess] = []

    def start(name: str, **env: str) -> ServiceProcess:
        started.append(_start_service(name, {**service_env, **env}))
        return started[-1]

    yield start
    for service in started:
        service.stop()


@pytest.fixture
async def service_app(redis_url: str, unique_prefix: str) -> AsyncIterator[Callable[..., Any]]:
    """Build services in-process by name, the counterpart of `start_service`:
    `service_app("link-service", public_base_url=...)` is its `create_app(Settings(...))` on
    the test Redis under this test's prefix, nothing started (drive its routes over
    `httpx.ASGITransport`, its consumers with TestKafkaBroker). A service is imported when
    asked for, so a session with one service installed still collects, and a service's
    tests reach another service over HTTP only (tests/unit/test_import_boundaries.py)."""
    apps: list[Any] = []

    def build(name: str, **settings: Any) -> Any:
        module = BY_NAME[name].module
        create_app = importlib.import_module(f"{module}.app").create_app
        settings_class = importlib.import_module(f"{module}.settings").Settings
        prefixes = {"topic_prefix": unique_prefix, "key_prefix": unique_prefix}
        apps.append(create_app(settings_class(redis_url=redis_url, **prefixes, **settings)))
        return apps[-1]

    yield build
    for app in apps:
        await app.state.runtime.redis.aclose()


@pytest.fixture(scope="module")
def start_module_service(
    kafka_bootstrap: str, redis_url: str, module_prefix: str
) -> Iterator[Callable[..., ServiceProcess]]:
    """Start a service once for a module (its prefix), ready; stopped at the module's end."""
    started: list[ServiceProcess] = []

    def start(name: str, **env: str) -> ServiceProcess:
        started.append(
            _start_service(name, infra_env(kafka_bootstrap, redis_url, module_prefix) | env)
        )
        started[-1].wait_ready()
        return started[-1]

    yield start
    for service in started:
        service.stop()


@pytest.fixture(scope="module")
def module_prefix() -> str:
    """One prefix for a module whose tests share service processes and their topics."""
    return new_prefix()


@pytest.fixture(scope="module")
async def publisher(kafka: KafkaAccess) -> AsyncIterator[KafkaBroker]:
    """A Kafka producer standing in for another service (as the operator)."""
    broker = make_broker(kafka, client_id="test-publisher")
    await broker.start()
    yield broker
    await broker.stop()


@pytest.fixture
def unique_prefix() -> str:
    """A fresh prefix for this test's topics, consumer groups and keys."""
    return new_prefix()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with the layer named by its folder: unit/, integration/ or e2e/."""
    for item in items:
        folder = item.path.parent
        if folder.is_relative_to(config.rootpath):
            folder = folder.relative_to(config.rootpath)
        for layer in LAYERS.intersection(folder.parts):
            if item.get_closest_marker(layer) is None:
                item.add_marker(layer)
