"""The v1 events this client writes and reads (docs/events.md, schemas/*.json).

Events are plain dicts in the contract's key order; :func:`encode_event` writes them as the
TypeScript codec does (compact, key order kept, non-finite measurements as ``"NaN"``,
``"Infinity"``, ``"-Infinity"``). :func:`decode_lr_command` reads the one event type a trainer
consumes, with the decoder's rules and messages.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Literal, Mapping, Optional, Tuple, TypedDict, Union

from .jsjson import compact_json, parse_json

__all__ = [
    "EVENT_TYPES",
    "LR_COMMAND_REASONS",
    "LR_COMMAND_REASON",
    "MAX_K",
    "ProbeConfig",
    "RunConfig",
    "Probe",
    "RunEvent",
    "GradientEvent",
    "TrajectoryEvent",
    "LrCommandEvent",
    "DecodeFailure",
    "encode_event",
    "is_run_id",
    "check_run_id",
    "decode_lr_command",
    "decode_lr_command_with_unknown_fields",
    "dead_letter",
]

EVENT_TYPES = ("run", "gradient", "trajectory", "estimate", "lr-command", "alert", "dead-letter")
#: The reasons this version's controller writes. A trainer accepts others of the form
#: :data:`LR_COMMAND_REASON` too: a newer controller may add a rule.
LR_COMMAND_REASONS = (
    "quasi-newton",
    "brake",
    "manual",
    "hold",
    "edge",
    "gradient-newton",
    "guard",
    "warm-up",
)
MAX_K = 8
MAX_EVENT_BYTES = 1_048_576
MAX_SAFE_INTEGER = 2**53 - 1
MAX_DEAD_LETTER_RAW_BYTES = 65_536
MAX_DEAD_LETTER_ERROR_CHARS = 4096
_RUN_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_SIG = re.compile(r"[0-9a-f]{64}")
#: What every ``reason`` looks like, a newer controller's too (``LR_COMMAND_REASON_PATTERN``).
LR_COMMAND_REASON = re.compile(r"[a-z][a-z0-9-]{0,63}")
#: A key id of LYAP_CONTROL_KEYS, as the command's ``keyId``.
KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

Matrix = List[List[float]]


class ProbeConfig(TypedDict, total=False):
    every: int
    kLyapunov: int
    kSharpness: int
    hvp: Literal["forward", "central", "exact"]
    lyapunovEvery: int
    lyapunovBurst: int
    lyapunovDiscard: int


class RunConfig(TypedDict, total=False):
    model: str
    dataset: str
    optimizer: str
    momentum: float
    lr: float
    batchSize: int
    params: int
    backend: str
    seed: int
    probe: ProbeConfig


class RunEvent(TypedDict, total=False):
    v: int
    type: Literal["run"]
    runId: str
    ts: int
    phase: Literal["start", "end"]
    config: RunConfig
    status: Literal["completed", "failed", "diverged", "stopped"]
    finalLoss: float
    lastStep: int


class Probe(TypedDict, total=False):
    """``gradient.probe``; ``eps`` is absent with exact products (``hvp: "exact"``)."""

    eps: float
    hvps: int
    lyapunov: Dict[str, Any]
    sharpness: Dict[str, Any]
    minCurvature: Dict[str, float]
    batchSharpness: float


class GradientEvent(TypedDict, total=False):
    v: int
    type: Literal["gradient"]
    runId: str
    ts: int
    step: int
    lr: float
    loss: float
    gradNorm: float
    batchSize: int
    layerGradNorms: Dict[str, float]
    cmdSeq: int
    stepMs: float
    probeMs: float
    probe: Probe


class TrajectoryEvent(TypedDict, total=False):
    v: int
    type: Literal["trajectory"]
    runId: str
    ts: int
    step: int
    paramNorm: float
    updateNorm: float
    distanceFromInit: float
    cosPrevUpdate: float


class LrCommandEvent(TypedDict, total=False):
    v: int
    type: Literal["lr-command"]
    runId: str
    ts: int
    seq: int
    lr: float
    previousLr: float
    reason: str
    basedOnStep: int
    sharpness: float
    advisory: bool
    keyId: str
    sig: str


_LR_COMMAND_KEYS = frozenset(LrCommandEvent.__annotations__)


def encode_event(event: Mapping[str, Any]) -> str:
    """One event as the v1 wire text (``encodeEvent`` in ``src/events/codec.ts``)."""
    return compact_json(event)


def is_run_id(value: object) -> bool:
    return isinstance(value, str) and _RUN_ID.fullmatch(value) is not None


def check_run_id(run_id: str) -> str:
    """``run_id`` if it is a valid run id (1–128 characters of ``[A-Za-z0-9._:-]``), else ``ValueError``."""
    if not is_run_id(run_id):
        raise ValueError(f"run id {run_id!r} is invalid: expected 1-128 characters of [A-Za-z0-9._:-]")
    return run_id


@dataclass(frozen=True)
class DecodeFailure:
    """Why a payload is not a v1 event of the expected type: ``reason`` and a one-line ``message``."""

    reason: str
    message: str
    run_id: Optional[str] = None
    type: Optional[str] = None


def _preview(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        text = compact_json(value)
        return text if len(text) <= 42 else text[:40] + '…"'
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")  # String(x), as the decoder shows it
    if isinstance(value, (int, float)):
        return compact_json(value)
    return "array" if isinstance(value, list) else "object"


def _is_number(value: Any) -> bool:
    """A finite JSON number (a literal beyond the doubles, ``1e400``, reads as ``inf``: no number, as in the decoder)."""
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int) and not isinstance(value, bool)


def _is_safe_int(value: Any) -> bool:
    return _is_number(value) and float(value).is_integer() and abs(value) <= MAX_SAFE_INTEGER


class _Invalid(Exception):
    def __init__(self, path: str, detail: str) -> None:
        super().__init__(detail)
        self.path = path
        self.detail = detail


def _int_at_least(record: Mapping[str, Any], key: str, minimum: int) -> int:
    value: Any = record.get(key)
    if not _is_safe_int(value):
        raise _Invalid(key, f"expected an integer, received {_preview(value)}")
    if value < minimum:
        raise _Invalid(key, f"expected >= {minimum}, received {_preview(value)}")
    return int(value)


def _number(record: Mapping[str, Any], key: str, *, above: Optional[float] = None, at_least: Optional[float] = None) -> float:
    value: Any = record.get(key)
    if not _is_number(value):
        raise _Invalid(key, f"expected a number, received {_preview(value)}")
    if above is not None and not value > above:
        raise _Invalid(key, f"expected > {compact_json(above)}, received {_preview(value)}")
    if at_least is not None and not value >= at_least:
        raise _Invalid(key, f"expected >= {compact_json(at_least)}, received {_preview(value)}")
    return value


def _lr_command_fields(record: Mapping[str, Any]) -> LrCommandEvent:
    """The command's known fields in contract order, checked; unknown keys are dropped."""
    command: Dict[str, Any] = {"v": 1, "type": "lr-command"}
    run_id = record.get("runId")
    if not is_run_id(run_id):
        raise _Invalid("runId", f"expected 1-128 characters of [A-Za-z0-9._:-], received {_preview(run_id)}")
    command["runId"] = run_id
    command["ts"] = _int_at_least(record, "ts", 0)
    command["seq"] = _int_at_least(record, "seq", 0)
    command["lr"] = _number(record, "lr", above=0)
    command["previousLr"] = _number(record, "previousLr", at_least=0)
    reason = record.get("reason")
    if not isinstance(reason, str) or LR_COMMAND_REASON.fullmatch(reason) is None:
        raise _Invalid(
            "reason",
            f"expected one of {', '.join(LR_COMMAND_REASONS)} or another reason of 1-64 characters of [a-z0-9-] "
            f"(a letter first), received {_preview(reason)}",
        )
    command["reason"] = reason
    command["basedOnStep"] = _int_at_least(record, "basedOnStep", 0)
    if "sharpness" in record:
        command["sharpness"] = _number(record, "sharpness")
    if "advisory" in record:
        if not isinstance(record["advisory"], bool):
            raise _Invalid("advisory", f"expected a boolean, received {_preview(record['advisory'])}")
        command["advisory"] = record["advisory"]
    if "keyId" in record:
        key_id = record["keyId"]
        if not isinstance(key_id, str) or KEY_ID.fullmatch(key_id) is None:
            raise _Invalid("keyId", f"expected 1-64 characters of [A-Za-z0-9._-], received {_preview(key_id)}")
        command["keyId"] = key_id
    if "sig" in record:
        sig = record["sig"]
        if not isinstance(sig, str) or _SIG.fullmatch(sig) is None:
            raise _Invalid("sig", f"expected 64 lowercase hex characters, received {_preview(sig)}")
        command["sig"] = sig
    return command  # type: ignore[return-value]


def decode_lr_command(raw: Union[bytes, str], *, max_bytes: int = MAX_EVENT_BYTES) -> Union[LrCommandEvent, DecodeFailure, None]:
    """An ``lr-command`` from a payload, checked in the decoder's order (too-large, invalid-utf8,
    invalid-json, not-an-object, unsupported-version, unknown-type, invalid-field).

    Returns the command (known fields only, in contract order), a :class:`DecodeFailure`, or
    ``None`` for a blank payload or a valid envelope of another event type, which a trainer's
    intake ignores as the TypeScript stage does.
    """
    decoded = decode_lr_command_with_unknown_fields(raw, max_bytes=max_bytes)
    return decoded[0] if isinstance(decoded, tuple) else decoded


def decode_lr_command_with_unknown_fields(
    raw: Union[bytes, str], *, max_bytes: int = MAX_EVENT_BYTES
) -> Union[Tuple[LrCommandEvent, Dict[str, Any]], DecodeFailure, None]:
    """:func:`decode_lr_command`, with the top-level fields the command arrived with that this
    version does not know, as received: ``(command, unknown_fields)``. Its signature covers them
    (``ControlKeys.verdict(command, unknown_fields)``), so that a newer controller may add a field
    without older trainers rejecting its commands as forged (``unknownFieldsOf`` in
    ``src/events/unknown-fields.ts``).
    """
    data = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
    if len(data) > max_bytes:
        return DecodeFailure("too-large", f"too-large: payload is {len(data)} bytes, the limit is {max_bytes}")
    if data.strip(b" \t\r\n") == b"":
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return DecodeFailure("invalid-utf8", "invalid-utf8: the payload is not valid UTF-8")
    try:
        record = parse_json(text)
    except ValueError as error:
        return DecodeFailure("invalid-json", f"invalid-json: {str(error).splitlines()[0]}")
    if not isinstance(record, dict):
        kind = "null" if record is None else ("array" if isinstance(record, list) else type(record).__name__)
        return DecodeFailure("not-an-object", f"not-an-object: expected a JSON object, received {kind}")
    run_id = record.get("runId") if is_run_id(record.get("runId")) else None
    event_type = record.get("type") if isinstance(record.get("type"), str) and 0 < len(record["type"]) <= 128 else None
    if record.get("v") != 1 or isinstance(record.get("v"), bool):
        return DecodeFailure("unsupported-version", f"unsupported-version: v: expected 1, received {_preview(record.get('v'))}", run_id, event_type)
    if record.get("type") not in EVENT_TYPES:
        return DecodeFailure("unknown-type", f"unknown-type: type: expected one of {', '.join(EVENT_TYPES)}, received {_preview(record.get('type'))}", run_id, event_type)
    if record["type"] != "lr-command":
        return None
    try:
        command = _lr_command_fields(record)
    except _Invalid as invalid:
        return DecodeFailure("invalid-field", f"invalid-field: lr-command.{invalid.path}: {invalid.detail}", run_id, event_type)
    return command, {key: value for key, value in record.items() if key not in _LR_COMMAND_KEYS}


def _truncate_utf8(text: str, max_bytes: int) -> str:
    data = text.encode("utf-8", "replace")
    if len(data) <= max_bytes:
        return text
    return data[:max_bytes].decode("utf-8", "ignore")


def dead_letter(*, source_topic: str, error: str, raw: Union[bytes, str], ts: int, run_id: Optional[str] = None,
                partition: Optional[int] = None, offset: Optional[int] = None, key: Optional[str] = None) -> Dict[str, Any]:
    """A ``dead-letter`` event for a payload a stage could not decode (``makeDeadLetter``)."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, (bytes, bytearray)) else raw
    event: Dict[str, Any] = {"v": 1, "type": "dead-letter", "runId": run_id if is_run_id(run_id) else "unknown", "ts": ts,
                             "sourceTopic": source_topic}
    if partition is not None:
        event["partition"] = partition
    if offset is not None:
        event["offset"] = str(offset)
    if key is not None:
        event["key"] = key
    event["error"] = error[:MAX_DEAD_LETTER_ERROR_CHARS]
    event["raw"] = _truncate_utf8(text, MAX_DEAD_LETTER_RAW_BYTES)
    return event

