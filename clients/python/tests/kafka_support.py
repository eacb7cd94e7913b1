"""A broker for the Kafka tests (KAFKA_BROKERS, as test/helpers/kafka-broker.ts hands it over),
lyap processes, and reading topics back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from typing import Any, Callable, Dict, List, Optional

from conftest import REPO, lyap_command, require


def brokers() -> str:
    value = os.environ.get("KAFKA_BROKERS", "").strip()
    require(value != "", "KAFKA_BROKERS is not set: the Kafka tests need a broker (npm test provides one)")
    return value


class LyapProcess:
    """A long-running ``lyap <args>`` whose stderr is collected."""

    def __init__(self, args: List[str], env: Optional[Dict[str, str]] = None) -> None:
        self.args = args
        self.child = subprocess.Popen(lyap_command() + args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      text=True, env={**os.environ, **(env or {})})
        self._stderr: List[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.child.stderr is not None
        for line in self.child.stderr:
            self._stderr.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)

    def wait_for(self, text: str, timeout_s: float = 90) -> None:
        deadline = time.monotonic() + timeout_s
        while text not in self.stderr:
            assert self.child.poll() is None, f"lyap {self.args[0]} exited before {text!r}:\n{self.stderr}"
            assert time.monotonic() < deadline, f"lyap {self.args[0]}: no {text!r} in {timeout_s} s:\n{self.stderr}"
            time.sleep(0.1)

    def metrics_url(self) -> str:
        for line in self._stderr:
            if '"metricsUrl"' in line:
                return json.loads(line)["metricsUrl"]
        raise AssertionError(f"no metrics URL logged:\n{self.stderr}")

    def stop(self) -> int:
        if self.child.poll() is None:
            self.child.send_signal(signal.SIGTERM)
        code = self.child.wait(timeout=60)
        self._reader.join(timeout=5)
        return code


def read_topics(bootstrap: str, topics: List[str], until: Callable[[List[Any]], bool], timeout_s: float = 120) -> List[Any]:
    """Messages of ``topics`` from their beginning, until ``until(messages)`` (or ``timeout_s``)."""
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"pytest-read-{time.time_ns()}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe(topics)
    messages: List[Any] = []
    deadline = time.monotonic() + timeout_s
    try:
        while not until(messages) and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                messages.append(message)
    finally:
        consumer.close()
    return messages


def publish(bootstrap: str, topic: str, key: str, value: bytes) -> None:
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "partitioner": "murmur2_random"})
    producer.produce(topic, key=key, value=value)
    assert producer.flush(30) == 0
