import ssl

import pytest
from faststream.security import SASLScram512
from messaging.kafka import KafkaAccess
from messaging.settings import KafkaSettings

pytestmark = pytest.mark.unit


def test_a_broker_without_authentication_is_given_its_addresses_alone():
    access = KafkaAccess("k1:9092,k2:9092")

    assert access.client_options() == {"bootstrap_servers": ["k1:9092", "k2:9092"]}
    assert access.broker_security() is None


def test_sasl_plaintext_authenticates_with_scram_and_no_tls():
    access = KafkaAccess("k1:9092", "SASL_PLAINTEXT", "gateway", "s3cret")

    assert access.client_options() == {
        "bootstrap_servers": ["k1:9092"],
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "gateway",
        "sasl_plain_password": "s3cret",
        "ssl_context": None,
    }
    security = access.broker_security()
    assert isinstance(security, SASLScram512)
    assert (security.username, security.password, security.use_ssl) == ("gateway", "s3cret", False)


def test_sasl_ssl_verifies_the_brokers_certificates():
    access = KafkaAccess("k1:9093", "SASL_SSL", "gateway", "s3cret")

    options = access.client_options()
    assert options["security_protocol"] == "SASL_SSL"
    context = options["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    security = access.broker_security()
    assert isinstance(security, SASLScram512) and security.use_ssl


def test_sasl_ssl_trusts_the_ca_file_named():
    missing = KafkaAccess("k1:9093", "SASL_SSL", "gateway", "s3cret", "/nonexistent/ca.pem")

    with pytest.raises(FileNotFoundError):
        missing.client_options()  # the CA file is read, not the system's roots


@pytest.mark.parametrize("protocol", ["SASL_PLAINTEXT", "SASL_SSL"])
@pytest.mark.parametrize(("username", "password"), [(None, None), ("gateway", None), (None, "x")])
def test_sasl_without_credentials_is_refused(protocol, username, password):
    with pytest.raises(ValueError, match="KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"):
        KafkaAccess("k1:9092", protocol, username, password)


def test_another_principal_keeps_the_brokers_and_authenticates_even_on_plaintext():
    operator = KafkaAccess("k1:9093", "SASL_SSL", "operator", "op", "/ca.pem")

    assert operator.as_user("gateway", "gw") == KafkaAccess(
        "k1:9093", "SASL_SSL", "gateway", "gw", "/ca.pem"
    )
    assert KafkaAccess("k1:9092").as_user("gateway", "gw").security_protocol == "SASL_PLAINTEXT"


def test_settings_default_to_sasl_ssl_and_refuse_it_without_credentials(monkeypatch):
    for name in ("KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD"):
        monkeypatch.delenv(name, raising=False)

    with pytest.raises(ValueError, match="KAFKA_SECURITY_PROTOCOL=SASL_SSL needs"):
        KafkaSettings()
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "gateway")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "s3cret")
    access = KafkaSettings(kafka_bootstrap_servers="k1:9093").kafka
    assert access == KafkaAccess("k1:9093", "SASL_SSL", "gateway", "s3cret")
