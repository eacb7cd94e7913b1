"""JSON text as JavaScript writes it, byte for byte.

The pipeline's TypeScript side writes events with ``JSON.stringify`` and signs commands over a
canonical JSON whose numbers are "as JavaScript writes them". Python's ``json`` differs in
numbers (``1e-07`` against ``1e-7``, ``100.0`` against ``100``) and in lone surrogates, so the
client writes both forms itself:

- :func:`js_number` is ECMAScript's Number::toString (radix 10) on the shortest round-trip
  digits, which Python's ``repr`` gives (both choose the shortest digit string that reads back
  as the same double);
- :func:`js_string` escapes as ``JSON.stringify`` does since ES2019 (well-formed stringify);
- :func:`canonical_json` sorts every object's keys by UTF-16 code units, as JavaScript compares
  strings;
- :func:`compact_json` keeps key order, as ``JSON.stringify`` does.
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable, Optional

__all__ = ["js_number", "js_string", "canonical_json", "compact_json", "parse_json"]

_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def js_number(value: float) -> str:
    """``String(value)`` in JavaScript for a finite number (``-0`` gives ``"0"``).

    Raises ``ValueError`` for NaN and infinities, which JSON cannot carry, and ``TypeError``
    for booleans (JavaScript's ``true`` is no number).
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{value!r} is not a finite number")
    if x == 0:
        return "0"
    fast = repr(x)
    if "e" not in fast:
        # Python writes 1e-4 <= |x| < 1e16 without an exponent, inside JavaScript's own decimal
        # range (1e-6 <= |x| < 1e21), with the same shortest digits; only "123.0" differs.
        return fast[:-2] if fast.endswith(".0") else fast
    sign = "-" if x < 0 else ""
    mantissa, _, exponent = repr(abs(x)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    raw = whole + fraction
    stripped = raw.lstrip("0")
    # value = 0.d1d2…dk × 10^n
    n = len(whole) + (int(exponent) if exponent else 0) - (len(raw) - len(stripped))
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        tail = f"e{'+' if e >= 0 else '-'}{abs(e)}"
        text = (digits if k == 1 else digits[0] + "." + digits[1:]) + tail
    return sign + text


_NEEDS_ESCAPE = re.compile('[\\x00-\\x1f"\\\\\\ud800-\\udfff]')


def js_string(text: str) -> str:
    """``JSON.stringify(text)``: quotes, backslash, control characters and lone surrogates escaped."""
    if _NEEDS_ESCAPE.search(text) is None:
        return f'"{text}"'
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif code < 0x20 or 0xD800 <= code <= 0xDFFF:
            # Python strings hold surrogates only unpaired (a pair is one code point).
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _write(value: Any, sort_keys: bool, non_finite: Optional[Callable[[float], str]]) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return js_string(value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            if non_finite is None:
                return "null"  # what JSON.stringify writes
            return non_finite(value)
        return js_number(value)
    if isinstance(value, dict):
        items = list(value.items())
        for key, _ in items:
            if not isinstance(key, str):
                raise TypeError(f"object keys must be strings, got {type(key).__name__}")
        if sort_keys:
            items.sort(key=lambda item: _utf16_key(item[0]))
        return "{" + ",".join(f"{js_string(k)}:{_write(v, sort_keys, non_finite)}" for k, v in items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_write(v, sort_keys, non_finite) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def canonical_json(value: Any) -> str:
    """Every object's keys sorted (UTF-16 order), no whitespace, numbers as JavaScript writes them.

    The byte string a command signature covers (``canonicalJson`` in
    ``src/events/command-signature.ts``).
    """
    return _write(value, True, None)


def _non_finite_string(x: float) -> str:
    return '"NaN"' if math.isnan(x) else ('"Infinity"' if x > 0 else '"-Infinity"')


def compact_json(value: Any) -> str:
    """``JSON.stringify`` of the value, keys in their order, with NaN and ±Infinity written as the
    strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` (the v1 codec's rule for measured fields)."""
    return _write(value, False, _non_finite_string)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_MAX_SAFE_INTEGER = 2**53 - 1


def _js_integer(literal: str) -> Any:
    """An integer literal as ``JSON.parse`` reads it: exact within the safe range, else the nearest
    double (``inf`` beyond the doubles), as every JavaScript number is; Python's own ``int`` would
    keep every digit (and a canonical JSON of it could not be written)."""
    if len(literal) <= 16:  # |n| < 10**16: cheap to read exactly
        value = int(literal)
        return value if abs(value) <= _MAX_SAFE_INTEGER else float(value)
    return float(literal)


def parse_json(text: str) -> Any:
    """``JSON.parse``: like ``json.loads`` but rejecting the ``NaN`` and ``Infinity`` literals JSON
    lacks, and reading integers beyond 2**53 as doubles (``1e400`` and a 400-digit integer are both
    ``inf``, as in JavaScript)."""
    import json

    return json.loads(text, parse_constant=_reject_constant, parse_int=_js_integer)
