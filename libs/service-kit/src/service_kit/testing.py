"""Start service processes for integration and end-to-end tests (`python -m <module>`, under
the hash-slot check of service_kit.hash_slots)."""

import functools
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from uuid import uuid4

import httpx
from contracts.auth import issue_producer_token
from contracts.clock import unix_s, utc_now
from starlette.types import ASGIApp

from service_kit.grants import KafkaGrants, kafka_grants, operator_kafka, service_env
from service_kit.services import BY_NAME
from service_kit.settings import DEV_JWT_SECRET, dev_internal_token

# A person's browser: the gateway counts the views of people only, never of bots.
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class ServiceProcess:
    """A running service and its base URL."""

    name: str
    process: subprocess.Popen[bytes]
    base_url: str
    env: dict[str, str] = field(repr=False)

    @property
    def admin_url(self) -> str:
        """The base URL of the service's admin listener (the gateway's)."""
        admin_env = BY_NAME[self.name].admin_port_env
        assert admin_env, f"{self.name} has no admin listener"
        return f"http://127.0.0.1:{self.env[admin_env]}"

    def wait_answering(self, path: str = "/health/ready", timeout_s: float = 60) -> httpx.Response:
        """The first answer to GET `path` (any status), failing if the process dies first."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.process.returncode}")
            try:
                return httpx.get(self.base_url + path, timeout=5)
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError(f"{self.name} did not answer {path} within {timeout_s}s")

    def wait_ready(self, timeout_s: float = 60) -> httpx.Response:
        """Wait until GET /health/ready answers 200."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            answer = self.wait_answering(timeout_s=max(1.0, deadline - time.monotonic()))
            if answer.status_code == 200:
                return answer
            time.sleep(0.2)
        raise AssertionError(f"{self.name} not ready within {timeout_s}s")

    def stop(self) -> None:
        """Kill the process if it still runs."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


# The topics, consumer groups and keys of one test or module start with a prefix of their
# own, `t` and 10 hex digits; a test session deletes the topics this pattern matches at its end.
TEST_PREFIX = r"t[0-9a-f]{10}\."
# The same as a glob (Redis ACL key patterns: devstack lets each service's user reach its keys
# under any test prefix).
TEST_KEY_GLOB = "t??????????."


def new_prefix() -> str:
    """A fresh prefix for a test's (or a module's) topics, consumer groups and keys."""
    return f"t{uuid4().hex[:10]}."


@asynccontextmanager
async def client_of(service: ServiceProcess | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of `service` (of whole URLs when None) with no credentials of its own,
    deaf to the environment's proxies, waiting up to 30 s: every test's client of a process."""
    base_url = service.base_url if service else ""
    async with httpx.AsyncClient(base_url=base_url, trust_env=False, timeout=30) as client:
        yield client


# The credentials' table (.run/credentials.env) the service processes of a test session
# take their principal and Redis user from: the root conftest names it.
CREDENTIALS_FILE_ENV = "SHARELINKS_CREDENTIALS_FILE"


def credentials() -> dict[str, str]:
    """The test session's credentials' table (devstack's .run/credentials.env)."""
    lines = Path(os.environ[CREDENTIALS_FILE_ENV]).read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


@functools.cache
def _granted(name: str, topic_prefix: str, bootstrap_servers: str) -> None:
    table = credentials()
    spec = BY_NAME[name]
    KafkaGrants(operator_kafka(table, bootstrap_servers)).allow(
        table[f"{spec.env_prefix}_KAFKA_SASL_USERNAME"], kafka_grants(spec, topic_prefix)
    )


def infra_env(kafka_bootstrap: str, redis_url: str, prefix: str) -> dict[str, str]:
    """A service's environment in a test: development mode, real Kafka and Redis, one prefix
    for topics and keys (start_service adds the service's own credentials)."""
    return {
        "APP_ENV": "development",
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "REDIS_URL": redis_url,
        "TOPIC_PREFIX": prefix,
        "KEY_PREFIX": prefix,
        # The gateway reads temporary links only on these hosts: the emulator's.
        "DROPBOX_CONTENT_HOSTS": "localhost",
    }


def start_service(name: str, env: Mapping[str, str], log: Path | None = None) -> ServiceProcess:
    """Start service `name` with `env` over the caller's environment, as its own Kafka
    principal and Redis user (granted its ACLs on the topics of `env`'s TOPIC_PREFIX) unless
    `env` names others; on a free port unless `env` names one; its output appended to `log`
    if given (else the test's own)."""
    spec = BY_NAME[name]
    port = int(env.get(spec.port_env) or free_port())
    own = service_env(credentials(), spec)
    if "KAFKA_SASL_USERNAME" not in env:
        _granted(name, env.get("TOPIC_PREFIX", ""), env["KAFKA_BOOTSTRAP_SERVERS"])
    environment = {**os.environ, **own, **env, spec.port_env: str(port)}
    if spec.admin_port_env and not env.get(spec.admin_port_env):
        environment[spec.admin_port_env] = str(free_port())
    output = log.open("ab") if log else None
    try:
        # Under the hash-slot check: a script or transaction over two slots fails the test
        # here as it would fail on Redis Cluster.
        argv = [sys.executable, "-m", "service_kit.hash_slots", spec.module]
        process = subprocess.Popen(argv, env=environment, stdout=output, stderr=output)
    finally:
        if output:
            output.close()  # the child holds its own copy
    return ServiceProcess(name, process, f"http://127.0.0.1:{port}", environment)


def bearer(owner_id: str, *, name: str | None = None, email: str | None = None) -> dict[str, str]:
    """Headers of a producer's request, signed with the development JWT secret."""
    token = issue_producer_token(
        owner_id, DEV_JWT_SECRET, expires_at=unix_s(utc_now()) + 600, name=name, email=email
    )
    return {"Authorization": f"Bearer {token}"}


def internal_headers(caller: str) -> dict[str, str]:
    """Headers of an internal call by service `caller`, with its development token."""
    return {"X-Internal-Token": dev_internal_token(caller)}


def callback_body(callback: str) -> dict[str, str]:
    """The code and state of Dropbox's redirect back to the console, as the console POSTs
    them to dropbox-service's `/v1/dropbox/callback` (DESIGN §7)."""
    query = dict(httpx.URL(callback).params)
    return {"code": query.get("code", ""), "state": query.get("state", "")}


def finish_dropbox_flow(dropbox_url: str, owner_id: str, callback: str) -> httpx.Response:
    """What the console does with Dropbox's redirect back to it: POST the code and state to
    dropbox-service as the signed-in producer `owner_id` (DESIGN §7)."""
    body = callback_body(callback)
    return httpx.post(f"{dropbox_url}/v1/dropbox/callback", json=body, headers=bearer(owner_id))


def problem_of(answer: httpx.Response) -> tuple[int, str]:
    """An error answer's status and problem `code`, once it is problem+json saying it in
    words too (DESIGN §15)."""
    assert answer.headers.get("content-type") == "application/problem+json", answer.text
    problem = answer.json()
    assert problem["status"] == answer.status_code and problem["detail"], problem
    assert problem["type"] == f"/problems/{problem['code']}", problem
    return answer.status_code, problem["code"]


class SteppingClock:
    """A clock for a service built in-process: one millisecond later at each reading, from
    `start`, so that every write has its own time and "newest first" is exact."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.readings = 0

    def __call__(self) -> datetime:
        self.readings += 1
        return self.start + timedelta(milliseconds=self.readings)


class MovableClock:
    """The wall clock, moved forward by `advance` (to age something without waiting)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return utc_now() + self.offset

    def advance(self, seconds: float) -> None:
        """Move the clock `seconds` on."""
        self.offset += timedelta(seconds=seconds)


class Hosts(httpx.AsyncBaseTransport):
    """A network of services built in-process: a request goes to the ASGI app of its URL's
    host (`{"link.test": app}`), with real HTTP semantics; an unknown host is not there."""

    def __init__(self, apps: Mapping[str, ASGIApp]) -> None:
        self.hosts = {host: httpx.ASGITransport(app=app) for host, app in apps.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport = self.hosts.get(request.url.host)
        if transport is None:
            raise httpx.ConnectError(f"no service at {request.url.host}", request=request)
        return await transport.handle_async_request(request)


def stale_documents(docs: Path, expected: Mapping[str, str], rewrite: bool) -> list[str]:
    """The files of `expected` (name -> text) that `docs` lacks or holds otherwise, after
    writing them all there first when `rewrite` (how `make contracts-snapshot` renews them)."""
    if rewrite:
        docs.mkdir(exist_ok=True)
        for file, text in expected.items():
            (docs / file).write_text(text)
    return [
        f
        for f, text in expected.items()
        if not (docs / f).is_file() or (docs / f).read_text() != text
    ]
