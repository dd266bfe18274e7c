"""Local Apache Kafka from Maven Central jars, in KRaft mode: one node (broker and
controller), or with CLUSTER=1 three such nodes forming the controller quorum (DESIGN §14:
brokers on 9092–9094, their controllers on 9192–9194; replication factor 3 and
min.insync.replicas=2).

Every listener authenticates (DESIGN §19): clients and brokers with SCRAM-SHA-512 on the
broker listener, controllers with PLAIN on theirs (KRaft keeps SCRAM users in the metadata
the controllers serve, so they cannot use it themselves), both as the operator, Kafka's
only super user. The StandardAuthorizer refuses what no ACL allows; each service's user and
ACLs are applied at every start (service_kit.grants).
"""

import base64
import hashlib
import shutil
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from messaging.kafka import KafkaAccess
from service_kit.grants import KafkaGrants, operator_kafka

from devstack import cluster, credentials, procs
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


def server_properties(node: Node, voters: list[Node], operator_password: str) -> str:
    """A KRaft node that is broker and controller; topics are never created implicitly.
    With three voters, internal topics are replicated three times and a write needs two."""
    replicas, in_sync = ("3", "2") if len(voters) == 3 else ("1", "1")
    quorum = ",".join(f"{v.node_id}@127.0.0.1:{v.controller_port}" for v in voters)
    settings = {
        "process.roles": "broker,controller",
        "node.id": str(node.node_id),
        "controller.quorum.voters": quorum,
        "listeners": f"BROKER://127.0.0.1:{node.broker_port},"
        f"CONTROLLER://127.0.0.1:{node.controller_port}",
        "advertised.listeners": f"BROKER://127.0.0.1:{node.broker_port}",
        "inter.broker.listener.name": "BROKER",
        "controller.listener.names": "CONTROLLER",
        **security_properties(operator_password),
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


def security_properties(operator_password: str) -> dict[str, str]:
    """SCRAM on the broker listener, PLAIN on the controllers', both as the operator, and
    the StandardAuthorizer refusing what no ACL allows."""
    operator = f'username="{credentials.OPERATOR}" password="{operator_password}"'
    plain_users = f'user_{credentials.OPERATOR}="{operator_password}"'
    return {
        "listener.security.protocol.map": "CONTROLLER:SASL_PLAINTEXT,BROKER:SASL_PLAINTEXT",
        "sasl.mechanism.inter.broker.protocol": "SCRAM-SHA-512",
        "sasl.mechanism.controller.protocol": "PLAIN",
        "listener.name.broker.sasl.enabled.mechanisms": "SCRAM-SHA-512",
        "listener.name.broker.scram-sha-512.sasl.jaas.config": "org.apache.kafka.common."
        f"security.scram.ScramLoginModule required {operator};",
        "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
        "listener.name.controller.plain.sasl.jaas.config": "org.apache.kafka.common.security."
        f"plain.PlainLoginModule required {operator} {plain_users};",
        "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "super.users": f"User:{credentials.OPERATOR}",
        "allow.everyone.if.no.acl.found": "false",
    }


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


def _write_config(node: Node, voters: list[Node], password: str) -> tuple[Path, Path]:
    node.home.mkdir(parents=True, exist_ok=True)
    config = node.home / "server.properties"
    config.touch(mode=0o600)  # it holds the operator's password
    config.write_text(server_properties(node, voters, password))
    log4j = node.home / "log4j2.properties"
    log4j.write_text(LOG4J2_PROPERTIES)
    return config, log4j


def _auth_marker(node: Node) -> Path:
    """Which operator password the node's metadata holds (a digest): data formatted for
    another one, or before authentication, cannot be reached and is formatted afresh."""
    return node.home / "operator-digest"


def _digest(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


def _format_storage(
    java: str, lib: Path, node: Node, config: Path, log4j: Path, password: str
) -> None:
    marker = _auth_marker(node)
    formatted = (node.home / "data" / "meta.properties").is_file()
    if formatted and marker.is_file() and marker.read_text().strip() == _digest(password):
        return
    if formatted:
        print(
            f"devstack: Kafka's data in {node.home / 'data'} was made for other credentials "
            f"(or none: before {credentials.path()}); formatting it afresh"
        )
        shutil.rmtree(node.home / "data")
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
        # The operator's SCRAM user, in the metadata before any broker needs it.
        "--add-scram",
        f"SCRAM-SHA-512=[name={credentials.OPERATOR},password={password}]",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise DevstackError(
            f"formatting Kafka's storage failed:\n{result.stdout}{result.stderr}"
            f"Delete {node.home / 'data'} and {_cluster_id_file()} to start afresh."
        )
    marker.write_text(_digest(password) + "\n")


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
        grant_services()
        return procs.Running(address(), started=False)
    to_start = [node for node in down if procs.read_pid(node.name) is None]
    for node in down:
        if node not in to_start:
            print(f"devstack: Kafka node {node.node_id} is starting; waiting for it")
    _start(to_start, timeout)
    for node in down:
        procs.wait_until(node.name, partial(procs.port_answers, node.broker_port), None, timeout)
    grant_services()
    return procs.Running(address(), started=bool(to_start))


def grant_services() -> None:
    """Every service's SCRAM user and ACLs (DESIGN §19), as the operator."""
    try:
        KafkaGrants(operator_access()).allow_services(credentials.ensure())
    except Exception as error:  # confluent-kafka's KafkaException, or a timeout
        raise DevstackError(
            f"Kafka on {address()} refused the operator of {credentials.path()} ({error}): "
            "if another Kafka holds these ports, stop it; else `make down` and start again"
        ) from error


def operator_access() -> KafkaAccess:
    """Devstack's Kafka as the operator."""
    return operator_kafka(credentials.ensure(), address())


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
        password = credentials.ensure()["KAFKA_OPERATOR_PASSWORD"]
        config, log4j = _write_config(node, nodes(), password)
        _format_storage(java, lib, node, config, log4j, password)
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
