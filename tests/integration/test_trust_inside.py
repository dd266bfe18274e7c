"""The attack suite of DESIGN §19 (docs/reliability.md, "Trust inside"): a client without
credentials, and each service's credentials used against the topics and keys of the others,
on devstack's Kafka and Redis with the ACLs every deployment applies (service_kit.grants).

Every attempt is counted; the module's last line says how many were tried and let in. Each
refusal is paired with its control: the same principal doing what it may, so that a refusal
proves the ACL and not a broken client."""

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from functools import partial

import httpx
import pytest
import redis
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    KafkaConnectionError,
    KafkaError,
    TopicAuthorizationFailedError,
)
from confluent_kafka import KafkaException
from contracts import topics
from messaging.kafka import KafkaAccess, ensure_topics
from service_kit.grants import KafkaGrants, kafka_grants, reader_grants
from service_kit.services import BY_NAME, SERVICES, ServiceSpec
from service_kit.testing import credentials, internal_headers

pytestmark = pytest.mark.integration

# How long a consumer waits for the records, or the refusals, of the topics it can see.
READ_WAIT_S = 10.0
EVERY_TOPIC = tuple(name for topic in topics.ALL for name in (topic, topics.dlq(topic)))
# The forged events of the security review (issue 24), by who would forge them.
FORGERIES = [
    ("gateway", topics.COLLAB_SHARE_REQUESTED),  # share any folder with any address
    ("notify-service", topics.COLLAB_SHARE_REQUESTED),
    ("analytics-service", topics.COLLAB_SHARE_REQUESTED),
    ("link-service", topics.COLLAB_GRANTED),  # mails and notifications in our name
    ("gateway", topics.COLLAB_GRANTED),
    ("gateway", topics.SHARE_REVOKED),  # revoke anyone's link
    ("dropbox-service", topics.SHARE_REVOKED),
    ("link-service", topics.SHARE_VIEWED),  # forge stats
    ("dropbox-service", topics.DOWNLOAD_RECORDED),
]
# share.created carries every share URL with its token: who must not read it.
# notify-service reads share.created too since issue 25: it mails each recipient their URL.
TOKEN_READERS = ["gateway", "dropbox-service", "link-service"]


class Tally:
    """Attempts that should be refused, by what was tried, and those let in."""

    def __init__(self) -> None:
        self.tried: Counter[str] = Counter()
        self.let_in: list[str] = []

    def refused(self, kind: str, what: str, refused: bool) -> None:
        self.tried[kind] += 1
        if not refused:
            self.let_in.append(f"{kind}: {what}")


@pytest.fixture(scope="module")
def tally(request: pytest.FixtureRequest) -> Iterator[Tally]:
    counts = Tally()
    yield counts
    figures = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.tried.items()))
    line = f"trust inside: {sum(counts.tried.values())} attempts ({figures}), "
    line += f"{len(counts.let_in)} let in"
    capturing = request.config.pluginmanager.get_plugin("capturemanager")
    with capturing.global_and_fixture_disabled():
        print(f"\n{line}")


def principal(kafka: KafkaAccess, spec: ServiceSpec) -> KafkaAccess:
    table = credentials()
    return kafka.as_user(
        table[f"{spec.env_prefix}_KAFKA_SASL_USERNAME"],
        table[f"{spec.env_prefix}_KAFKA_SASL_PASSWORD"],
    )


@pytest.fixture(scope="module")
async def prefix(kafka: KafkaAccess, module_prefix: str) -> str:
    """Every contract topic and DLQ under this module's prefix, each service granted its ACLs
    there as devstack grants them on the unprefixed names."""
    names = [module_prefix + name for name in EVERY_TOPIC]
    await ensure_topics(kafka, names, partitions=1, replication_factor=1)
    producer = AIOKafkaProducer(**kafka.client_options(), acks="all")
    await producer.start()
    try:
        for name in names:  # one record each, what a reader would be after
            await producer.send_and_wait(name, b"{}")
    finally:
        await producer.stop()
    grants = KafkaGrants(kafka)
    for spec in SERVICES:
        grants.allow(principal(kafka, spec).username or "", kafka_grants(spec, module_prefix))
    return module_prefix


@pytest.fixture
async def producer_of(kafka: KafkaAccess) -> AsyncIterator:
    started: list[AIOKafkaProducer] = []

    async def start(access: KafkaAccess) -> AIOKafkaProducer:
        producer = AIOKafkaProducer(
            **access.client_options(), acks="all", enable_idempotence=True, request_timeout_ms=5000
        )
        await producer.start()
        started.append(producer)
        return producer

    yield start
    for producer in started:
        await producer.stop()


async def sends(producer: AIOKafkaProducer, topic: str) -> bool:
    """Whether a record to `topic` is accepted."""
    try:
        await asyncio.wait_for(producer.send_and_wait(topic, b"{}"), 10)
    except TopicAuthorizationFailedError:
        return False
    return True


async def readable(access: KafkaAccess, names: list[str]) -> dict[str, bool]:
    """Which of `names` (each holding one record) the principal can fetch. A topic it may not
    even describe is hidden from its metadata (READ implies DESCRIBE in Kafka's ACLs); of the
    others, one consumer fetches the records of the readable ones, and is told
    TOPIC_AUTHORIZATION_FAILED for the rest."""
    consumer = AIOKafkaConsumer(
        **access.client_options(),
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    answers = dict.fromkeys(names, False)
    try:
        visible = [name for name in names if name in await consumer.topics()]
        consumer.assign([TopicPartition(name, 0) for name in visible])
        pending, deadline = set(visible), time.monotonic() + READ_WAIT_S
        while pending and time.monotonic() < deadline:
            try:
                batch = await consumer.getmany(timeout_ms=200)
            except TopicAuthorizationFailedError as error:
                pending -= set(error.args)
                continue
            for partition in batch:
                answers[partition.topic] = True
                pending.discard(partition.topic)
    finally:
        await consumer.stop()
    return answers


async def commits_in(access: KafkaAccess, topic: str, group: str) -> bool:
    """Whether the principal may commit an offset of `topic` in consumer group `group`."""
    consumer = AIOKafkaConsumer(**access.client_options(), group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        partition = TopicPartition(topic, 0)
        consumer.assign([partition])
        await asyncio.wait_for(consumer.commit({partition: 0}), 10)
    except (GroupAuthorizationFailedError, TopicAuthorizationFailedError):
        return False
    finally:
        await consumer.stop()
    return True


async def test_kafka_refuses_a_client_without_credentials_or_with_wrong_ones(
    kafka: KafkaAccess, prefix: str, producer_of, tally: Tally
):
    link = principal(kafka, BY_NAME["link-service"])
    attempts = {
        "no credentials": KafkaAccess(kafka.bootstrap_servers),
        "wrong password": link.as_user(link.username or "", "not-the-password"),
        "unknown user": link.as_user("intruder", "x" * 32),
    }
    for what, access in attempts.items():
        try:
            await asyncio.wait_for(producer_of(access), 15)
        except (KafkaConnectionError, KafkaError, TimeoutError):
            refused = True
        else:
            refused = False
        tally.refused("kafka: unauthenticated", what, refused)
    # The control, on a topic that exists on a fresh Kafka too.
    assert await sends(await producer_of(link), prefix + topics.SHARE_CREATED)
    assert tally.let_in == []


@pytest.mark.parametrize("name", [spec.name for spec in SERVICES])
async def test_each_service_writes_only_its_own_topics(
    kafka: KafkaAccess, prefix: str, producer_of, tally: Tally, name: str
):
    spec = BY_NAME[name]
    producer = await producer_of(principal(kafka, spec))
    for topic in EVERY_TOPIC:
        accepted = await sends(producer, prefix + topic)
        if topic in spec.writes:
            assert accepted, f"{name} may write {topic}"
        else:
            tally.refused("kafka: write another's topic", f"{name} -> {topic}", not accepted)
    assert tally.let_in == []


@pytest.mark.parametrize("name", [spec.name for spec in SERVICES])
async def test_each_service_reads_only_what_it_consumes_in_its_own_group(
    kafka: KafkaAccess, prefix: str, tally: Tally, name: str
):
    spec = BY_NAME[name]
    access = principal(kafka, spec)
    answers = await readable(access, [prefix + topic for topic in EVERY_TOPIC])
    for topic in EVERY_TOPIC:
        if topic in spec.consumes:
            assert answers[prefix + topic], f"{name} may read {topic}"
        else:
            tally.refused(
                "kafka: read another's topic", f"{name} <- {topic}", not answers[prefix + topic]
            )
    for other in SERVICES:
        if spec.consumes and other is not spec and other.consumes and not other.broadcast:
            joined = await commits_in(access, prefix + spec.consumes[0], prefix + other.name)
            tally.refused("kafka: join another's group", f"{name} in {other.name}", not joined)
    if spec.consumes and not spec.broadcast:
        assert await commits_in(access, prefix + spec.consumes[0], prefix + spec.name)
    assert tally.let_in == []


@pytest.mark.parametrize(("forger", "topic"), FORGERIES)
async def test_the_forged_events_of_the_review_are_refused(
    kafka: KafkaAccess, prefix: str, producer_of, tally: Tally, forger: str, topic: str
):
    producer = await producer_of(principal(kafka, BY_NAME[forger]))
    tally.refused(
        "kafka: forged event", f"{forger} -> {topic}", not await sends(producer, prefix + topic)
    )
    assert tally.let_in == []


@pytest.mark.parametrize("reader", TOKEN_READERS)
async def test_share_urls_are_read_by_analytics_and_notify_alone(
    kafka: KafkaAccess, prefix: str, tally: Tally, reader: str
):
    created = prefix + topics.SHARE_CREATED
    answers = await readable(principal(kafka, BY_NAME[reader]), [created])
    tally.refused("kafka: read share URLs", reader, not answers[created])
    assert (await readable(principal(kafka, BY_NAME["analytics-service"]), [created]))[created]
    assert tally.let_in == []


async def test_no_service_can_administer_kafka(kafka: KafkaAccess, prefix: str, tally: Tally):
    for spec in SERVICES:
        access = principal(kafka, spec)
        admin = AIOKafkaAdminClient(**access.client_options())
        await admin.start()
        try:
            try:
                answer = await admin.create_topics([NewTopic(prefix + "intruder", 1, 1)])
                created = all(code == 0 for _, code, *_ in answer.topic_errors)
            except KafkaError:
                created = False
            tally.refused("kafka: administer", f"{spec.name} creates a topic", not created)
            try:
                answer = await admin.delete_topics([prefix + topics.SHARE_CREATED])
                deleted = all(code == 0 for _, code, *_ in answer.topic_error_codes)
            except KafkaError:
                deleted = False
            tally.refused("kafka: administer", f"{spec.name} deletes share.created", not deleted)
        finally:
            await admin.close()
        grants = KafkaGrants(access)
        escalations = {
            "grants itself": partial(
                grants.allow, access.username or "", reader_grants([topics.SHARE_CREATED], "x")
            ),
            "sets the operator's password": partial(
                grants.upsert_users, {"operator": "taken-over" * 4}
            ),
        }
        for what, attempt in escalations.items():
            try:
                await asyncio.to_thread(attempt)
            except KafkaException:
                refused = True
            else:
                refused = False
            tally.refused("kafka: administer", f"{spec.name} {what}", refused)
    assert tally.let_in == []


async def test_a_consumer_of_another_system_reads_what_it_was_granted_and_nothing_else(
    kafka: KafkaAccess, prefix: str, producer_of, tally: Tally
):
    # As an operator lets a label's CRM in: `python -m service_kit.grants reader ...`.
    grants = KafkaGrants(kafka)
    user, group = f"{prefix}crm", f"{prefix}crm"
    grants.upsert_users({user: "crm-password-" + "x" * 20})
    grants.allow(user, reader_grants([topics.SHARE_CREATED], group, prefix))
    crm = kafka.as_user(user, "crm-password-" + "x" * 20)
    created = prefix + topics.SHARE_CREATED
    assert (await readable(crm, [created]))[created]
    assert await commits_in(crm, created, group)
    beyond = [prefix + topics.COLLAB_SHARE_REQUESTED, prefix + topics.SHARE_VIEWED]
    for topic, answer in (await readable(crm, beyond)).items():
        tally.refused("kafka: reader beyond its grant", topic, not answer)
    other_group = await commits_in(crm, created, prefix + "link-service")
    tally.refused("kafka: reader beyond its grant", "another group", not other_group)
    try:
        written = await sends(await producer_of(crm), prefix + topics.SHARE_CREATED)
    except KafkaError:  # an idempotent producer needs a topic to write: it does not start
        written = False
    tally.refused("kafka: reader beyond its grant", "writes share.created", not written)
    assert tally.let_in == []


def redis_as(redis_url: str, user: str | None, password: str | None) -> redis.Redis:
    host = redis_url.rpartition("@")[2]
    return redis.Redis.from_url(f"redis://{host}", username=user, password=password)


def redis_refuses(call) -> bool:
    try:
        call()
    except (redis.exceptions.NoPermissionError, redis.exceptions.AuthenticationError):
        return True
    except redis.exceptions.ResponseError as error:  # a script's refused command
        return "can't access at least one of the keys" in str(error)
    return False


def test_redis_refuses_a_client_without_credentials(redis_url: str, tally: Tally):
    anonymous = redis_as(redis_url, None, None)
    for what, call in (
        ("PING", anonymous.ping),
        ("GET", lambda: anonymous.get("link-service:x")),
        ("FLUSHALL", anonymous.flushall),
    ):
        tally.refused("redis: unauthenticated", what, redis_refuses(call))
    assert tally.let_in == []


@pytest.mark.parametrize("name", [spec.name for spec in SERVICES])
def test_each_service_user_touches_only_its_own_keys_and_commands(
    redis_url: str, module_prefix: str, tally: Tally, name: str
):
    table = credentials()
    spec = BY_NAME[name]
    client = redis_as(
        redis_url,
        table[f"{spec.env_prefix}_REDIS_USERNAME"],
        table[f"{spec.env_prefix}_REDIS_PASSWORD"],
    )
    own = f"{spec.name}:trust-probe:{module_prefix}"
    assert client.set(own, "1", ex=60)  # the control
    for other in SERVICES:
        if other is spec:
            continue
        key = f"{other.name}:trust-probe"
        for what, call in (
            ("GET", lambda key=key: client.get(key)),
            ("SET", lambda key=key: client.set(key, "x")),
            ("DEL", lambda key=key: client.delete(key)),
            ("EVAL", lambda key=key: client.eval("return redis.call('GET', KEYS[1])", 1, key)),
            # A script may not reach a key it did not declare either.
            (
                "EVAL undeclared",
                lambda key=key: client.eval(f"return redis.call('GET', '{key}')", 0),
            ),
        ):
            tally.refused(
                "redis: another's keys", f"{name} {what} {other.name}", redis_refuses(call)
            )
    for what, call in (
        ("FLUSHALL", client.flushall),
        ("KEYS", lambda: client.keys("*")),
        ("CONFIG GET", lambda: client.config_get("*")),
        ("ACL SETUSER", lambda: client.acl_setuser(spec.name, enabled=True, keys=["*"])),
        ("unprefixed key", lambda: client.set("session:x", "1")),
    ):
        tally.refused("redis: dangerous or foreign", f"{name} {what}", redis_refuses(call))
    client.delete(own)
    assert tally.let_in == []


def test_every_attempt_above_was_made(tally: Tally):
    # Guards the figures of docs/reliability.md against a loop that silently tried nothing.
    others = len(SERVICES) - 1
    expected_redis = len(SERVICES) * (others * 5 + 5)
    assert tally.tried["redis: another's keys"] + tally.tried["redis: dangerous or foreign"] == (
        expected_redis
    )
    writes = sum(len(EVERY_TOPIC) - len(spec.writes) for spec in SERVICES)
    assert tally.tried["kafka: write another's topic"] == writes
    assert sum(1 for _ in itertools.chain(FORGERIES)) == tally.tried["kafka: forged event"]


# Each internal route and the one service that may call it (service_kit.services' `calls`).
INTERNAL_ROUTES = [
    ("link-service", "GET", "/internal/links/by-token/" + "a" * 43, "gateway"),
    ("link-service", "GET", "/internal/catalog/u-1/tracks/trk-1", "dropbox-service"),
    ("dropbox-service", "POST", "/internal/temporary-links", "gateway"),
]


@pytest.mark.parametrize(("service", "method", "path", "caller"), INTERNAL_ROUTES)
async def test_each_internal_route_admits_its_caller_alone(
    service_app, tally: Tally, service: str, method: str, path: str, caller: str
):
    app = service_app(service)
    body = {"owner_id": "u-1", "path": "/a.wav"} if method == "POST" else None
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://internal") as client:

        async def status(headers: dict[str, str]) -> int:
            return (await client.request(method, path, json=body, headers=headers)).status_code

        for spec in SERVICES:
            answer = await status(internal_headers(spec.name))
            if spec.name == caller:
                assert answer not in (401, 403), f"{caller} may call {path}"
            else:
                tally.refused(
                    "internal route: another service's token",
                    spec.name,
                    answer == 403 or answer == 401,
                )
        for what, headers in (("none", {}), ("wrong", {"X-Internal-Token": "x" * 40})):
            tally.refused("internal route: no or wrong token", what, await status(headers) == 401)
    assert tally.let_in == []
