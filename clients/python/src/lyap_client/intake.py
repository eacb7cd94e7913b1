"""Learning-rate intake: commands for one run, verified, queued, applied at step boundaries.

The pure core of ``src/trainer/lr-intake.ts`` and ``lr-command-queue.ts``, with the same rules
and counters. Thread-safe: a consumer thread calls :meth:`CommandIntake.receive`, the training
loop calls :meth:`CommandIntake.take` at each step boundary.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional, Set, Union

from .events import LR_COMMAND_REASONS, DecodeFailure, LrCommandEvent, decode_lr_command_with_unknown_fields
from .signature import ControlKeys

__all__ = ["LrBounds", "AppliedLr", "LrCommandQueue", "IntakeStats", "CommandIntake", "CommandSource"]

DEFAULT_LR_MIN = 1e-6
DEFAULT_LR_MAX = 10.0


@dataclass(frozen=True)
class LrBounds:
    """Commanded rates are clamped to ``[min_lr, max_lr]`` (``lyap train --lr-min/--lr-max``)."""

    min_lr: float = DEFAULT_LR_MIN
    max_lr: float = DEFAULT_LR_MAX

    def __post_init__(self) -> None:
        if not (0 < self.min_lr <= self.max_lr < float("inf")):
            raise ValueError(f"lr bounds must satisfy 0 < min_lr <= max_lr < inf, got [{self.min_lr}, {self.max_lr}]")


@dataclass(frozen=True)
class AppliedLr:
    """What a step boundary applied: the rate in force (clamped), its command's seq, what it asked for."""

    lr: float
    seq: int
    requested_lr: float
    applied: int


class LrCommandQueue:
    """Commands wait for the next step boundary; ``take`` applies every waiting one in seq order
    (the newest sets the rate) and clamps it. A seq at or below the last applied one is stale or a
    duplicate (at-least-once delivery, or a replay) and is refused."""

    def __init__(self, run_id: str, bounds: LrBounds) -> None:
        self._run_id = run_id
        self._bounds = bounds
        self._waiting: Dict[int, LrCommandEvent] = {}
        self.last_seq: Optional[int] = None

    @property
    def waiting_count(self) -> int:
        return len(self._waiting)

    def offer(self, command: LrCommandEvent) -> str:
        """``"queued"``, ``"other-run"``, ``"stale"`` or ``"duplicate"``."""
        if command["runId"] != self._run_id:
            return "other-run"
        seq = command["seq"]
        if self.last_seq is not None and seq <= self.last_seq:
            return "duplicate" if seq == self.last_seq else "stale"
        if seq in self._waiting:
            return "duplicate"
        self._waiting[seq] = command
        return "queued"

    def take(self) -> Optional[AppliedLr]:
        if not self._waiting:
            return None
        seqs = sorted(self._waiting)
        newest = self._waiting[seqs[-1]]
        self._waiting.clear()
        self.last_seq = newest["seq"]
        lr = min(self._bounds.max_lr, max(self._bounds.min_lr, newest["lr"]))
        return AppliedLr(lr=lr, seq=newest["seq"], requested_lr=newest["lr"], applied=len(seqs))


@dataclass
class IntakeStats:
    """Counters of ``LrIntakeStats`` (snake case): every command is counted once, where it ended."""

    received: int = 0
    applied: int = 0
    ignored_other_run: int = 0
    ignored_stale_or_duplicate: int = 0
    ignored_unverified: int = 0
    rejected_unsigned: int = 0
    rejected_forged: int = 0
    rejected_unknown_key: int = 0
    advisory: int = 0
    clamped: int = 0
    undecodable: int = 0

    def as_dict(self) -> Dict[str, int]:
        return dict(self.__dict__)


class CommandSource:
    """What a :class:`~lyap_client.monitor.Monitor` consults at every step boundary."""

    def take(self, step: int) -> Optional[AppliedLr]:  # pragma: no cover - interface
        raise NotImplementedError


class CommandIntake(CommandSource):
    """Decodes, filters to the run, verifies and queues commands; ``take`` applies them.

    With a key (``keys.any``) only commands whose ``sig`` verifies are applied: unsigned ones are
    ``rejected_unsigned``, ones signed with a key this trainer does not hold (an unknown ``keyId``,
    or none without ``LYAP_CONTROL_KEY``) ``rejected_unknown_key``, forged ones (wrong key,
    tampered fields) ``rejected_forged``. Without one, commands apply only with ``accept_unsigned`` (which warns),
    and are otherwise ignored with one notice. ``advisory`` commands are counted and logged,
    never applied; a ``seq`` not above the last applied is ``ignored_stale_or_duplicate``.
    """

    def __init__(
        self,
        run_id: str,
        *,
        keys: Optional[ControlKeys] = None,
        accept_unsigned: bool = False,
        bounds: LrBounds = LrBounds(),
        silence_steps: int = 1000,
        log: Optional[Callable[[str], None]] = None,
    ) -> None:
        self.run_id = run_id
        self.keys = keys if keys is not None else ControlKeys()
        self.accept_unsigned = accept_unsigned
        self.stats = IntakeStats()
        self._queue = LrCommandQueue(run_id, bounds)
        self._silence_steps = silence_steps
        self._log = log or (lambda message: None)
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._last_applied_step: Optional[int] = None
        self._silence_reported = False
        self._unknown_reasons: Set[str] = set()
        if not self.keys.any and accept_unsigned:
            self._log("accepting unsigned lr-commands (no LYAP_CONTROL_KEY): anyone who can write the control topic sets the rate")

    def receive(self, payload: Union[bytes, str, Mapping[str, Any]]) -> Union[str, DecodeFailure, None]:
        """Takes one payload off the control topic. Returns where it ended (a counter's name,
        ``"queued"``), the :class:`DecodeFailure` of an undecodable one (to dead-letter), or
        ``None`` for a blank payload or another event type."""
        if isinstance(payload, Mapping):
            from .jsjson import compact_json

            payload = compact_json(dict(payload))
        decoded = decode_lr_command_with_unknown_fields(payload)
        if decoded is None:
            return None
        if isinstance(decoded, DecodeFailure):
            with self._lock:
                self.stats.undecodable += 1
            return decoded
        return self._receive(*decoded)

    def _receive(self, command: LrCommandEvent, unknown_fields: Mapping[str, Any]) -> str:
        with self._lock:
            if command["runId"] != self.run_id:
                self.stats.ignored_other_run += 1
                return "ignored_other_run"
            self.stats.received += 1
            seq = command["seq"]
            if self.keys.any:
                verdict = self.keys.verdict(command, unknown_fields)
                if verdict == "unsigned":
                    self.stats.rejected_unsigned += 1
                    self._log(f"rejected lr-command seq {seq}: unsigned, and a signing key is set")
                    return "rejected_unsigned"
                if verdict == "unknown-key":
                    self.stats.rejected_unknown_key += 1
                    held = [key_id for key_id, _ in self.keys.by_id]
                    self._log(
                        f"rejected lr-command seq {seq}: "
                        + ("signed without a key id, and no LYAP_CONTROL_KEY is set" if "keyId" not in command
                           else f"signed with key id {command['keyId']}, which this trainer does not hold "
                                f"(it holds {', '.join(held) if held else 'only LYAP_CONTROL_KEY'})")
                    )
                    return "rejected_unknown_key"
                if verdict == "forged":
                    self.stats.rejected_forged += 1
                    self._log(f"rejected lr-command seq {seq}: its signature does not match")
                    return "rejected_forged"
            elif not self.accept_unsigned:
                self.stats.ignored_unverified += 1
                if self.stats.ignored_unverified == 1:
                    self._log("ignoring lr-commands: no LYAP_CONTROL_KEY to verify them; set it, or accept unsigned commands")
                return "ignored_unverified"
            self._notice_unknown_reason(command)
            if command.get("advisory") is True:
                self.stats.advisory += 1
                self._log(f"advisory lr-command seq {seq}: the controller advises lr {command['lr']} (not applied)")
                return "advisory"
            if self._queue.offer(command) != "queued":
                self.stats.ignored_stale_or_duplicate += 1
                return "ignored_stale_or_duplicate"
            self._arrived.notify_all()
            return "queued"

    def take(self, step: int) -> Optional[AppliedLr]:
        """At the boundary before ``step``: the command to apply now, if one is waiting."""
        with self._lock:
            applied = self._queue.take()
            if applied is None:
                self._notice_silence(step)
                return None
            self.stats.applied += applied.applied
            self._last_applied_step = step
            self._silence_reported = False
        if applied.lr != applied.requested_lr:
            with self._lock:
                self.stats.clamped += 1
            self._log(f"lr-command seq {applied.seq} asked for lr {applied.requested_lr}; clamped to {applied.lr}")
        return applied

    @property
    def last_seq(self) -> Optional[int]:
        return self._queue.last_seq

    def wait_for_command(self, timeout_s: float) -> bool:
        """True as soon as a command ``take`` would apply is waiting (at once if one is); False after ``timeout_s``."""
        with self._lock:
            return self._arrived.wait_for(lambda: self._queue.waiting_count > 0, timeout=timeout_s)

    def _notice_unknown_reason(self, command: LrCommandEvent) -> None:
        reason = command["reason"]
        if reason in LR_COMMAND_REASONS or reason in self._unknown_reasons:
            return
        self._unknown_reasons.add(reason)
        self._log(
            f"lr-command seq {command['seq']} has reason {reason}, which this trainer does not know "
            "(a newer controller's rule); taken like any other"
        )

    def _notice_silence(self, step: int) -> None:
        last = self._last_applied_step
        if last is None or self._silence_reported or step - last < self._silence_steps:
            return
        self._silence_reported = True
        self._log(f"no lr-command for {step - last} steps: keeping the last learning rate")
