"""One local Apache Kafka node (KRaft, broker and controller), from Maven Central jars."""

import base64
import shutil
import subprocess
import uuid
from pathlib import Path

from devstack import procs
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


def port() -> int:
    """The broker's port: KAFKA_PORT, default 9092."""
    return procs.env_port("KAFKA_PORT", 9092)


def controller_port() -> int:
    """The KRaft controller's port: KAFKA_CONTROLLER_PORT, default 9093."""
    return procs.env_port("KAFKA_CONTROLLER_PORT", 9093)


def address() -> str:
    """The bootstrap address clients use."""
    return f"127.0.0.1:{port()}"


def server_properties(broker_port: int, ctl_port: int, data_dir: Path) -> str:
    """A single-node KRaft configuration; topics are never created implicitly."""
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@127.0.0.1:{ctl_port}",
        "listeners": f"PLAINTEXT://127.0.0.1:{broker_port},CONTROLLER://127.0.0.1:{ctl_port}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{broker_port}",
        "inter.broker.listener.name": "PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(data_dir),
        "num.partitions": "1",
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
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


def _write_config() -> tuple[Path, Path]:
    home = _home()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "server.properties"
    config.write_text(server_properties(port(), controller_port(), home / "data"))
    log4j = home / "log4j2.properties"
    log4j.write_text(LOG4J2_PROPERTIES)
    return config, log4j


def _format_storage(java: str, lib: Path, config: Path, log4j: Path) -> None:
    if (_home() / "data" / "meta.properties").is_file():
        return
    command = [
        java,
        "-cp",
        f"{lib}/*",
        f"-Dlog4j2.configurationFile={log4j}",
        "kafka.tools.StorageTool",
        "format",
        # `=`: an id kept from before may start with "-"
        f"--cluster-id={cluster_id(_home() / 'cluster-id')}",
        "-c",
        str(config),
        "--ignore-formatted",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise DevstackError(
            f"formatting Kafka's storage failed:\n{result.stdout}{result.stderr}"
            f"Delete {_home() / 'data'} and {_home() / 'cluster-id'} to start afresh."
        )


def is_ready() -> bool:
    """Whether something answers on the broker's port."""
    return procs.port_answers(port())


def _log_says_started(offset: int) -> bool:
    with procs.log_file(NAME).open("rb") as log:
        log.seek(offset)
        return STARTED_MESSAGE.encode() in log.read()


def ensure_running(timeout: float = 90.0) -> procs.Running:
    """Start the broker unless one answers already; return its address and whether we started it."""
    pid = procs.read_pid(NAME)
    if is_ready():
        owner = f"devstack's, pid {pid}" if pid else "not started by devstack"
        print(f"devstack: Kafka already answers on {address()} ({owner}); reusing it")
        return procs.Running(address(), started=False)
    if pid is not None:
        print(f"devstack: Kafka (pid {pid}) is starting; waiting for it")
        procs.wait_until(NAME, is_ready, pid, timeout)
        return procs.Running(address(), started=False)
    _start(timeout)
    return procs.Running(address(), started=True)


def _start(timeout: float) -> None:
    if procs.port_answers(controller_port()):
        raise DevstackError(
            f"port {controller_port()} is taken, and Kafka's controller needs it: "
            "set KAFKA_CONTROLLER_PORT to a free port"
        )
    java = _require("java", "openjdk-17-jre-headless")
    lib = fetch_jars()
    config, log4j = _write_config()
    _format_storage(java, lib, config, log4j)
    log = procs.log_file(NAME)
    offset = log.stat().st_size if log.exists() else 0
    print(f"devstack: starting Kafka {KAFKA_VERSION} on {address()} (log: {log})")
    command = [
        java,
        "-Xms256m",
        "-Xmx1g",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={log4j}",
        "-cp",
        f"{lib}/*",
        "kafka.Kafka",
        str(config),
    ]
    pid = procs.spawn(NAME, command)
    procs.wait_until(NAME, lambda: _log_says_started(offset) and is_ready(), pid, timeout)
    print(f"devstack: Kafka is ready on {address()}")


def stop() -> bool:
    """Stop the broker devstack started; False when there was none."""
    stopped = procs.stop(NAME, timeout=30.0)
    if stopped:
        print("devstack: stopped Kafka")
    return stopped
