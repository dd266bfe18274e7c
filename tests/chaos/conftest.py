"""Fault runs use devstack's own Kafka and Redis, which they stop, kill and start again;
each run adds its figures to a report printed at the end (and kept in .run/chaos-report.md)."""

import asyncio
import functools
from collections.abc import Iterator
from types import ModuleType

import pytest
from devstack import cluster, redis
from devstack import kafka as devstack_kafka
from devstack.paths import run_dir
from messaging.kafka import KafkaAccess
from messaging.testing import delete_topics_matching
from redis import Redis
from service_kit.testing import TEST_PREFIX

REPORT: list[str] = []


@pytest.fixture(scope="session")
def kafka() -> Iterator[KafkaAccess]:
    """devstack's Kafka as the operator (started here unless `make up` did); stopped after if
    started here."""
    running = devstack_kafka.ensure_running()
    yield devstack_kafka.operator_access()
    if devstack_kafka.is_ready():
        asyncio.run(delete_topics_matching(devstack_kafka.operator_access(), TEST_PREFIX))
    if running.started:
        devstack_kafka.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka: KafkaAccess) -> str:
    return kafka.bootstrap_servers


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """devstack's Redis, fsyncing every write as production does (devstack.redis)."""
    running = redis.ensure_running()
    if not cluster.enabled():  # a cluster's nodes always start so
        # A Redis `make up` started before devstack fsynced every write: as production, now.
        with Redis.from_url(redis.operator_url()) as client:
            client.config_set("appendfsync", "always")
    yield redis.operator_url()
    if running.started:
        redis.stop()


class Outages:
    """Stop, kill and start devstack's Kafka and Redis from a test's event loop."""

    async def stop(self, component: ModuleType, pause_s: float, *, hard: bool = False) -> None:
        """Stop Kafka or Redis (SIGTERM; SIGKILL when `hard`), wait `pause_s`, start it again."""
        stop = functools.partial(component.stop, hard=True) if hard else component.stop
        stopped = await asyncio.to_thread(stop)
        assert stopped, f"{component.__name__} is not devstack's own; run `make down` first"
        await asyncio.sleep(pause_s)
        await asyncio.to_thread(component.ensure_running)


@pytest.fixture(scope="session")
def outages(kafka_bootstrap: str, redis_url: str) -> Outages:
    """Faults of the infrastructure."""
    return Outages()


@pytest.fixture(scope="session")
def report() -> list[str]:
    """Lines of the fault runs' report, one scenario each (Markdown table rows)."""
    return REPORT


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print what the fault runs tried and found, and keep it for docs/reliability.md."""
    if not REPORT:
        return
    lines = [
        "| scenario | views served / counted | play milestones served / counted | "
        "downloads served / counted | shares accepted / done | "
        "mails expected / sent / doubled | in-app expected / kept |",
        "|---|---|---|---|---|---|---|",
        *REPORT,
    ]
    terminalreporter.section("fault runs: what was tried and what was found")
    for line in lines:
        terminalreporter.write_line(line)
    (run_dir() / "chaos-report.md").write_text("\n".join(lines) + "\n")
