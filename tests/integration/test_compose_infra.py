"""docker-compose.yml's Kafka and Redis as they start there, run here: their start scripts
(deploy/compose) on Kafka's real jars and Debian's redis-server, then the compose `grants`
job (`python -m service_kit.grants apply`), then the services' principals over TLS.

No Docker engine runs here (DESIGN §2): this is how the scripts, the certificate they make
and the grants job are known to work. The image's own kafka-*.sh are replaced by two lines
that run the same classes with devstack's jars."""

import os
import socket
import ssl
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import TopicAuthorizationFailedError
from contracts import topics
from devstack import kafka as devstack_kafka
from devstack.procs import port_answers
from messaging.kafka import KafkaAccess, ensure_topics
from messaging.testing import wait_until_sync
from service_kit.testing import credentials, free_port

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
KAFKA_START = ROOT / "deploy" / "compose" / "kafka" / "start.sh"
REDIS_START = ROOT / "deploy" / "compose" / "redis" / "start.sh"
STARTED_S = 90.0
# The test session's passwords (devstack's .run/credentials.env), as .env would hold them.
TABLE = credentials()


@dataclass
class Infra:
    kafka_port: int
    redis_port: int
    home: Path
    kafka: subprocess.Popen[bytes] | None = None
    redis: subprocess.Popen[bytes] | None = None

    @property
    def ca_file(self) -> str:
        return str(self.home / "ca" / "ca.pem")

    def access(self, user: str, password: str) -> KafkaAccess:
        return KafkaAccess(f"localhost:{self.kafka_port}", "SASL_SSL", user, password, self.ca_file)

    def redis_url(self, user: str, password: str) -> str:
        return f"redis://{user}:{password}@127.0.0.1:{self.redis_port}/0"

    def start_kafka(self) -> None:
        environment = {
            "PATH": os.environ["PATH"],
            "KAFKA_BIN": str(_kafka_bin(self.home)),
            "KAFKA_DATA_DIR": str(self.home / "data"),
            "KAFKA_SECRETS_DIR": str(self.home / "secrets"),
            "KAFKA_CA_DIR": str(self.home / "ca"),
            "KAFKA_ADVERTISED_HOST": "localhost",
            "KAFKA_PORT": str(self.kafka_port),
            "KAFKA_CONTROLLER_PORT": str(free_port()),
            "KAFKA_CLUSTER_ID": "kQfdHn4xTuO5SBYm5RkaVw",
            "KAFKA_OPERATOR_PASSWORD": TABLE["KAFKA_OPERATOR_PASSWORD"],
        }
        log = self.home / "kafka.log"
        offset = log.stat().st_size if log.exists() else 0
        with log.open("ab") as output:
            self.kafka = subprocess.Popen(
                ["sh", str(KAFKA_START)], env=environment, stdout=output, stderr=output
            )

        def started() -> bool:  # as devstack waits for its own brokers
            return devstack_kafka.STARTED_MESSAGE.encode() in log.read_bytes()[offset:]

        _wait_for(started, self.kafka_port, self.kafka, log)

    def start_redis(self) -> None:
        environment = {
            "PATH": os.environ["PATH"],
            "REDIS_OPERATOR_PASSWORD": TABLE["REDIS_OPERATOR_PASSWORD"],
            "REDIS_ACL_FILE": str(self.home / "users.acl"),
        }
        arguments = ["--port", str(self.redis_port), "--bind", "127.0.0.1", "--dir", str(self.home)]
        log = self.home / "redis.log"
        with log.open("ab") as output:
            self.redis = subprocess.Popen(
                ["sh", str(REDIS_START), "--appendonly", "yes", *arguments],
                env=environment,
                stdout=output,
                stderr=output,
            )
        _wait_for(lambda: True, self.redis_port, self.redis, log)

    def stop(self) -> None:
        for process in (self.kafka, self.redis):
            if process and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)


def _kafka_bin(home: Path) -> Path:
    """kafka-storage.sh and kafka-server-start.sh as the image has them, on devstack's jars."""
    jars = devstack_kafka.fetch_jars()
    log4j = home / "log4j2.properties"
    log4j.write_text(devstack_kafka.LOG4J2_PROPERTIES)
    run = f'exec java -Xmx512m -Dlog4j2.configurationFile={log4j} -cp "{jars}/*"'
    folder = home / "bin"
    folder.mkdir(exist_ok=True)
    for name, main in (
        ("kafka-storage.sh", "kafka.tools.StorageTool"),
        ("kafka-server-start.sh", "kafka.Kafka"),
    ):
        (folder / name).write_text(f'#!/bin/sh\n{run} {main} "$@"\n')
        (folder / name).chmod(0o755)
    return folder


def _wait_for(
    started: Callable[[], bool], port: int, process: subprocess.Popen[bytes], log: Path
) -> None:
    """Until the start script's server is up (`started`, and its port answers), or exited."""
    wait_until_sync(
        lambda: process.poll() is not None or (started() and port_answers(port)),
        timeout_s=STARTED_S,
        interval_s=0.3,
        message=lambda: f"the server of {log.name} to start:\n{log.read_text()}",
    )
    if process.poll() is not None:
        pytest.fail(f"{log.name}: the start script exited {process.returncode}:\n{log.read_text()}")


def _grants(infra: Infra, *arguments: str, **extra: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **TABLE,  # every service's username and password, by the names compose gives them
        "PATH": os.environ["PATH"],
        "KAFKA_BOOTSTRAP_SERVERS": f"localhost:{infra.kafka_port}",
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "KAFKA_SSL_CAFILE": infra.ca_file,
        "REDIS_OPERATOR_URLS": infra.redis_url("operator", TABLE["REDIS_OPERATOR_PASSWORD"]),
        **extra,
    }
    return subprocess.run(
        [sys.executable, "-m", "service_kit.grants", *arguments],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def infra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Infra]:
    started = Infra(free_port(), free_port(), tmp_path_factory.mktemp("compose-infra"))
    try:
        started.start_kafka()
        started.start_redis()
        applied = _grants(started, "apply")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        yield started
    finally:
        started.stop()


def _link_service(infra: Infra) -> KafkaAccess:
    return infra.access("link-service", TABLE["LINK_SERVICE_KAFKA_SASL_PASSWORD"])


async def _produces(access: KafkaAccess, topic: str) -> bool:
    producer = AIOKafkaProducer(**access.client_options(), enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"{}")
        return True
    except TopicAuthorizationFailedError:
        return False
    finally:
        await producer.stop()


# The healthcheck's kafka-broker-api-versions.sh is a Java admin client reading the
# operator.properties the script wrote: one with the same configuration.
HEALTHCHECK_CLIENT = """
import java.io.FileReader;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;

public class Check {
    public static void main(String[] args) throws Exception {
        Properties config = new Properties();
        config.load(new FileReader(args[1]));
        config.put("bootstrap.servers", args[0]);
        try (Admin admin = Admin.create(config)) {
            System.out.println("nodes " + admin.describeCluster().nodes().get());
        }
    }
}
"""


def test_the_healthchecks_client_configuration_signs_in_the_operator(infra: Infra):
    source = infra.home / "Check.java"
    source.write_text(HEALTHCHECK_CLIENT)
    checked = subprocess.run(
        [
            "java",
            "-cp",
            f"{devstack_kafka.fetch_jars()}/*",
            str(source),
            f"localhost:{infra.kafka_port}",
            str(infra.home / "secrets" / "operator.properties"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "nodes [localhost:" in checked.stdout


def test_the_broker_certificate_passes_strict_verification_for_its_compose_name(infra: Infra):
    # Python 3.13 verifies strictly by default: the CA and certificate keytool made must pass.
    context = ssl.create_default_context(cafile=infra.ca_file)
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    with socket.create_connection(("127.0.0.1", infra.kafka_port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            names = [value for kind, value in tls.getpeercert()["subjectAltName"] if kind == "DNS"]
    assert set(names) == {"localhost"}  # KAFKA_ADVERTISED_HOST, here as in compose ("kafka")


async def test_a_service_principal_writes_its_topics_over_tls_and_no_other(infra: Infra):
    link_service = _link_service(infra)
    operator = infra.access("operator", TABLE["KAFKA_OPERATOR_PASSWORD"])
    # As at a service's start: it provisions its own topics; the gateway's exists too.
    await ensure_topics(link_service, [topics.SHARE_CREATED], partitions=1, replication_factor=1)
    await ensure_topics(operator, [topics.SHARE_VIEWED], partitions=1, replication_factor=1)

    assert await _produces(link_service, topics.SHARE_CREATED)
    assert not await _produces(link_service, topics.SHARE_VIEWED)  # the gateway's topic


async def test_a_reader_of_another_system_is_let_in_with_the_grants_command(infra: Infra):
    link_service = _link_service(infra)
    await ensure_topics(link_service, [topics.SHARE_CREATED], partitions=1, replication_factor=1)
    assert await _produces(link_service, topics.SHARE_CREATED)
    granted = _grants(
        infra,
        "reader",
        "--user",
        "crm",
        "--group",
        "crm",
        topics.SHARE_CREATED,
        CRM_KAFKA_SASL_PASSWORD="crm-password-0123456789",
    )
    assert granted.returncode == 0, granted.stdout + granted.stderr

    consumer = AIOKafkaConsumer(
        topics.SHARE_CREATED,
        **infra.access("crm", "crm-password-0123456789").client_options(),
        group_id="crm",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=10_000)
        await consumer.commit()
    finally:
        await consumer.stop()
    assert sum(len(records) for records in batch.values()) >= 1


def test_redis_answers_nobody_without_a_password_and_each_user_its_own_keys(infra: Infra):
    with redis.Redis(port=infra.redis_port) as anonymous:
        with pytest.raises(redis.AuthenticationError):
            anonymous.get("link-service:x")
    url = infra.redis_url("link-service", TABLE["LINK_SERVICE_REDIS_PASSWORD"])
    with redis.Redis.from_url(url) as link_service:
        assert link_service.set("link-service:x", "1")
        with pytest.raises(redis.exceptions.NoPermissionError):
            link_service.get("gateway:x")


async def test_a_restart_keeps_the_certificate_the_users_and_the_data(infra: Infra):
    ca_before = Path(infra.ca_file).read_bytes()
    url = infra.redis_url("link-service", TABLE["LINK_SERVICE_REDIS_PASSWORD"])
    with redis.Redis.from_url(url) as link_service:
        link_service.set("link-service:kept", "1")
        # The services write in transactions, which the AOF replays at start.
        link_service.pipeline(transaction=True).set("link-service:in-multi", "1").execute()
    infra.stop()
    infra.start_kafka()
    infra.start_redis()

    assert Path(infra.ca_file).read_bytes() == ca_before, "clients keep trusting the broker"
    assert await _produces(_link_service(infra), topics.SHARE_CREATED)
    with redis.Redis.from_url(url) as link_service:
        assert link_service.get("link-service:kept") == b"1", "the grants job's users were saved"
        assert link_service.get("link-service:in-multi") == b"1", "a MULTI/EXEC was replayed"
