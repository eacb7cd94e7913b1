"""HMAC signatures of learning-rate commands (``src/events/command-signature.ts``) and command
keys with ids (``LYAP_CONTROL_KEYS``).

``sig`` is the lowercase hex HMAC-SHA256, keyed with the key's UTF-8 bytes, of the canonical
JSON of the command without ``sig``: every other field the signer wrote, ``keyId`` included when
present, and fields this version does not know too. A trainer verifies over the fields it decoded
plus the unknown ones as received (``unknown_fields``, from
:func:`~lyap_client.events.decode_lr_command_with_unknown_fields`), so that a newer controller may
add a field. A command with ``keyId`` verifies only against the key of that id; one without it
against the single legacy key ``LYAP_CONTROL_KEY``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

from .errors import ConfigError
from .events import KEY_ID
from .jsjson import canonical_json

__all__ = ["signature_of", "sign_command", "verify_command_signature", "ControlKeys"]


UnknownFields = Optional[Mapping[str, Any]]


def _unsigned(command: Mapping[str, Any], unknown_fields: UnknownFields = None) -> Dict[str, Any]:
    fields = {**(unknown_fields or {}), **command}
    fields.pop("sig", None)
    return fields


def signature_of(command: Mapping[str, Any], key: str, unknown_fields: UnknownFields = None) -> str:
    """HMAC-SHA256 (lowercase hex) of the canonical JSON of the command without ``sig``, with
    ``unknown_fields`` (the fields its decoder did not know, as received)."""
    text = canonical_json(_unsigned(command, unknown_fields))
    return hmac.new(key.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def sign_command(command: Mapping[str, Any], key: str, key_id: Optional[str] = None) -> Dict[str, Any]:
    """The command with ``sig`` (and ``keyId`` first set to ``key_id`` when given)."""
    unsigned = _unsigned(command)
    if key_id is not None:
        unsigned["keyId"] = key_id
    return {**unsigned, "sig": signature_of(unsigned, key)}


def verify_command_signature(command: Mapping[str, Any], key: str, unknown_fields: UnknownFields = None) -> bool:
    """Whether ``sig`` is present and matches the command, with ``unknown_fields``, under ``key``
    (constant-time comparison)."""
    sig = command.get("sig")
    if not isinstance(sig, str):
        return False
    expected = signature_of(command, key, unknown_fields)
    return hmac.compare_digest(sig.encode("ascii", "replace"), expected.encode("ascii"))


@dataclass(frozen=True)
class ControlKeys:
    """The keys a trainer verifies commands with.

    ``legacy``: the single key of ``LYAP_CONTROL_KEY`` (commands without ``keyId``);
    ``by_id``: the keys of ``LYAP_CONTROL_KEYS="id1:secret1,id2:secret2"`` in order, the last the
    newest (commands with that ``keyId``).
    """

    legacy: Optional[str] = None
    by_id: Tuple[Tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def any(self) -> bool:
        """Whether a key is set, so that only verified commands may be applied."""
        return self.legacy is not None or len(self.by_id) > 0

    @property
    def newest(self) -> Optional[Tuple[str, str]]:
        return self.by_id[-1] if self.by_id else None

    def key_for(self, command: Mapping[str, Any]) -> Optional[str]:
        """The key that must have signed the command: its ``keyId``'s, else the legacy key."""
        key_id = command.get("keyId")
        if key_id is None:
            return self.legacy
        return dict(self.by_id).get(key_id) if isinstance(key_id, str) else None

    def verdict(self, command: Mapping[str, Any], unknown_fields: UnknownFields = None) -> str:
        """``"valid"``, ``"unsigned"`` (no ``sig``), ``"unknown-key"`` (a ``keyId`` these keys do not
        hold, or none and no legacy key) or ``"forged"``. ``unknown_fields``: the fields the command
        arrived with that its decoder did not know, which the signature covers too."""
        if "sig" not in command:
            return "unsigned"
        key = self.key_for(command)
        if key is None:
            return "unknown-key"
        return "valid" if verify_command_signature(command, key, unknown_fields) else "forged"

    def verify(self, command: Mapping[str, Any], unknown_fields: UnknownFields = None) -> bool:
        return self.verdict(command, unknown_fields) == "valid"

    def sign(self, command: Mapping[str, Any]) -> Dict[str, Any]:
        """Signed with the newest keyed key (with its ``keyId``), else with the legacy key."""
        newest = self.newest
        if newest is not None:
            return sign_command(command, newest[1], newest[0])
        if self.legacy is not None:
            return sign_command(command, self.legacy)
        raise ConfigError("no control key to sign with: set LYAP_CONTROL_KEY or LYAP_CONTROL_KEYS")

    @staticmethod
    def parse(legacy: Optional[str] = None, keys: Optional[str] = None) -> "ControlKeys":
        """From the two variables' texts; empty counts as unset. ``ConfigError`` for a malformed list."""
        pairs: List[Tuple[str, str]] = []
        if keys is not None and keys.strip() != "":
            for index, entry in enumerate(keys.split(",")):
                key_id, colon, secret = entry.partition(":")  # split at the first colon; nothing trimmed
                if colon == "" or KEY_ID.fullmatch(key_id) is None:
                    # Never echo the entry: without a colon it may be a secret.
                    raise ConfigError(
                        f"LYAP_CONTROL_KEYS entry {index + 1}: no key id of 1-64 characters of [A-Za-z0-9._-] before a ':' (expected id:secret[,id:secret…])"
                    )
                if secret == "":
                    raise ConfigError(f"LYAP_CONTROL_KEYS entry {index + 1} (key {key_id}): the secret is empty (expected id:secret)")
                if any(key_id == known for known, _ in pairs):
                    raise ConfigError(f"LYAP_CONTROL_KEYS names key id {key_id!r} twice")
                pairs.append((key_id, secret))
        return ControlKeys(legacy=legacy if legacy else None, by_id=tuple(pairs))

    @staticmethod
    def from_env(env: Optional[Mapping[str, str]] = None) -> "ControlKeys":
        """``LYAP_CONTROL_KEY`` and ``LYAP_CONTROL_KEYS`` from the environment (default ``os.environ``)."""
        source = os.environ if env is None else env
        return ControlKeys.parse(source.get("LYAP_CONTROL_KEY"), source.get("LYAP_CONTROL_KEYS"))

    def __repr__(self) -> str:  # never the secrets
        return f"ControlKeys(legacy={'set' if self.legacy else 'unset'}, ids={[k for k, _ in self.by_id]})"
