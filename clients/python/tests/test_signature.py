"""Command keys: the legacy LYAP_CONTROL_KEY and LYAP_CONTROL_KEYS with ids."""

from __future__ import annotations

import pytest

from lyap_client import ConfigError, ControlKeys, sign_command, verify_command_signature

COMMAND = {"v": 1, "type": "lr-command", "runId": "r1", "ts": 1, "seq": 2, "lr": 0.5, "previousLr": 0.1,
           "reason": "edge", "basedOnStep": 20}


def test_the_newest_keyed_key_signs_and_any_current_key_verifies() -> None:
    keys = ControlKeys.parse("legacy", "old:s1,new:s2")
    signed = keys.sign(COMMAND)
    assert signed["keyId"] == "new" and keys.verify(signed)
    assert keys.verify(sign_command(COMMAND, "s1", "old"))
    assert keys.verify(sign_command(COMMAND, "legacy"))
    assert not keys.verify(sign_command(COMMAND, "s1", "new"))
    assert not keys.verify(sign_command(COMMAND, "s2", "gone"))
    assert not ControlKeys.parse(None, "old:s1").verify(sign_command(COMMAND, "legacy"))


def test_a_secret_may_hold_colons_and_the_id_is_split_at_the_first() -> None:
    keys = ControlKeys.parse(None, "a:b:c")
    assert keys.by_id == (("a", "b:c"),)


@pytest.mark.parametrize("text", ["nocolonS3CR", "id:", ":S3CR", "a:S3CR,,b:S3CR", "a:S3CR,a:S3CR", "bad id:S3CR", "a,b:S3CR"])
def test_malformed_key_lists_are_config_errors_that_never_echo_a_secret(text: str) -> None:
    with pytest.raises(ConfigError) as raised:
        ControlKeys.parse(None, text)
    assert "LYAP_CONTROL_KEYS" in str(raised.value) and "S3CR" not in str(raised.value)
    assert str(raised.value).endswith("(LYAP_E_CONFIG)")


def test_tampering_breaks_the_signature_and_empty_variables_count_as_unset() -> None:
    signed = sign_command(COMMAND, "k")
    assert verify_command_signature(signed, "k")
    assert not verify_command_signature({**signed, "lr": 5}, "k")
    assert not verify_command_signature(COMMAND, "k")
    assert not ControlKeys.from_env({"LYAP_CONTROL_KEY": "", "LYAP_CONTROL_KEYS": ""}).any
    assert "s3cret" not in repr(ControlKeys.parse("s3cret", "i:s3cret"))


def test_a_key_nobody_holds_is_an_unknown_key_not_a_forgery() -> None:
    keyed_only = ControlKeys.parse(None, "k1:s1")
    assert keyed_only.verdict(sign_command(COMMAND, "s1")) == "unknown-key"  # no keyId, no LYAP_CONTROL_KEY
    assert keyed_only.verdict(sign_command(COMMAND, "s1", "k2")) == "unknown-key"
    assert keyed_only.verdict(sign_command(COMMAND, "s2", "k1")) == "forged"
    assert keyed_only.verdict(COMMAND) == "unsigned"
    assert keyed_only.verdict(sign_command(COMMAND, "s1", "k1")) == "valid"


def test_fields_a_newer_controller_added_are_signed_and_checked_when_given_as_unknown_fields() -> None:
    keys = ControlKeys.parse("k")
    signed = sign_command({**COMMAND, "horizon": 40}, "k")
    known = {k: v for k, v in signed.items() if k != "horizon"}
    assert keys.verdict(known, {"horizon": 40}) == "valid"
    assert keys.verdict(known) == "forged"  # the signature covers horizon: without it the fields differ
    assert keys.verdict(known, {"horizon": 41}) == "forged"
    assert keys.verdict(known, {"horizon": 40, "added": True}) == "forged"
    # unknown fields never override a decoded field, and their sig is never signed
    assert keys.verdict(known, {"horizon": 40, "lr": 9, "sig": "0" * 64}) == "valid"
