"""Decoding lr-commands with the v1 decoder's rules; JSON text as JavaScript writes it."""

from __future__ import annotations

import pytest

from lyap_client.events import (
    DecodeFailure,
    check_run_id,
    dead_letter,
    decode_lr_command,
    decode_lr_command_with_unknown_fields,
    encode_event,
)
from lyap_client.jsjson import canonical_json, compact_json, js_string
from lyap_client.topics import topic_for_type, topic_names

COMMAND = {"v": 1, "type": "lr-command", "runId": "r1", "ts": 1, "seq": 2, "lr": 0.5, "previousLr": 0.1,
           "reason": "edge", "basedOnStep": 20}


def failure(payload: object) -> DecodeFailure:
    raw = payload if isinstance(payload, (bytes, str)) else compact_json(payload)
    result = decode_lr_command(raw)
    assert isinstance(result, DecodeFailure), result
    return result


def test_a_valid_command_keeps_its_known_fields_in_contract_order_and_drops_the_rest() -> None:
    decoded = decode_lr_command(compact_json({"extra": {"x": 1}, **COMMAND, "advisory": True, "sharpness": 3}))
    assert list(decoded) == ["v", "type", "runId", "ts", "seq", "lr", "previousLr", "reason", "basedOnStep", "sharpness", "advisory"]


def test_a_newer_controllers_reason_and_fields_decode_and_the_unknown_fields_are_kept_as_received() -> None:
    payload = compact_json({**COMMAND, "reason": "momentum-aware", "horizon": 40, "plan": {"w": [1.0, 1e-7]}})
    command, unknown = decode_lr_command_with_unknown_fields(payload)
    assert command["reason"] == "momentum-aware" and "horizon" not in command
    assert unknown == {"horizon": 40, "plan": {"w": [1.0, 1e-7]}}
    assert decode_lr_command(payload) == command
    assert decode_lr_command_with_unknown_fields(compact_json(COMMAND))[1] == {}


@pytest.mark.parametrize(
    "payload, reason, message",
    [
        (b"\xff\xfe", "invalid-utf8", "invalid-utf8"),
        ("{", "invalid-json", "invalid-json"),
        ('{"v":NaN}', "invalid-json", "invalid-json"),
        ("[1]", "not-an-object", "not-an-object: expected a JSON object, received array"),
        ({**COMMAND, "v": 2}, "unsupported-version", "unsupported-version: v: expected 1, received 2"),
        ({**COMMAND, "v": True}, "unsupported-version", "unsupported-version: v: expected 1, received true"),
        ({**COMMAND, "type": "lr"}, "unknown-type", "unknown-type: type:"),
        ({**COMMAND, "lr": 0}, "invalid-field", "invalid-field: lr-command.lr: expected > 0, received 0"),
        ({**COMMAND, "seq": -1}, "invalid-field", "invalid-field: lr-command.seq: expected >= 0, received -1"),
        ({**COMMAND, "seq": 1.5}, "invalid-field", "invalid-field: lr-command.seq: expected an integer"),
        ({**COMMAND, "runId": "a b"}, "invalid-field", "invalid-field: lr-command.runId"),
        ({**COMMAND, "reason": "Whim!"}, "invalid-field", "invalid-field: lr-command.reason"),
        ({**COMMAND, "reason": ""}, "invalid-field", "invalid-field: lr-command.reason"),
        ({**COMMAND, "reason": "a" * 65}, "invalid-field", "invalid-field: lr-command.reason"),
        ({**COMMAND, "reason": 3}, "invalid-field", "invalid-field: lr-command.reason"),
        ({**COMMAND, "sig": "ABC"}, "invalid-field", "invalid-field: lr-command.sig: expected 64 lowercase hex"),
        # numbers beyond the doubles read as JSON.parse reads them (Infinity): no number, and no crash
        (compact_json(COMMAND).replace('"lr":0.5', '"lr":1e400'), "invalid-field", "invalid-field: lr-command.lr: expected a number, received Infinity"),
        (compact_json(COMMAND).replace('"seq":2', '"seq":1' + "0" * 400), "invalid-field", "invalid-field: lr-command.seq: expected an integer"),
        ({**COMMAND, "keyId": ""}, "invalid-field", "invalid-field: lr-command.keyId"),
        ("x" * 1_048_577, "too-large", "too-large: payload is 1048577 bytes, the limit is 1048576"),
    ],
)
def test_bad_payloads_fail_with_the_decoders_reason_and_one_line(payload: object, reason: str, message: str) -> None:
    result = failure(payload)
    assert result.reason == reason
    assert result.message.startswith(message)
    assert "\n" not in result.message


def test_blank_payloads_and_other_event_types_are_ignored() -> None:
    assert decode_lr_command(b"  \n") is None
    assert decode_lr_command(encode_event({"v": 1, "type": "alert", "runId": "r1", "ts": 1})) is None


def test_strings_are_escaped_as_json_stringify_does() -> None:
    assert js_string('a"b\\c\n\u0001\u2028é\ud800') == '"a\\"b\\\\c\\n\\u0001\u2028é\\ud800"'


def test_canonical_json_drops_nothing_and_sorts_nested_keys() -> None:
    assert canonical_json({"b": [{"d": None, "c": 1.0}], "a": True}) == '{"a":true,"b":[{"c":1,"d":null}]}'


def test_run_ids_and_topics() -> None:
    assert check_run_id("run-1.a:b_c") == "run-1.a:b_c"
    with pytest.raises(ValueError, match="1-128 characters"):
        check_run_id("no spaces")
    topics = topic_names("lab.")
    assert topic_for_type("gradient", topics) == "lab.gradients"
    assert topics.all() == ["lab.runs", "lab.gradients", "lab.trajectory", "lab.estimates", "lab.control", "lab.alerts", "lab.dlq"]
    with pytest.raises(ValueError, match="topic prefix"):
        topic_names("bad prefix")


def test_dead_letters_carry_the_payload_cut_to_64_kib(validate_event) -> None:  # type: ignore[no-untyped-def]
    event = dead_letter(source_topic="lyap.control", error="invalid-json: x", raw=b"\xff" + b"a" * 70_000, ts=5, partition=1, offset=18, key="r1")
    assert len(event["raw"].encode()) <= 65_536 and event["runId"] == "unknown" and event["offset"] == "18"
    validate_event(event)


def test_integers_are_read_as_json_parse_reads_them() -> None:
    from lyap_client.jsjson import parse_json

    assert parse_json("[9007199254740991, -9007199254740991, 12]") == [9007199254740991, -9007199254740991, 12]
    assert parse_json("[9007199254740993, 123456789012345678901]") == [9007199254740992.0, 1.2345678901234568e20]
    assert parse_json("1" + "0" * 5000) == float("inf")  # beyond Python's 4300-digit int limit too
    assert canonical_json(parse_json('{"x":1' + "0" * 400 + "}")) == '{"x":null}'  # JSON.stringify(Infinity)
