import pytest
from contracts import topics as t
from service_kit.grants import (
    KafkaGrant,
    kafka_grants,
    operator_kafka,
    reader_grants,
    redis_rules,
    service_env,
)
from service_kit.services import BY_NAME, SERVICES, ServiceSpec

pytestmark = pytest.mark.unit


def _by_operation(grants: list[KafkaGrant], resource: str = "topic") -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for grant in grants:
        if grant.resource == resource:
            found.setdefault(grant.operation, set()).add(grant.name)
    return found


def test_a_service_writes_what_it_produces_and_its_dead_letters_and_reads_what_it_consumes():
    grants = kafka_grants(BY_NAME["notify-service"], "t1.")

    read = {t.COLLAB_GRANTED, t.SHARE_CREATED, t.SHARE_UPDATED, t.SHARE_ALERT}
    dead_letters = {t.dlq(name) for name in read}
    assert _by_operation(grants) == {
        "WRITE": {"t1." + name for name in dead_letters},
        "READ": {"t1." + name for name in read},
        "CREATE": {"t1." + name for name in read | dead_letters},
        "DESCRIBE": {"t1." + name for name in read | dead_letters},
    }
    assert _by_operation(grants, "group") == {
        "READ": {"t1.notify-service"},
        "DESCRIBE": {"t1.notify-service"},
    }


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_no_service_may_write_what_it_consumes_or_read_what_it_does_not(spec):
    topics = _by_operation(kafka_grants(spec))

    assert topics["WRITE"] == set(spec.produces) | {t.dlq(name) for name in spec.consumes}
    assert topics.get("READ", set()) == set(spec.consumes)
    assert not topics["WRITE"] & set(spec.consumes)
    assert topics["CREATE"] == topics["DESCRIBE"] == set(spec.topics)


def test_a_broadcast_consumer_reads_without_a_consumer_group():
    grants = kafka_grants(BY_NAME["gateway"])

    assert _by_operation(grants)["READ"] == {t.SHARE_REVOKED, t.SHARE_RECIPIENT_REVOKED}
    assert not [grant for grant in grants if grant.resource == "group"]


def test_a_service_that_consumes_nothing_has_no_group():
    producer = ServiceSpec("p", "p", "P_PORT", 1, produces=(t.SHARE_VIEWED,))

    assert {grant.resource for grant in kafka_grants(producer)} == {"topic"}


def test_a_reader_of_another_system_reads_and_describes_and_writes_nothing():
    grants = reader_grants([t.SHARE_CREATED], "crm", "t1.")

    assert grants == sorted(
        [
            KafkaGrant("topic", "t1." + t.SHARE_CREATED, "READ"),
            KafkaGrant("topic", "t1." + t.SHARE_CREATED, "DESCRIBE"),
            KafkaGrant("group", "crm", "READ"),
            KafkaGrant("group", "crm", "DESCRIBE"),
        ]
    )


def test_a_services_redis_user_touches_its_own_keys_and_no_dangerous_command():
    rules = redis_rules(BY_NAME["link-service"], ("sl:", "t*."))

    assert [rule for rule in rules if rule.startswith("~")] == [
        "~sl:link-service:*",
        "~t*.link-service:*",
    ]
    assert "resetchannels" in rules
    assert rules.index("-@all") < rules.index("+@read") < rules.index("-@dangerous")


def test_a_service_process_is_given_its_own_principal_and_redis_user():
    table = {"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT"}
    for spec in SERVICES:
        for system in ("KAFKA_SASL", "REDIS"):
            table[f"{spec.env_prefix}_{system}_USERNAME"] = f"{spec.name}-{system}"
            table[f"{spec.env_prefix}_{system}_PASSWORD"] = f"{spec.name}-{system}-pw"

    assert service_env(table, BY_NAME["analytics-service"]) == {
        "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KAFKA_SASL_USERNAME": "analytics-service-KAFKA_SASL",
        "KAFKA_SASL_PASSWORD": "analytics-service-KAFKA_SASL-pw",
        "REDIS_USERNAME": "analytics-service-REDIS",
        "REDIS_PASSWORD": "analytics-service-REDIS-pw",
    }


def test_the_operator_is_read_from_the_credentials():
    table = {
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "KAFKA_OPERATOR_USERNAME": "operator",
        "KAFKA_OPERATOR_PASSWORD": "op",
        "KAFKA_SSL_CAFILE": "/ca.pem",
    }
    access = operator_kafka(table, "k1:9093")

    assert (access.bootstrap_servers, access.security_protocol) == ("k1:9093", "SASL_SSL")
    assert (access.username, access.password, access.ssl_cafile) == ("operator", "op", "/ca.pem")
