"""End to end on a real broker: a torch run publishes to Kafka, `lyap process` estimates it,
`lyap control` commands it back with signed commands, which the run applies; forged, unsigned,
replayed and other-run commands are refused and counted."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
import torch
import torch.nn.functional as F

from lyap_client import ControlKeys, JsonLinesEmitter, Monitor, ProbeSettings, TeeEmitter, sign_command
from lyap_client.examples.digits import load_digits_tensors
from lyap_client.kafka import KafkaCommands, KafkaEmitter, kafka_config_from_env
from lyap_client.topics import topic_names

from conftest import run_lyap, unique
from kafka_support import LyapProcess, brokers, publish, read_topics

pytestmark = pytest.mark.kafka
KEY = "pytest-control-key"
STEPS = 120
PROBE_EVERY = 5


def test_a_torch_run_is_estimated_and_commanded_through_kafka(tmp_path, validate_event) -> None:  # type: ignore[no-untyped-def]
    bootstrap = brokers()
    prefix = unique("py") + "."
    topics = topic_names(prefix)
    run_id = unique("torch-digits")
    common = ["--brokers", bootstrap, "--topic-prefix", prefix, "--metrics-port", "0"]
    config = kafka_config_from_env({}, bootstrap)
    kafka = KafkaEmitter(config, topic_prefix=prefix)
    processor = LyapProcess(["process", *common, "--group-id", unique("proc")])
    controller = LyapProcess(["control", *common, "--mode", "control", "--cooldown-steps", "5", "--group-id", unique("ctl")],
                             {"LYAP_CONTROL_KEY": KEY})
    commands = KafkaCommands(config, run_id, topic_prefix=prefix, keys=ControlKeys.parse(KEY), dead_letters=kafka)
    try:
        assert commands.joined.is_set(), "the control consumer joined before training"
        processor.wait_for("metrics on")
        controller.wait_for("metrics on")
        torch.manual_seed(1)
        x, y = load_digits_tensors()
        model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.Tanh(), torch.nn.Linear(32, 10))
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
        recorded = tmp_path / "events.jsonl"
        monitor = Monitor(model, optimizer, run_id=run_id, emitter=TeeEmitter(kafka, JsonLinesEmitter(str(recorded))),
                          batch_size=64, dataset="sklearn-digits", probe=ProbeSettings(every=PROBE_EVERY), commands=commands, seed=1)
        generator = torch.Generator().manual_seed(2)
        for step in range(STEPS):
            if step == STEPS // 2 and commands.stats.applied == 0:
                assert commands.wait_for_command(90), f"no command from lyap control:\n{controller.stderr}"
            index = torch.randint(0, len(x), (64,), generator=generator)
            monitor.step(lambda: F.cross_entropy(model(x[index]), y[index]))
        applied_lr = monitor.lr
        applied_seq = monitor.cmd_seq
        assert commands.stats.applied >= 1 and applied_seq is not None, commands.stats

        # Commands that must not apply: forged, unsigned, replayed (an applied seq again), another run's, garbage.
        genuine = [json.loads(m.value()) for m in read_topics(bootstrap, [topics.control], lambda ms: any(
            json.loads(m.value()).get("seq") == applied_seq for m in ms))]
        replayed = next(c for c in genuine if c["seq"] == applied_seq)
        forged = {**replayed, "seq": applied_seq + 1000, "lr": 0.12345}
        hostile = [
            sign_command({k: v for k, v in forged.items() if k != "sig"}, "not-the-key"),
            {k: v for k, v in forged.items() if k != "sig"},
            replayed,
            sign_command({**forged, "runId": "another-run"}, KEY),
        ]
        for payload in hostile:
            publish(bootstrap, topics.control, payload["runId"], json.dumps(payload).encode())
        publish(bootstrap, topics.control, run_id, b"{not json")
        deadline = time.monotonic() + 60
        stats = commands.stats
        while time.monotonic() < deadline and not (stats.rejected_forged and stats.rejected_unsigned and stats.ignored_stale_or_duplicate
                                                   and stats.ignored_other_run and stats.undecodable):
            time.sleep(0.1)
        for _ in range(3):
            index = torch.randint(0, len(x), (64,), generator=generator)
            monitor.step(lambda: F.cross_entropy(model(x[index]), y[index]))
        monitor.close()
        assert stats.rejected_forged == 1 and stats.rejected_unsigned == 1, stats
        assert stats.ignored_stale_or_duplicate >= 1 and stats.ignored_other_run >= 1 and stats.undecodable == 1, stats
        assert monitor.lr != 0.12345 and monitor.cmd_seq < applied_seq + 1000

        # The run's own events say which command set which step's rate.
        events = [json.loads(line) for line in recorded.read_text().splitlines()]
        for event in events:
            validate_event(event)
        gradients = [e for e in events if e["type"] == "gradient"]
        first = next(g for g in gradients if g.get("cmdSeq") is not None)
        command = next(c for c in genuine if c["seq"] == first["cmdSeq"])
        assert first["lr"] == min(10, max(1e-6, command["lr"])) and command["reason"] in ("edge", "brake", "guard")
        assert applied_lr == gradients[STEPS - 1]["lr"]

        # lyap process estimated every probed step, exactly as lyap replay does from the recording.
        probed = {g["step"] for g in gradients if "probe" in g and g["step"] % PROBE_EVERY == 0}
        estimates_read = read_topics(bootstrap, [topics.estimates], lambda ms: probed <= {
            json.loads(m.value())["step"] for m in ms if json.loads(m.value())["runId"] == run_id})
        live = {}
        for message in estimates_read:
            estimate = json.loads(message.value())
            if estimate["runId"] == run_id:
                live[estimate["step"]] = estimate
        assert set(live) == probed, f"estimates for {sorted(set(probed) - set(live))} missing:\n{processor.stderr}"
        replay = run_lyap(["replay", "--input", str(recorded), "--strict"])
        assert replay.returncode == 0, replay.stderr
        for line in replay.stdout.splitlines():
            replayed_estimate = json.loads(line)
            assert {**live[replayed_estimate["step"]], "ts": 0} == {**replayed_estimate, "ts": 0}

        # Same key, same partition: librdkafka's murmur2_random wrote the run where kafkajs wrote its estimates.
        runs = read_topics(bootstrap, [topics.gradients], lambda ms: len(ms) > 0)
        assert {m.partition() for m in runs} == {m.partition() for m in estimates_read if m.key().decode() == run_id}

        # The undecodable command went to the dead-letter topic, with where it came from.
        dead = read_topics(bootstrap, [topics.dlq], lambda ms: len(ms) > 0, timeout_s=30)
        letter = json.loads(dead[0].value())
        assert letter["sourceTopic"] == topics.control and letter["raw"] == "{not json" and letter["error"].startswith("invalid-json")

        # The processor's /metrics knows the run (what Prometheus and the dashboards read).
        body = urllib.request.urlopen(processor.metrics_url() + "/metrics", timeout=10).read().decode()
        assert f'lyap_training_step{{run_id="{run_id}"}} {STEPS + 2}' in body, body[:2000]
    finally:
        commands.close()
        kafka.close()
        assert processor.stop() == 0, processor.stderr
        assert controller.stop() == 0, controller.stderr
