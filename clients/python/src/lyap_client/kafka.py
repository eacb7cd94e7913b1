"""Kafka through confluent-kafka (librdkafka), with the TypeScript side's topics, keys,
partitioning and ``KAFKA_*`` settings (docs/kafka.md).

- Topics: ``<prefix>runs`` (compacted), ``gradients``, ``trajectory``, … created when missing
  with the TypeScript defaults (12 partitions, replication 1, 7 days' retention).
- Key = run id; partitioner ``murmur2_random``: librdkafka's Java-compatible murmur2, the
  partitioner kafkajs uses by default, so a run's events land on the same partition whichever
  client wrote them.
- Idempotent producer (acks from all in-sync replicas). ``emit`` never waits for the broker: a
  full local queue drops the step event (counted); ``run`` events wait for room instead.
- Commands: a consumer group ``lyap-trainer-<runId>`` on the control topic that starts at the
  topic's end, as the TypeScript intake does, feeding a :class:`~lyap_client.intake.CommandIntake`.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from .errors import ConfigError, LyapClientError
from .events import dead_letter, encode_event
from .intake import AppliedLr, CommandIntake, CommandSource, IntakeStats, LrBounds
from .signature import ControlKeys
from .topics import DEFAULT_TOPIC_PREFIX, TopicNames, topic_for_type, topic_names

__all__ = [
    "KafkaConfig",
    "kafka_config_from_env",
    "TopicSettings",
    "ensure_topics",
    "KafkaEmitter",
    "KafkaCommands",
]

log = logging.getLogger("lyap_client")

KAFKA_ENV = (
    "KAFKA_BROKERS",
    "KAFKA_CLIENT_ID",
    "KAFKA_SASL_MECHANISM",
    "KAFKA_SASL_USERNAME",
    "KAFKA_SASL_PASSWORD",
    "KAFKA_SSL",
    "KAFKA_SSL_CA_FILE",
    "KAFKA_SSL_CERT_FILE",
    "KAFKA_SSL_KEY_FILE",
    "KAFKA_SSL_REJECT_UNAUTHORIZED",
)
SASL_MECHANISMS = ("plain", "scram-sha-256", "scram-sha-512")
DEFAULT_CLIENT_ID = "lyap"
_BROKER = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})")


def _require_kafka() -> Any:
    try:
        import confluent_kafka
    except ImportError as error:  # pragma: no cover - depends on the install
        raise ConfigError("confluent-kafka is not installed: pip install 'lyap-client[kafka]'") from error
    return confluent_kafka


@dataclass(frozen=True)
class KafkaConfig:
    """How to reach the brokers (``KafkaConfig`` of ``src/transport/kafka/kafka-config.ts``)."""

    brokers: Tuple[str, ...]
    client_id: str = DEFAULT_CLIENT_ID
    sasl_mechanism: Optional[str] = None
    sasl_username: Optional[str] = None
    sasl_password: Optional[str] = None
    tls: bool = False
    ca_file: Optional[str] = None
    cert_file: Optional[str] = None
    key_file: Optional[str] = None
    reject_unauthorized: bool = True

    def librdkafka(self) -> Dict[str, Any]:
        """The librdkafka settings (``ConfigError`` for a TLS file that cannot be read)."""
        conf: Dict[str, Any] = {"bootstrap.servers": ",".join(self.brokers), "client.id": self.client_id,
                                "logger": logging.getLogger("lyap_client.librdkafka")}
        if self.sasl_mechanism is not None:
            conf["security.protocol"] = "SASL_SSL" if self.tls else "SASL_PLAINTEXT"
            conf["sasl.mechanism"] = self.sasl_mechanism.upper()
            conf["sasl.username"] = self.sasl_username
            conf["sasl.password"] = self.sasl_password
        elif self.tls:
            conf["security.protocol"] = "SSL"
        for variable, path, setting in (
            ("KAFKA_SSL_CA_FILE", self.ca_file, "ssl.ca.location"),
            ("KAFKA_SSL_CERT_FILE", self.cert_file, "ssl.certificate.location"),
            ("KAFKA_SSL_KEY_FILE", self.key_file, "ssl.key.location"),
        ):
            if path is None:
                continue
            if not os.access(path, os.R_OK):
                raise ConfigError(f"{variable} {path!r} cannot be read")
            conf[setting] = path
        if self.tls and not self.reject_unauthorized:
            conf["enable.ssl.certificate.verification"] = False
            conf["ssl.endpoint.identification.algorithm"] = "none"
        return conf

    def __repr__(self) -> str:  # never the password
        return f"KafkaConfig(brokers={list(self.brokers)}, client_id={self.client_id!r}, sasl={self.sasl_mechanism}, tls={self.tls})"


def parse_broker_list(text: str, variable: str = "KAFKA_BROKERS") -> Tuple[str, ...]:
    """``host:port[,host:port…]`` (IPv6 bracketed), ports 1–65535."""
    brokers = tuple(b.strip() for b in text.split(",") if b.strip() != "")
    if not brokers:
        raise ConfigError(f"{variable} is empty: expected host:port[,host:port…]")
    for broker in brokers:
        match = _BROKER.fullmatch(broker)
        if match is None or not (1 <= int(match.group(2)) <= 65535):
            raise ConfigError(f'{variable} has "{broker}": expected host:port with a port 1-65535')
    return brokers


def _read(env: Mapping[str, str], variable: str) -> Optional[str]:
    value = env.get(variable)
    return None if value is None or value.strip() == "" else value


def _boolean(env: Mapping[str, str], variable: str) -> Optional[bool]:
    raw = _read(env, variable)
    if raw is None:
        return None
    lowered = raw.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise ConfigError(f'{variable} is "{raw}": expected true or false')


def kafka_config_from_env(env: Optional[Mapping[str, str]] = None, brokers: Optional[str] = None) -> KafkaConfig:
    """The ``KAFKA_*`` variables, validated with the TypeScript side's rules (``kafkaConfigFromEnv``);
    ``brokers`` (a ``--brokers`` flag) wins over ``KAFKA_BROKERS``. ``ConfigError`` names the
    variable, never the password."""
    env = os.environ if env is None else env
    brokers_text = brokers if brokers is not None and brokers.strip() != "" else _read(env, "KAFKA_BROKERS")
    if brokers_text is None:
        raise ConfigError("KAFKA_BROKERS is not set: expected host:port[,host:port…]")
    client_id = (_read(env, "KAFKA_CLIENT_ID") or DEFAULT_CLIENT_ID).strip()
    if re.fullmatch(r"[A-Za-z0-9._-]{1,255}", client_id) is None:
        raise ConfigError(f'KAFKA_CLIENT_ID is "{client_id}": expected 1-255 characters of [A-Za-z0-9._-]')
    mechanism = _read(env, "KAFKA_SASL_MECHANISM")
    username = _read(env, "KAFKA_SASL_USERNAME")
    password = _read(env, "KAFKA_SASL_PASSWORD")
    if mechanism is None:
        if username is not None or password is not None:
            raise ConfigError(
                f"KAFKA_SASL_MECHANISM is not set, but a SASL user name or password is: set it to {', '.join(SASL_MECHANISMS)}"
            )
    else:
        mechanism = mechanism.strip().lower()
        if mechanism not in SASL_MECHANISMS:
            raise ConfigError(f'KAFKA_SASL_MECHANISM is "{mechanism}": expected one of {", ".join(SASL_MECHANISMS)}')
        if username is None:
            raise ConfigError(f"KAFKA_SASL_USERNAME is required with SASL {mechanism}")
        if password is None:
            raise ConfigError(f"KAFKA_SASL_PASSWORD is required with SASL {mechanism}")
    enabled = _boolean(env, "KAFKA_SSL")
    ca_file = _read(env, "KAFKA_SSL_CA_FILE")
    cert_file = _read(env, "KAFKA_SSL_CERT_FILE")
    key_file = _read(env, "KAFKA_SSL_KEY_FILE")
    reject = _boolean(env, "KAFKA_SSL_REJECT_UNAUTHORIZED")
    files = ca_file is not None or cert_file is not None or key_file is not None
    tls = False
    if enabled is False:
        if files:
            raise ConfigError("KAFKA_SSL is false, but TLS files (KAFKA_SSL_*_FILE) are set")
        if reject is not None:
            raise ConfigError("KAFKA_SSL_REJECT_UNAUTHORIZED is set, but KAFKA_SSL is false")
    elif enabled is None and not files:
        if reject is not None:
            raise ConfigError("KAFKA_SSL_REJECT_UNAUTHORIZED is set, but TLS is off: set KAFKA_SSL=true")
    else:
        tls = True
        if (cert_file is None) != (key_file is None):
            missing = "KAFKA_SSL_CERT_FILE" if cert_file is None else "KAFKA_SSL_KEY_FILE"
            raise ConfigError(f"{missing} is not set: a client certificate needs both KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE")
    return KafkaConfig(
        brokers=parse_broker_list(brokers_text),
        client_id=client_id,
        sasl_mechanism=mechanism,
        sasl_username=username,
        sasl_password=password,
        tls=tls,
        ca_file=ca_file if tls else None,
        cert_file=cert_file if tls else None,
        key_file=key_file if tls else None,
        reject_unauthorized=True if reject is None else reject,
    )


@dataclass(frozen=True)
class TopicSettings:
    """How missing topics are created (``TopicSettings`` of ``topic-specs.ts``); existing topics are left alone."""

    partitions: int = 12
    replication_factor: int = 1
    retention_ms: int = 7 * 24 * 3600 * 1000
    min_insync_replicas: Optional[int] = None

    def config_for(self, topic: str, topics: TopicNames) -> Dict[str, str]:
        config = {"cleanup.policy": "compact"} if topic == topics.runs else {"cleanup.policy": "delete", "retention.ms": str(self.retention_ms)}
        if self.min_insync_replicas is not None:
            config["min.insync.replicas"] = str(self.min_insync_replicas)
        return config


def ensure_topics(config: KafkaConfig, topics: TopicNames, settings: TopicSettings = TopicSettings(), timeout_s: float = 30) -> List[str]:
    """Creates the seven topics of ``topics`` that do not exist yet; returns those it created."""
    ck = _require_kafka()
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient(config.librdkafka())
    existing = set(admin.list_topics(timeout=timeout_s).topics)
    missing = [t for t in topics.all() if t not in existing]
    if not missing:
        return []
    futures = admin.create_topics(
        [NewTopic(t, num_partitions=settings.partitions, replication_factor=settings.replication_factor, config=settings.config_for(t, topics)) for t in missing],
        operation_timeout=timeout_s,
    )
    created = []
    for topic, future in futures.items():
        try:
            future.result(timeout=timeout_s)
            created.append(topic)
        except ck.KafkaException as error:
            if error.args and getattr(error.args[0], "code", lambda: None)() == ck.KafkaError.TOPIC_ALREADY_EXISTS:
                continue
            raise LyapClientError("LYAP_E_KAFKA", f"cannot create topic {topic}: {error}", retriable=True) from error
    # A topic is usable once its partitions have leaders.
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        metadata = admin.list_topics(timeout=timeout_s).topics
        if all(t in metadata and metadata[t].partitions and all(p.leader >= 0 for p in metadata[t].partitions.values()) for t in created):
            break
        time.sleep(0.1)
    return created


class KafkaEmitter:
    """Publishes events keyed by run id to ``<prefix><topic>`` with an idempotent producer."""

    def __init__(
        self,
        config: KafkaConfig,
        *,
        topic_prefix: str = DEFAULT_TOPIC_PREFIX,
        buffer_events: int = 10_000,
        create_topics: bool = True,
        topic_settings: TopicSettings = TopicSettings(),
        producer_config: Optional[Mapping[str, Any]] = None,
    ) -> None:
        ck = _require_kafka()
        self.topics = topic_names(topic_prefix)
        if create_topics:
            ensure_topics(config, self.topics, topic_settings)
        conf = {
            **config.librdkafka(),
            "enable.idempotence": True,
            "acks": "all",
            "partitioner": "murmur2_random",
            "queue.buffering.max.messages": buffer_events,
            **dict(producer_config or {}),
        }
        self._producer = ck.Producer(conf)
        self.produced = 0
        self.delivered = 0
        self.failed = 0
        self.dropped = 0
        self.undelivered = 0
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, brokers: Optional[str] = None, *, env: Optional[Mapping[str, str]] = None, **options: Any) -> "KafkaEmitter":
        """With the ``KAFKA_*`` settings of the environment (``brokers`` wins over ``KAFKA_BROKERS``)
        and its ``LYAP_TOPIC_PREFIX`` unless ``topic_prefix`` is given."""
        source = os.environ if env is None else env
        options.setdefault("topic_prefix", source.get("LYAP_TOPIC_PREFIX") or DEFAULT_TOPIC_PREFIX)
        return cls(kafka_config_from_env(source, brokers), **options)

    def _on_delivery(self, error: Any, message: Any) -> None:
        with self._lock:
            if error is None:
                self.delivered += 1
                return
            self.failed += 1
            first = self.failed == 1
        if first:
            log.warning("kafka delivery failed: %s (topic %s)", error, message.topic())

    def emit(self, event: Mapping[str, Any]) -> None:
        topic = topic_for_type(event["type"], self.topics)
        value = encode_event(event).encode("utf-8")
        deadline = time.monotonic() + 30
        while True:
            try:
                self._producer.produce(topic, value=value, key=event["runId"], on_delivery=self._on_delivery)
                self.produced += 1
                break
            except BufferError:
                # run events are never dropped; a step's events are, when the queue is full.
                if event["type"] != "run" or time.monotonic() > deadline:
                    self.dropped += 1
                    break
                self._producer.poll(0.1)
        self._producer.poll(0)

    def flush(self, timeout_s: Optional[float] = 30) -> None:
        """Waits until every event is acknowledged, or ``timeout_s``; ``undelivered`` then says how many are not."""
        self.undelivered = int(self._producer.flush(30 if timeout_s is None else timeout_s))

    def close(self) -> None:
        self.flush(30)
        if self.undelivered or self.dropped or self.failed:
            log.warning("kafka emitter closed: %d undelivered, %d dropped, %d failed", self.undelivered, self.dropped, self.failed)


class KafkaCommands(CommandSource):
    """Learning-rate commands for one run from the control topic, in a background thread.

    Keys come from ``LYAP_CONTROL_KEY`` / ``LYAP_CONTROL_KEYS`` unless given. The constructor waits
    (at most ``join_timeout_s``) until the consumer has its partitions, so that commands
    published from then on reach it; a new group starts at the topic's end. Undecodable payloads
    are counted and, with ``dead_letters``, published to the dead-letter topic.
    """

    def __init__(
        self,
        config: KafkaConfig,
        run_id: str,
        *,
        topic_prefix: str = DEFAULT_TOPIC_PREFIX,
        keys: Optional[ControlKeys] = None,
        accept_unsigned: bool = False,
        bounds: LrBounds = LrBounds(),
        group_id: Optional[str] = None,
        dead_letters: Optional[KafkaEmitter] = None,
        join_timeout_s: float = 15,
        create_topics: bool = True,
        topic_settings: TopicSettings = TopicSettings(),
        log_message: Optional[Callable[[str], None]] = None,
    ) -> None:
        ck = _require_kafka()
        self.topics = topic_names(topic_prefix)
        if create_topics:
            ensure_topics(config, self.topics, topic_settings)
        self.intake = CommandIntake(
            run_id,
            keys=ControlKeys.from_env() if keys is None else keys,
            accept_unsigned=accept_unsigned,
            bounds=bounds,
            log=log_message or (lambda message: log.info("%s", message)),
        )
        self._dead_letters = dead_letters
        self._consumer = ck.Consumer({
            **config.librdkafka(),
            "group.id": group_id or f"lyap-trainer-{run_id}",
            "auto.offset.reset": "latest",
            "enable.auto.commit": True,
            "enable.partition.eof": False,
        })
        self._ck = ck
        self.joined = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lyap-commands-{run_id}", daemon=True)
        self._thread.start()
        if join_timeout_s > 0 and not self.joined.wait(join_timeout_s):
            log.warning("the control consumer has not joined its group within %s s: training anyway; early commands may be missed", join_timeout_s)

    @classmethod
    def from_env(cls, run_id: str, brokers: Optional[str] = None, *, env: Optional[Mapping[str, str]] = None, **options: Any) -> "KafkaCommands":
        """With the environment's ``KAFKA_*`` settings, ``LYAP_TOPIC_PREFIX``, and keys
        (``LYAP_CONTROL_KEY``, ``LYAP_CONTROL_KEYS``) unless given."""
        source = os.environ if env is None else env
        options.setdefault("topic_prefix", source.get("LYAP_TOPIC_PREFIX") or DEFAULT_TOPIC_PREFIX)
        options.setdefault("keys", ControlKeys.from_env(source))
        return cls(kafka_config_from_env(source, brokers), run_id, **options)

    @property
    def stats(self) -> IntakeStats:
        return self.intake.stats

    def take(self, step: int) -> Optional[AppliedLr]:
        return self.intake.take(step)

    def wait_for_command(self, timeout_s: float) -> bool:
        return self.intake.wait_for_command(timeout_s)

    def _on_assign(self, consumer: Any, partitions: List[Any]) -> None:
        # A partition with no committed offset starts at its end *now*, not when the first fetch
        # resolves "latest": a command published right after the join is then not skipped.
        deadline = time.monotonic() + 15
        while True:
            try:
                committed = consumer.committed(partitions, timeout=5)
                for tp, done in zip(partitions, committed):
                    if done.offset < 0:
                        tp.offset = consumer.get_watermark_offsets(tp, timeout=5)[1]
                break
            except self._ck.KafkaException as error:  # a coordinator still loading, say: retriable
                if time.monotonic() > deadline:
                    log.warning("control consumer: no committed offsets (%s): starting where auto.offset.reset says", error)
                    break
                time.sleep(0.2)
        consumer.assign(partitions)
        self.joined.set()

    def _run(self) -> None:
        self._consumer.subscribe([self.topics.control], on_assign=self._on_assign)
        try:
            while not self._stop.is_set():
                try:
                    self._poll_once()
                except Exception as error:  # noqa: BLE001 - the intake must outlive one bad poll
                    log.warning("control consumer: %s", error)
                    time.sleep(0.5)
        finally:
            self._consumer.close()

    def _poll_once(self) -> None:
        message = self._consumer.poll(0.2)
        if message is None:
            return
        if message.error() is not None:
            log.warning("control consumer: %s", message.error())
            return
        outcome = self.intake.receive(message.value() or b"")
        if outcome is not None and not isinstance(outcome, str) and self._dead_letters is not None:
            key = message.key()
            self._dead_letters.emit(dead_letter(
                source_topic=message.topic(), partition=message.partition(), offset=message.offset(),
                key=key.decode("utf-8", "replace") if key is not None else None, error=outcome.message,
                raw=message.value() or b"", ts=int(time.time() * 1000), run_id=outcome.run_id,
            ))

    def close(self) -> None:
        """Stops the consumer (commits, leaves the group)."""
        self._stop.set()
        self._thread.join(timeout=30)
