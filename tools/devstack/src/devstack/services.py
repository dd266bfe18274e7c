"""Our Python services as local processes: the table, their environment, start, readiness, stop."""

import ssl
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

from service_kit import services as service_kit
from service_kit.grants import service_env as credentials_of
from service_kit.services import BY_NAME, ServiceSpec

from devstack import cluster, credentials, procs
from devstack.paths import cache_dir


@dataclass(frozen=True)
class Service:
    """A process run as `python -m <module>` that answers HTTP on the port named by `port_env`."""

    name: str
    module: str
    port_env: str
    default_port: int
    ready_path: str = "/health/ready"
    tls: bool = False  # HTTPS with the Dropbox emulator's CA

    def port(self, env: Mapping[str, str]) -> int:
        """Its port: `port_env` from `env`, else the default."""
        return int(env.get(self.port_env, self.default_port))

    def url(self, env: Mapping[str, str]) -> str:
        """Its base URL."""
        if self.tls:
            return f"https://localhost:{self.port(env)}"
        return f"http://127.0.0.1:{self.port(env)}"

    def argv(self) -> list[str]:
        """The command line that starts it with this interpreter."""
        return [sys.executable, "-m", self.module]

    @classmethod
    def of(cls, spec: ServiceSpec) -> "Service":
        """One of the repository's services (service_kit's table)."""
        return cls(spec.name, spec.module, spec.port_env, spec.default_port)


EMULATOR = Service(
    "dropbox-emulator",
    "dropbox_emulator",
    "DROPBOX_EMULATOR_PORT",
    8443,
    ready_path="/_emulator/health",
    tls=True,
)

SMTP_SINK = Service("smtp-sink", "smtp_sink", "SMTP_SINK_WEB_PORT", 8025, ready_path="/health")
# The development tools first, then the repository's services.
SERVICES: tuple[Service, ...] = (EMULATOR, SMTP_SINK, *map(Service.of, service_kit.SERVICES))


def cluster_env() -> dict[str, str]:
    """What a service needs on the cluster (CLUSTER=1): the cluster client, topics replicated
    three times, and outbox shards spread over the three primaries; {} otherwise."""
    if not cluster.enabled():
        return {}
    return {"REDIS_CLUSTER": "true", "KAFKA_REPLICATION_FACTOR": "3", "OUTBOX_SHARDS": "6"}


def service_env(caller: Mapping[str, str], kafka_bootstrap: str, redis_url: str) -> dict[str, str]:
    """The services' environment: devstack's defaults, overridden by whatever the caller set."""
    # Development mode is only on when asked for (service_kit.settings): devstack asks.
    defaults = {
        "APP_ENV": "development",
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "REDIS_URL": redis_url,
    }
    defaults.update(cluster_env())
    defaults.update({s.port_env: str(s.default_port) for s in SERVICES})
    emulator_ca = str(cache_dir() / "dropbox-emulator" / "ca.pem")
    emulator_host = f"localhost:{EMULATOR.port({**defaults, **caller})}"
    # dropbox-service's SDK talks to the emulator (hosts read by the SDK at import).
    defaults.update(
        DROPBOX_EMULATOR_CA_FILE=emulator_ca,
        DROPBOX_CA_FILE=emulator_ca,
        DROPBOX_CONTENT_HOSTS="localhost",  # the gateway's: temporary links are the emulator's
        DROPBOX_API_HOST=emulator_host,
        DROPBOX_API_CONTENT_HOST=emulator_host,
        DROPBOX_WEB_HOST=emulator_host,
    )
    # notify-service mails the SMTP sink (its SMTP side; the row's port is its web view).
    defaults.update(SMTP_HOST="127.0.0.1", SMTP_PORT=caller.get("SMTP_SINK_PORT", "1025"))
    return {**defaults, **caller}


def is_ready(service: Service, env: Mapping[str, str]) -> bool:
    """Whether GET <ready_path> answers 200."""
    context = None
    try:
        if service.tls:
            context = ssl.create_default_context(cafile=env["DROPBOX_EMULATOR_CA_FILE"])
        url = service.url(env) + service.ready_path
        with urllib.request.urlopen(url, timeout=2.0, context=context) as response:
            return int(response.status) == 200
    except (urllib.error.URLError, OSError, KeyError):
        return False


def start(service: Service, env: Mapping[str, str]) -> bool:
    """Start the service unless it answers or is starting; True when this call started it."""
    if is_ready(service, env):
        print(f"devstack: {service.name} already answers at {service.url(env)}")
        return False
    if procs.read_pid(service.name) is not None:
        print(f"devstack: {service.name} is starting; waiting for it")
        return False
    if procs.port_answers(service.port(env)):
        print(f"devstack: port {service.port(env)} is taken; {service.name} will likely fail")
    print(f"devstack: starting {service.name} on port {service.port(env)}")
    # Each service as its own Kafka principal and Redis user (DESIGN §19).
    spec = BY_NAME.get(service.name)
    own = credentials_of(credentials.ensure(), spec) if spec else {}
    procs.spawn(service.name, service.argv(), {**env, **own})
    return True


def wait_ready(service: Service, env: Mapping[str, str], timeout: float) -> None:
    """Wait until the service answers ready; on failure the error carries its log's tail."""
    pid = procs.last_pid(service.name)
    procs.wait_until(service.name, lambda: is_ready(service, env), pid, timeout)


def stop(service: Service) -> bool:
    """Stop the service devstack started; False when there was none."""
    stopped = procs.stop(service.name)
    if stopped:
        print(f"devstack: stopped {service.name}")
    return stopped
