"""Where events go: JSON lines (what ``lyap replay`` reads), memory, or several at once.
The Kafka emitter is in :mod:`lyap_client.kafka`."""

from __future__ import annotations

import sys
from typing import IO, Any, List, Mapping, Optional, Protocol, Union, runtime_checkable

from .events import encode_event

__all__ = ["Emitter", "JsonLinesEmitter", "MemoryEmitter", "TeeEmitter"]


@runtime_checkable
class Emitter(Protocol):
    """Takes each event; ``emit`` must not block on the network."""

    def emit(self, event: Mapping[str, Any]) -> None: ...

    def flush(self, timeout_s: Optional[float] = None) -> None: ...

    def close(self) -> None: ...


class JsonLinesEmitter:
    """One encoded event per line, in emission order: a file ``lyap replay --input`` reads.

    ``target``: a path (opened for writing, truncated), ``"-"`` for stdout, or an open text file
    (left open on ``close``)."""

    def __init__(self, target: Union[str, "IO[str]"]) -> None:
        if isinstance(target, str):
            self._file: IO[str] = sys.stdout if target == "-" else open(target, "w", encoding="utf-8")
            self._owned = target != "-"
        else:
            self._file = target
            self._owned = False
        self.written = 0

    def emit(self, event: Mapping[str, Any]) -> None:
        self._file.write(encode_event(event) + "\n")
        self.written += 1

    def flush(self, timeout_s: Optional[float] = None) -> None:
        self._file.flush()

    def close(self) -> None:
        self.flush()
        if self._owned:
            self._file.close()


class MemoryEmitter:
    """Keeps the events (and their encoded lines) in order: for tests and notebooks."""

    def __init__(self) -> None:
        self.events: List[Mapping[str, Any]] = []
        self.lines: List[str] = []

    def emit(self, event: Mapping[str, Any]) -> None:
        self.events.append(event)
        self.lines.append(encode_event(event))

    def flush(self, timeout_s: Optional[float] = None) -> None:
        return None

    def close(self) -> None:
        return None


class TeeEmitter:
    """Hands each event to every emitter, in order (Kafka and a JSON-lines record, say)."""

    def __init__(self, *emitters: Emitter) -> None:
        self.emitters = emitters

    def emit(self, event: Mapping[str, Any]) -> None:
        for emitter in self.emitters:
            emitter.emit(event)

    def flush(self, timeout_s: Optional[float] = None) -> None:
        for emitter in self.emitters:
            emitter.flush(timeout_s)

    def close(self) -> None:
        for emitter in self.emitters:
            emitter.close()


