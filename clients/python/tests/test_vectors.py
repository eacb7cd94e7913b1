"""The shared vectors of test/vectors/, which the TypeScript tests check too
(test/unit/events/vectors.test.ts): number formatting, canonical JSON, signatures, the intake's
verdicts and the events' bytes."""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from typing import Any

import pytest

from lyap_client import CommandIntake, ControlKeys, LrBounds, canonical_json, encode_event
from lyap_client.jsjson import js_number, parse_json

from conftest import VECTORS

VECTORS_JSON = json.loads((VECTORS / "commands.json").read_text())
EVENT_LINES = [line for line in (VECTORS / "events.jsonl").read_text().split("\n") if line]
SNAKE = {
    "received": "received", "applied": "applied", "ignoredOtherRun": "ignored_other_run",
    "ignoredStaleOrDuplicate": "ignored_stale_or_duplicate", "ignoredUnverified": "ignored_unverified",
    "rejectedUnsigned": "rejected_unsigned", "rejectedForged": "rejected_forged", "advisory": "advisory",
    "clamped": "clamped", "undecodable": "undecodable", "queued": "queued", "rejectedUnknownKey": "rejected_unknown_key",
}


@pytest.mark.parametrize("case", VECTORS_JSON["numbers"], ids=lambda c: c["literal"])
def test_numbers_are_written_as_javascript_writes_them(case: Any) -> None:
    assert js_number(parse_json(case["literal"])) == case["text"]


@pytest.mark.parametrize("case", VECTORS_JSON["canonicalJson"], ids=lambda c: c["name"])
def test_canonical_json(case: Any) -> None:
    assert canonical_json(case["value"]) == case["canonical"]


def signed_steps():
    for scenario in VECTORS_JSON["intakeScenarios"]:
        for step in scenario["steps"]:
            if "signedWith" in step:
                yield step


SIGNED = list(signed_steps())


@pytest.mark.parametrize("step", SIGNED, ids=[f"{i}-{s['outcome']}" for i, s in enumerate(SIGNED)])
def test_signatures_cover_the_canonical_json_of_the_other_fields(step: Any) -> None:
    payload = parse_json(step["deliver"])  # as JSON.parse reads it: every number a double
    unsigned = {k: v for k, v in payload.items() if k != "sig"}
    key, canonical = step["signedWith"]["key"], step["signedWith"]["canonical"]
    assert hmac.new(key.encode(), canonical.encode(), hashlib.sha256).hexdigest() == payload["sig"]
    assert (canonical_json(unsigned) == canonical) is not step["signedWith"].get("tampered", False)


@pytest.mark.parametrize("scenario", VECTORS_JSON["intakeScenarios"], ids=lambda s: s["name"][:60])
def test_the_intake_counts_every_command_as_the_vectors_say(scenario: Any) -> None:
    env = scenario["env"]
    intake = CommandIntake(
        scenario["runId"],
        keys=ControlKeys.from_env(env),
        accept_unsigned=scenario["acceptUnsigned"],
        bounds=LrBounds(scenario["bounds"]["minLr"], scenario["bounds"]["maxLr"]),
    )
    for step in scenario["steps"]:
        if "take" in step:
            applied = intake.take(step["take"])
            got = None if applied is None else {"lr": applied.lr, "seq": applied.seq}
            assert got == step["expect"], f"take at {step['take']}"
            continue
        outcome = intake.receive(step["deliver"].encode())
        name = outcome if isinstance(outcome, str) else ("undecodable" if outcome is not None else None)
        assert name == SNAKE[step["outcome"]], step["deliver"]
    expected = {name: 0 for name in intake.stats.as_dict()}
    expected.update({SNAKE[k]: v for k, v in scenario["stats"].items()})
    assert intake.stats.as_dict() == expected


def _with_non_finite(value: Any) -> Any:
    """The decoder's reading of measured fields: "NaN", "Infinity", "-Infinity" as floats."""
    if isinstance(value, dict):
        return {k: _with_non_finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_non_finite(v) for v in value]
    if value in ("NaN", "Infinity", "-Infinity"):
        return float(value.replace("Infinity", "inf"))
    return value


@pytest.mark.parametrize("line", EVENT_LINES, ids=lambda l: json.loads(l)["type"] + "-" + str(json.loads(l).get("step", json.loads(l).get("phase"))))
def test_events_encode_to_the_same_bytes_and_validate(line: str, validate_event: Any) -> None:
    event = _with_non_finite(parse_json(line))
    assert encode_event(event) == line
    validate_event(event)
    if event["type"] == "gradient" and not math.isfinite(event["loss"]):
        assert '"loss":"NaN"' in line
