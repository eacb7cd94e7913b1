"""lyap-client: PyTorch training runs in the lyapunov-pipeline.

A :class:`Monitor` wraps a torch model and optimizer: it emits the v1 ``run``, ``gradient`` and
``trajectory`` events with a probe built on exact Hessian-vector products, to Kafka
(:class:`KafkaEmitter`) or JSON lines (:class:`JsonLinesEmitter`), and applies signed
learning-rate commands (:class:`KafkaCommands`) at step boundaries.

The torch and Kafka parts are imported on first use, so that the events, signatures and the
command intake's logic work with the standard library alone.
"""

from __future__ import annotations

from typing import Any

from .emitters import Emitter, JsonLinesEmitter, MemoryEmitter, TeeEmitter
from .errors import ConfigError, LyapClientError
from .events import decode_lr_command, decode_lr_command_with_unknown_fields, encode_event
from .intake import AppliedLr, CommandIntake, CommandSource, IntakeStats, LrBounds
from .jsjson import canonical_json
from .signature import ControlKeys, sign_command, verify_command_signature
from .topics import TopicNames, topic_names

__version__ = "0.1.0"

_LAZY = {
    "Monitor": "monitor",
    "ProbeSettings": "probe",
    "TangentProbe": "probe",
    "KafkaEmitter": "kafka",
    "KafkaCommands": "kafka",
    "KafkaConfig": "kafka",
    "kafka_config_from_env": "kafka",
    "TopicSettings": "kafka",
}

__all__ = [
    "AppliedLr",
    "CommandIntake",
    "CommandSource",
    "ConfigError",
    "ControlKeys",
    "Emitter",
    "IntakeStats",
    "JsonLinesEmitter",
    "LrBounds",
    "LyapClientError",
    "MemoryEmitter",
    "TeeEmitter",
    "TopicNames",
    "canonical_json",
    "decode_lr_command",
    "decode_lr_command_with_unknown_fields",
    "encode_event",
    "sign_command",
    "topic_names",
    "verify_command_signature",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lyap_client' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f".{module}", __name__), name)
