"""The README's snippet, run as it stands against the broker: ten added lines put a torch run on Kafka."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import python_env, unique
from kafka_support import brokers, read_topics

README = Path(__file__).resolve().parents[1] / "README.md"
pytestmark = pytest.mark.kafka


def snippet() -> str:
    text = README.read_text()
    marker = text.index("<!-- readme-snippet")
    match = re.search(r"```python\n(.*?)```", text[marker:], re.S)
    assert match is not None, "no python block after the readme-snippet marker"
    return match.group(1)


def test_the_snippet_adds_at_most_ten_lines_to_the_loop() -> None:
    added = [line for line in snippet().splitlines() if "# +lyap" in line]
    assert 0 < len(added) <= 10, added


def test_the_snippet_runs_and_its_run_reaches_kafka(tmp_path, validate_event) -> None:  # type: ignore[no-untyped-def]
    bootstrap = brokers()
    prefix = unique("readme") + "."
    script = tmp_path / "train.py"
    script.write_text(snippet())
    env = python_env(KAFKA_BROKERS=bootstrap, LYAP_TOPIC_PREFIX=prefix, LYAP_CONTROL_KEY="readme-key")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    wanted = 300 + 300 + 2
    messages = read_topics(bootstrap, [prefix + "runs", prefix + "gradients", prefix + "trajectory"], lambda ms: len(ms) >= wanted)
    events = [json.loads(m.value()) for m in messages]
    assert len(events) == wanted
    for event in events:
        validate_event(event)
        assert event["runId"] == "digits-readme-1"
    runs = sorted((e for e in events if e["type"] == "run"), key=lambda e: e["phase"] != "start")
    assert [r["phase"] for r in runs] == ["start", "end"] and runs[1]["status"] == "completed" and runs[1]["lastStep"] == 299
    probed = [e["step"] for e in events if e["type"] == "gradient" and "probe" in e and "sharpness" in e["probe"]]
    assert sorted(probed) == list(range(0, 300, 10))
