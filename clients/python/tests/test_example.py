"""python -m lyap_client.examples.digits: what it writes, and how it refuses bad usage."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import python_env, run_lyap


def example(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lyap_client.examples.digits", *args], capture_output=True, text=True,
                          timeout=600, env=python_env())


def test_it_trains_on_the_digits_and_writes_events_lyap_replay_reads(tmp_path, validate_event) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "events.jsonl"
    done = example("--out", str(out), "--steps", "60", "--probe-every", "5", "--lr", "0.5", "--run-id", "example-1", "--min-curvature")
    assert done.returncode == 0, done.stderr
    logs = [json.loads(line) for line in done.stderr.splitlines()]
    assert [log["msg"] for log in logs] == ["training", "done"] and logs[1]["status"] == "completed"
    events = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(events) == 2 + 2 * 60
    for event in events:
        validate_event(event)
    assert events[0]["config"]["dataset"] == "sklearn-digits" and events[0]["config"]["params"] == 64 * 64 + 64 + 64 * 10 + 10
    replay = run_lyap(["replay", "--input", str(out), "--strict", "--summary"])
    assert replay.returncode == 0, replay.stderr
    assert len(replay.stdout.splitlines()) == 12 and "example-1" in replay.stderr


@pytest.mark.parametrize("args, message", [
    ([], "nothing to emit to"),
    (["--out", "x.jsonl", "--steps", "0"], "--steps"),
    (["--out", "x.jsonl", "--momentum", "1"], "--momentum"),
    (["--out", "x.jsonl", "--run-id", "bad id"], "run id"),
    (["--brokers", "nohost", "--steps", "1"], 'KAFKA_BROKERS has "nohost"'),
    (["--out", "x.jsonl", "--probe-every", "5", "--k-sharpness", "9"], "k_sharpness 9 is outside 0-8"),
])
def test_bad_usage_exits_2_with_one_line(tmp_path, args, message) -> None:  # type: ignore[no-untyped-def]
    done = subprocess.run([sys.executable, "-m", "lyap_client.examples.digits", *args], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300, env=python_env())
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], done.stderr
