"""Who may touch what (DESIGN §19): each service's Kafka ACLs and Redis ACL rules, from the
table of service_kit.services, and applying them with the operator's credentials.

One place for devstack, the tests (a test's topics carry its prefix, so it grants its own
literal ACLs), docker-compose's and Kubernetes' `grants` job, and an operator letting a
consumer of another system in:

    python -m service_kit.grants apply
    python -m service_kit.grants reader --user crm --group crm share.created share.revoked

Credentials are read as `KEY=value` environment variables, the names of devstack's
.run/credentials.env: `KAFKA_OPERATOR_USERNAME`, `KAFKA_OPERATOR_PASSWORD`, and per service
`<SERVICE>_KAFKA_SASL_USERNAME`/`_PASSWORD` and `<SERVICE>_REDIS_USERNAME`/`_PASSWORD`.
Kafka is reached as the services reach it (`KAFKA_BOOTSTRAP_SERVERS`,
`KAFKA_SECURITY_PROTOCOL`, `KAFKA_SSL_CAFILE`); Redis at `REDIS_OPERATOR_URLS`, the
operator's URL of every node (one for a single Redis, each node of a Redis Cluster:
Redis keeps its users per node).
"""

import argparse
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import redis
from confluent_kafka.admin import (
    AclBinding,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialAlteration,
    UserScramCredentialUpsertion,
)
from messaging.kafka import SASL_MECHANISM, KafkaAccess
from messaging.settings import KafkaSettings

from service_kit.services import SERVICES, ServiceSpec

Resource = Literal["topic", "group"]
Operation = Literal["READ", "WRITE", "CREATE", "DESCRIBE"]
OPERATOR = "operator"
SCRAM_ITERATIONS = 8192


@dataclass(frozen=True, order=True)
class KafkaGrant:
    """One ALLOW ACL of a principal on a literal resource name."""

    resource: Resource
    name: str
    operation: Operation


def kafka_grants(spec: ServiceSpec, topic_prefix: str = "") -> list[KafkaGrant]:
    """What `spec`'s principal may do: write the topics it produces and the dead-letter
    topics of those it consumes, read those it consumes (in its consumer group), create
    and describe all of them (it provisions them at start), and nothing else."""
    grants = [KafkaGrant("topic", topic_prefix + name, "WRITE") for name in spec.writes]
    grants += [KafkaGrant("topic", topic_prefix + name, "READ") for name in spec.consumes]
    for name in spec.topics:
        grants += [
            KafkaGrant("topic", topic_prefix + name, "CREATE"),
            KafkaGrant("topic", topic_prefix + name, "DESCRIBE"),
        ]
    if spec.consumes and not spec.broadcast:
        group = topic_prefix + spec.name
        grants += [KafkaGrant("group", group, "READ"), KafkaGrant("group", group, "DESCRIBE")]
    return sorted(grants)


def reader_grants(names: Iterable[str], group: str, topic_prefix: str = "") -> list[KafkaGrant]:
    """What a consumer of another system needs to read topics `names` in consumer group
    `group`: read and describe those topics, and its group; nothing to write."""
    grants = [
        KafkaGrant("topic", topic_prefix + name, operation)
        for name in names
        for operation in ("READ", "DESCRIBE")
    ]
    return sorted(
        [*grants, KafkaGrant("group", group, "READ"), KafkaGrant("group", group, "DESCRIBE")]
    )


# The commands a service's Redis user may run: reading and writing its keys, streams (the
# outbox), MULTI/EXEC and WATCH, Lua scripts, and what a client does on its connection and
# to learn a cluster's slots; nothing of @dangerous (KEYS, FLUSHALL, CONFIG, ACL, DEBUG, …).
REDIS_COMMANDS = (
    "-@all",
    "+@read",
    "+@write",
    "+@stream",
    "+@transaction",
    "+@scripting",
    "+@connection",
    "-@dangerous",
    "+cluster|slots",
    "+cluster|shards",
    "+cluster|nodes",
    "+cluster|myid",
)


def redis_rules(spec: ServiceSpec, key_prefixes: Sequence[str] = ("",)) -> list[str]:
    """`spec`'s Redis ACL rules (after `reset`): its keys alone, `<KEY_PREFIX><name>:*` for
    each prefix given (a glob: devstack adds the test prefixes'), no Pub/Sub channel, and
    the commands of REDIS_COMMANDS."""
    keys = [f"~{prefix}{spec.name}:*" for prefix in key_prefixes]
    return [*keys, "resetchannels", *REDIS_COMMANDS]


class KafkaGrants:
    """Kafka's admin API as the operator (confluent-kafka: aiokafka has no ACL or SCRAM
    calls): SCRAM-SHA-512 users and literal ALLOW ACLs, both idempotent."""

    def __init__(self, operator: KafkaAccess) -> None:
        config: dict[str, str | int | float | bool] = {
            "bootstrap.servers": operator.bootstrap_servers,
            "security.protocol": operator.security_protocol,
        }
        if operator.security_protocol != "PLAINTEXT":
            config |= {
                "sasl.mechanism": SASL_MECHANISM,
                "sasl.username": operator.username or "",
                "sasl.password": operator.password or "",
            }
        if operator.ssl_cafile:
            config["ssl.ca.location"] = operator.ssl_cafile
        self.admin = AdminClient(config)

    def upsert_users(self, passwords: Mapping[str, str], timeout_s: float = 30.0) -> None:
        """Create each SCRAM user, or set its password."""
        info = ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS)
        changes: list[UserScramCredentialAlteration] = [
            UserScramCredentialUpsertion(user, info, password.encode())
            for user, password in passwords.items()
        ]
        if changes:
            for future in self.admin.alter_user_scram_credentials(changes).values():
                future.result(timeout=timeout_s)

    def allow(self, principal: str, grants: Sequence[KafkaGrant], timeout_s: float = 30.0) -> None:
        """Add `grants` for `User:<principal>` (an ACL already there stays as it is)."""
        resource_types = {"topic": ResourceType.TOPIC, "group": ResourceType.GROUP}
        bindings = [
            AclBinding(
                resource_types[grant.resource],
                grant.name,
                ResourcePatternType.LITERAL,
                f"User:{principal}",
                "*",
                AclOperation[grant.operation],
                AclPermissionType.ALLOW,
            )
            for grant in grants
        ]
        if bindings:
            for future in self.admin.create_acls(bindings).values():
                future.result(timeout=timeout_s)

    def allow_services(
        self,
        credentials: Mapping[str, str],
        topic_prefix: str = "",
        specs: Iterable[ServiceSpec] = SERVICES,
    ) -> None:
        """Every service's SCRAM user (from `credentials`) and ACLs for `topic_prefix`."""
        specs = list(specs)
        self.upsert_users(
            {
                credentials[f"{spec.env_prefix}_KAFKA_SASL_USERNAME"]: credentials[
                    f"{spec.env_prefix}_KAFKA_SASL_PASSWORD"
                ]
                for spec in specs
            }
        )
        for spec in specs:
            principal = credentials[f"{spec.env_prefix}_KAFKA_SASL_USERNAME"]
            self.allow(principal, kafka_grants(spec, topic_prefix))


class RedisGrants:
    """Redis's ACL users as the operator, on every node (Redis keeps ACLs per node, also in a
    cluster), saved to the node's ACL file so that a restart keeps them."""

    def __init__(self, node_urls: Sequence[str]) -> None:
        """`node_urls`: the operator's URL of every node (one for a single Redis)."""
        self.urls = list(node_urls)

    def upsert_user(self, user: str, password: str, rules: Sequence[str]) -> None:
        """Create `user`, or replace everything it may do, on every node."""
        for url in self.urls:
            with redis.Redis.from_url(url) as node:
                node.execute_command("ACL", "SETUSER", user, "reset", "on", f">{password}", *rules)
                node.execute_command("ACL", "SAVE")

    def allow_services(
        self,
        credentials: Mapping[str, str],
        key_prefixes: Sequence[str] = ("",),
        specs: Iterable[ServiceSpec] = SERVICES,
    ) -> None:
        """Every service's Redis user (from `credentials`), limited to its keys."""
        for spec in specs:
            self.upsert_user(
                credentials[f"{spec.env_prefix}_REDIS_USERNAME"],
                credentials[f"{spec.env_prefix}_REDIS_PASSWORD"],
                redis_rules(spec, key_prefixes),
            )


def service_env(credentials: Mapping[str, str], spec: ServiceSpec) -> dict[str, str]:
    """The environment of `spec`'s process naming its own principal and Redis user, from
    the credentials' table (.run/credentials.env's names)."""
    prefix = spec.env_prefix
    return {
        "KAFKA_SECURITY_PROTOCOL": credentials["KAFKA_SECURITY_PROTOCOL"],
        "KAFKA_SASL_USERNAME": credentials[f"{prefix}_KAFKA_SASL_USERNAME"],
        "KAFKA_SASL_PASSWORD": credentials[f"{prefix}_KAFKA_SASL_PASSWORD"],
        "REDIS_USERNAME": credentials[f"{prefix}_REDIS_USERNAME"],
        "REDIS_PASSWORD": credentials[f"{prefix}_REDIS_PASSWORD"],
    }


def operator_kafka(credentials: Mapping[str, str], bootstrap_servers: str) -> KafkaAccess:
    """Kafka at `bootstrap_servers` as the operator, who may do everything."""
    return KafkaAccess(
        bootstrap_servers,
        credentials["KAFKA_SECURITY_PROTOCOL"],  # type: ignore[arg-type]  # checked by KafkaAccess's users
        credentials["KAFKA_OPERATOR_USERNAME"],
        credentials["KAFKA_OPERATOR_PASSWORD"],
        credentials.get("KAFKA_SSL_CAFILE"),
    )


def main(argv: Sequence[str] | None = None) -> None:
    """The `python -m service_kit.grants` command."""
    args = _parser().parse_args(argv)
    settings = KafkaSettings(
        kafka_sasl_username=os.environ.get("KAFKA_OPERATOR_USERNAME", OPERATOR),
        kafka_sasl_password=os.environ.get("KAFKA_OPERATOR_PASSWORD"),
    )
    kafka = KafkaGrants(settings.kafka)
    if args.command == "reader":
        kafka.upsert_users({args.user: _password_of(args.user)})
        kafka.allow(args.user, reader_grants(args.topics, args.group, args.topic_prefix))
        print(f"grants: {args.user} may read {', '.join(args.topics)} in group {args.group}")
        return
    if not (redis_urls := os.environ.get("REDIS_OPERATOR_URLS")):
        raise SystemExit(
            "set REDIS_OPERATOR_URLS to the operator's URL of every Redis node, "
            "e.g. redis://operator:PASSWORD@redis:6379/0"
        )
    kafka.allow_services(os.environ, args.topic_prefix)
    nodes = redis_urls.split(",")
    RedisGrants(nodes).allow_services(os.environ)
    print(
        f"grants: Kafka users and ACLs, and Redis users on {len(nodes)} node(s), "
        f"of {len(SERVICES)} services applied"
    )


def _password_of(user: str) -> str:
    variable = f"{user.upper().replace('-', '_')}_KAFKA_SASL_PASSWORD"
    if not (password := os.environ.get(variable)):
        raise SystemExit(f"set {variable} to the password {user} will use")
    return password


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grants", description=__doc__.split("\n\n")[0])
    parser.add_argument("--topic-prefix", default="", help="TOPIC_PREFIX of the deployment")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("apply", help="every service's users and ACLs (idempotent)")
    reader = commands.add_parser("reader", help="let another system's consumer read topics")
    reader.add_argument(
        "--user", required=True, help="its principal; its password in <USER>_KAFKA_SASL_PASSWORD"
    )
    reader.add_argument("--group", required=True, help="its consumer group")
    reader.add_argument("topics", nargs="+", help="the topics it may read, e.g. share.created")
    return parser


if __name__ == "__main__":
    main()
