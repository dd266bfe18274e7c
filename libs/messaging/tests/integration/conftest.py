import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from contracts.events import ShareViewed
from messaging.kafka import KafkaAccess, ensure_topics, with_dead_letters
from redis.asyncio import Redis

WORKER = Path(__file__).with_name("worker_process.py")

StartWorker = Callable[[str, float], subprocess.Popen[bytes]]


@pytest.fixture
async def topic(kafka: KafkaAccess, unique_prefix: str) -> str:
    """share.viewed under the test's prefix, one partition, with its dead-letter topic."""
    name = unique_prefix + ShareViewed.topic
    await ensure_topics(kafka, with_dead_letters([name]), partitions=1, replication_factor=1)
    return name


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url, decode_responses=True)
    yield client
    await client.aclose()


@pytest.fixture
def start_worker(kafka: KafkaAccess, redis_url: str, unique_prefix: str) -> Iterator[StartWorker]:
    """Start `worker_process.py` as a relay or consumer; whatever is left is killed afterwards."""
    started: list[subprocess.Popen[bytes]] = []

    def start(role: str, amount: float) -> subprocess.Popen[bytes]:
        args = [
            sys.executable,
            str(WORKER),
            role,
            kafka.bootstrap_servers,
            redis_url,
            unique_prefix,
        ]
        started.append(subprocess.Popen([*args, str(amount)]))
        return started[-1]

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def kill_hard(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL: no shutdown hook, no commit, no clean-up."""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


@pytest.fixture
def kill() -> Callable[[subprocess.Popen[bytes]], None]:
    return kill_hard
