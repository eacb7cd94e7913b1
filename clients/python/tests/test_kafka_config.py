"""KAFKA_* settings, validated with the TypeScript side's rules (kafka-config.ts)."""

from __future__ import annotations

import pytest

from lyap_client import ConfigError
from lyap_client.kafka import kafka_config_from_env


def test_a_plain_broker_list() -> None:
    config = kafka_config_from_env({"KAFKA_BROKERS": " a:1, [::1]:9092 ", "KAFKA_CLIENT_ID": "me"})
    assert config.brokers == ("a:1", "[::1]:9092") and config.client_id == "me"
    conf = config.librdkafka()
    assert conf["bootstrap.servers"] == "a:1,[::1]:9092" and "security.protocol" not in conf


def test_sasl_over_tls_with_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    config = kafka_config_from_env({"KAFKA_BROKERS": "b:9093", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512", "KAFKA_SASL_USERNAME": "u",
                                    "KAFKA_SASL_PASSWORD": "hunter2", "KAFKA_SSL_CA_FILE": str(ca),
                                    "KAFKA_SSL_REJECT_UNAUTHORIZED": "false"})
    conf = config.librdkafka()
    assert conf["security.protocol"] == "SASL_SSL" and conf["sasl.mechanism"] == "SCRAM-SHA-512"
    assert conf["ssl.ca.location"] == str(ca) and conf["enable.ssl.certificate.verification"] is False
    assert "hunter2" not in repr(config)


@pytest.mark.parametrize("env, message", [
    ({}, "KAFKA_BROKERS is not set"),
    ({"KAFKA_BROKERS": "host"}, 'KAFKA_BROKERS has "host": expected host:port with a port 1-65535'),
    ({"KAFKA_BROKERS": "h:70000"}, "port 1-65535"),
    ({"KAFKA_BROKERS": "h:1", "KAFKA_CLIENT_ID": "a b"}, "KAFKA_CLIENT_ID"),
    ({"KAFKA_BROKERS": "h:1", "KAFKA_SASL_USERNAME": "u"}, "KAFKA_SASL_MECHANISM is not set"),
    ({"KAFKA_BROKERS": "h:1", "KAFKA_SASL_MECHANISM": "gssapi"}, 'KAFKA_SASL_MECHANISM is "gssapi"'),
    ({"KAFKA_BROKERS": "h:1", "KAFKA_SASL_MECHANISM": "plain", "KAFKA_SASL_USERNAME": "u"}, "KAFKA_SASL_PASSWORD is required"),
    ({"KAFKA_BROKERS": "h:1", "KAFKA_SSL": "maybe"}, 'KAFKA_SSL is "maybe": expected true or false'),
    ({"KAFKA_BROKERS": "h:1", "KAFKA_SSL": "false", "KAFKA_SSL_CA_FILE": "/x"}, "KAFKA_SSL is false, but TLS files"),
    ({"KAFKA_BROKERS": "h:1", "KAFKA_SSL_REJECT_UNAUTHORIZED": "false"}, "TLS is off"),
    ({"KAFKA_BROKERS": "h:1", "KAFKA_SSL_CERT_FILE": "/c"}, "KAFKA_SSL_KEY_FILE is not set"),
])
def test_bad_settings_name_the_variable(env, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError) as raised:
        kafka_config_from_env(env)
    assert message in str(raised.value) and raised.value.code == "LYAP_E_CONFIG"


def test_an_unreadable_tls_file_is_a_config_error() -> None:
    config = kafka_config_from_env({"KAFKA_BROKERS": "h:1", "KAFKA_SSL_CA_FILE": "/nonexistent/ca.pem"})
    with pytest.raises(ConfigError, match="KAFKA_SSL_CA_FILE '/nonexistent/ca.pem' cannot be read"):
        config.librdkafka()
