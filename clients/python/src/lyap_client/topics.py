"""Topic names: a prefix plus a fixed name per event type (``src/events/topics.ts``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DEFAULT_TOPIC_PREFIX", "TopicNames", "topic_names", "topic_for_type", "TOPIC_BY_TYPE"]

DEFAULT_TOPIC_PREFIX = "lyap."
MAX_TOPIC_PREFIX_LENGTH = 200
_PREFIX = re.compile(r"[A-Za-z0-9._-]*")

TOPIC_BY_TYPE = {
    "run": "runs",
    "gradient": "gradients",
    "trajectory": "trajectory",
    "estimate": "estimates",
    "lr-command": "control",
    "alert": "alerts",
    "dead-letter": "dlq",
}


@dataclass(frozen=True)
class TopicNames:
    """The seven topics of one prefix; ``runs`` is compacted."""

    runs: str
    gradients: str
    trajectory: str
    estimates: str
    control: str
    alerts: str
    dlq: str

    def all(self) -> "list[str]":
        return [self.runs, self.gradients, self.trajectory, self.estimates, self.control, self.alerts, self.dlq]


def topic_names(prefix: str = DEFAULT_TOPIC_PREFIX) -> TopicNames:
    """The topics under ``prefix``; ``ValueError`` for a prefix Kafka or the pipeline would refuse."""
    if len(prefix) > MAX_TOPIC_PREFIX_LENGTH or _PREFIX.fullmatch(prefix) is None:
        raise ValueError(
            f"topic prefix {prefix[:40]!r} is invalid: expected at most {MAX_TOPIC_PREFIX_LENGTH} characters of [A-Za-z0-9._-]"
        )
    return TopicNames(**{field: f"{prefix}{field}" for field in TOPIC_BY_TYPE.values()})


def topic_for_type(event_type: str, topics: TopicNames) -> str:
    return getattr(topics, TOPIC_BY_TYPE[event_type])
