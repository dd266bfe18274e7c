"""Local Apache Kafka from Maven Central jars, in KRaft mode: one node (broker and
controller), or with CLUSTER=1 three such nodes forming the controller quorum (DESIGN §14:
brokers on 9092–9094, their controllers on 9192–9194; replication factor 3 and
min.insync.replicas=2)."""

import base64
import shutil
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from devstack import cluster, procs
from devstack.paths import DevstackError, cache_dir

# docker-compose.yml runs apache/kafka:<KAFKA_VERSION>; a test keeps the two equal.
KAFKA_VERSION = "4.1.1"
NAME = "kafka"
STARTED_MESSAGE = "Kafka Server started"

_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.devstack</groupId>
  <artifactId>kafka-libs</artifactId>
  <version>{version}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>{version}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>2.24.3</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>2.24.3</version>
    </dependency>
  </dependencies>
  <build><plugins><plugin>
    <groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version>
  </plugin></plugins></build>
</project>
"""

# Warnings only, except the line that tells us the server is up.
LOG4J2_PROPERTIES = """\
appender.console.type=Console
appender.console.name=STDOUT
appender.console.layout.type=PatternLayout
appender.console.layout.pattern=[%d] %p %m (%c)%n
rootLogger.level=warn
rootLogger.appenderRef.stdout.ref=STDOUT
logger.started.name=kafka.server.KafkaRaftServer
logger.started.level=info
"""


@dataclass(frozen=True)
class Node:
    """One Kafka process: its name for procs, KRaft node id, ports and data folder."""

    name: str
    node_id: int
    broker_port: int
    controller_port: int
    home: Path


def port() -> int:
    """The (first) broker's port: KAFKA_PORT, default 9092."""
    return procs.env_port("KAFKA_PORT", 9092)


def controller_port() -> int:
    """The single node's KRaft controller port: KAFKA_CONTROLLER_PORT, default 9093."""
    return procs.env_port("KAFKA_CONTROLLER_PORT", 9093)


def nodes(of_cluster: bool | None = None) -> list[Node]:
    """The nodes to run: one, or three with CLUSTER=1 (brokers on consecutive ports from
    KAFKA_PORT, each controller 100 above its broker); `of_cluster` overrides CLUSTER."""
    if not (cluster.enabled() if of_cluster is None else of_cluster):
        return [Node(NAME, 1, port(), controller_port(), _home())]
    return [
        Node(f"{NAME}-{n}", n, port() + n - 1, port() + n + 99, _home() / "cluster" / f"node-{n}")
        for n in (1, 2, 3)
    ]


def address() -> str:
    """The bootstrap address clients use (every broker's, on a cluster)."""
    return ",".join(f"127.0.0.1:{node.broker_port}" for node in nodes())


def server_properties(node: Node, voters: list[Node]) -> str:
    """A KRaft node that is broker and controller; topics are never created implicitly.
    With three voters, internal topics are replicated three times and a write needs two."""
    replicas, in_sync = ("3", "2") if len(voters) == 3 else ("1", "1")
    quorum = ",".join(f"{v.node_id}@127.0.0.1:{v.controller_port}" for v in voters)
    settings = {
        "process.roles": "broker,controller",
        "node.id": str(node.node_id),
        "controller.quorum.voters": quorum,
        "listeners": f"PLAINTEXT://127.0.0.1:{node.broker_port},"
        f"CONTROLLER://127.0.0.1:{node.controller_port}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{node.broker_port}",
        "inter.broker.listener.name": "PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(node.home / "data"),
        "num.partitions": "1",
        "default.replication.factor": replicas,
        "min.insync.replicas": in_sync,
        "offsets.topic.replication.factor": replicas,
        "transaction.state.log.replication.factor": replicas,
        "transaction.state.log.min.isr": in_sync,
        "share.coordinator.state.topic.replication.factor": replicas,
        "share.coordinator.state.topic.min.isr": in_sync,
        "group.initial.rebalance.delay.ms": "0",
        "auto.create.topics.enable": "false",
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


def cluster_id(path: Path) -> str:
    """The cluster id kept at `path`, made there if missing (base64url UUID, no padding)."""
    if path.is_file():
        return path.read_text().strip()
    new_id = "-"
    while new_id.startswith("-"):  # as Kafka's own Uuid.randomUuid: never read as an option
        new_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new_id + "\n")
    return new_id


def _home() -> Path:
    return cache_dir() / "kafka"


def _require(tool: str, package: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise DevstackError(f"`{tool}` is not installed: install it (apt-get install -y {package})")
    return found


def fetch_jars() -> Path:
    """The folder of Kafka's jars, fetched with Maven into .cache on first use."""
    home = _home() / KAFKA_VERSION
    lib = home / "lib"
    if lib.is_dir():
        return lib
    mvn = _require("mvn", "maven")
    home.mkdir(parents=True, exist_ok=True)
    (home / "pom.xml").write_text(_POM.format(version=KAFKA_VERSION))
    partial = home / "lib.partial"
    shutil.rmtree(partial, ignore_errors=True)
    print(
        f"devstack: fetching Apache Kafka {KAFKA_VERSION} jars from Maven Central into {lib}",
        flush=True,
    )
    command = [
        mvn,
        "-B",
        "-f",
        str(home / "pom.xml"),
        f"-Dmaven.repo.local={cache_dir() / 'm2'}",
        "-Dstyle.color=never",
        "dependency:copy-dependencies",
        "-DincludeScope=runtime",
        f"-DoutputDirectory={partial}",
    ]
    if subprocess.run(command, check=False).returncode != 0:
        raise DevstackError(
            "Maven could not fetch Kafka's jars (output above); check access to Maven Central"
        )
    partial.rename(lib)
    return lib


def _cluster_id_file() -> Path:
    return _home() / ("cluster" if cluster.enabled() else "") / "cluster-id"


def _write_config(node: Node, voters: list[Node]) -> tuple[Path, Path]:
    node.home.mkdir(parents=True, exist_ok=True)
    config = node.home / "server.properties"
    config.write_text(server_properties(node, voters))
    log4j = node.home / "log4j2.properties"
    log4j.write_text(LOG4J2_PROPERTIES)
    return config, log4j


def _format_storage(java: str, lib: Path, node: Node, config: Path, log4j: Path) -> None:
    if (node.home / "data" / "meta.properties").is_file():
        return
    command = [
        java,
        "-cp",
        f"{lib}/*",
        f"-Dlog4j2.configurationFile={log4j}",
        "kafka.tools.StorageTool",
        "format",
        # `=`: an id kept from before may start with "-"
        f"--cluster-id={cluster_id(_cluster_id_file())}",
        "-c",
        str(config),
        "--ignore-formatted",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise DevstackError(
            f"formatting Kafka's storage failed:\n{result.stdout}{result.stderr}"
            f"Delete {node.home / 'data'} and {_cluster_id_file()} to start afresh."
        )


def is_ready() -> bool:
    """Whether something answers on every broker's port."""
    return all(procs.port_answers(node.broker_port) for node in nodes())


def _log_says_started(node: Node, offset: int) -> bool:
    with procs.log_file(node.name).open("rb") as log:
        log.seek(offset)
        return STARTED_MESSAGE.encode() in log.read()


def _up(node: Node, log_offset: int) -> bool:
    return _log_says_started(node, log_offset) and procs.port_answers(node.broker_port)


def ensure_running(timeout: float = 90.0) -> procs.Running:
    """Start every node that does not answer; return the address and whether we started any."""
    other = [n.name for n in nodes(not cluster.enabled()) if procs.read_pid(n.name) is not None]
    if other:
        raise DevstackError(
            f"Kafka runs {'as one node' if cluster.enabled() else 'as a cluster'} here "
            f"({', '.join(other)}): stop it first with `make down`"
        )
    down = [node for node in nodes() if not procs.port_answers(node.broker_port)]
    if not down:
        pids = {procs.read_pid(node.name) for node in nodes()}
        owner = "devstack's" if None not in pids else "not all started by devstack"
        print(f"devstack: Kafka already answers on {address()} ({owner}); reusing it")
        return procs.Running(address(), started=False)
    to_start = [node for node in down if procs.read_pid(node.name) is None]
    for node in down:
        if node not in to_start:
            print(f"devstack: Kafka node {node.node_id} is starting; waiting for it")
    _start(to_start, timeout)
    for node in down:
        procs.wait_until(node.name, partial(procs.port_answers, node.broker_port), None, timeout)
    return procs.Running(address(), started=bool(to_start))


def _start(to_start: list[Node], timeout: float) -> None:
    """Spawn every node first (a quorum needs two of three up), then wait for each."""
    java = _require("java", "openjdk-17-jre-headless")
    lib = fetch_jars()
    offsets = {}
    for node in to_start:
        if procs.port_answers(node.controller_port):
            raise DevstackError(
                f"port {node.controller_port} is taken, and Kafka's controller needs it: "
                "set KAFKA_CONTROLLER_PORT (one node) or KAFKA_PORT (a cluster) to free ports"
            )
        config, log4j = _write_config(node, nodes())
        _format_storage(java, lib, node, config, log4j)
        log = procs.log_file(node.name)
        offsets[node] = log.stat().st_size if log.exists() else 0
        print(
            f"devstack: starting Kafka {KAFKA_VERSION} on 127.0.0.1:{node.broker_port} (log: {log})"
        )
        procs.spawn(node.name, _command(java, lib, config, log4j))
    for node in to_start:
        up = partial(_up, node, offsets[node])
        procs.wait_until(node.name, up, procs.last_pid(node.name), timeout)
    print(f"devstack: Kafka is ready on {address()}")


def _command(java: str, lib: Path, config: Path, log4j: Path) -> list[str]:
    heap = "-Xmx512m" if cluster.enabled() else "-Xmx1g"  # three of them share the machine
    return [
        java,
        "-Xms256m",
        heap,
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={log4j}",
        "-cp",
        f"{lib}/*",
        "kafka.Kafka",
        str(config),
    ]


def kill(node_id: int) -> None:
    """SIGKILL one node (fault tests); `ensure_running` brings it back."""
    [node] = [node for node in nodes() if node.node_id == node_id]
    procs.stop(node.name, hard=True)
    print(f"devstack: killed Kafka node {node_id}")


def stop() -> bool:
    """Stop every node devstack started, one or a cluster; False when there was none."""
    names = [node.name for node in (*nodes(of_cluster=False), *nodes(of_cluster=True))]
    # All at once: a node stopped after the others lost the quorum waits for it until killed.
    with ThreadPoolExecutor(len(names)) as pool:
        stopped = list(pool.map(partial(procs.stop, timeout=30.0), names))
    if any(stopped):
        print("devstack: stopped Kafka")
    return any(stopped)
