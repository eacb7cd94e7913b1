"""The intake's queue and notices (the pure core of src/trainer/lr-intake.ts)."""

from __future__ import annotations

import threading
import time

import pytest

from lyap_client import CommandIntake, ControlKeys, LrBounds, sign_command
from lyap_client.intake import LrCommandQueue


def command(seq: int, lr: float, run_id: str = "r1", **extra: object) -> dict:
    return {"v": 1, "type": "lr-command", "runId": run_id, "ts": seq, "seq": seq, "lr": lr, "previousLr": 0.1,
            "reason": "manual", "basedOnStep": seq, **extra}


def test_the_newest_waiting_command_sets_the_rate_and_older_seqs_are_refused() -> None:
    queue = LrCommandQueue("r1", LrBounds(1e-3, 1))
    for seq in (3, 1, 2):
        assert queue.offer(command(seq, seq / 10)) == "queued"
    applied = queue.take()
    assert (applied.lr, applied.seq, applied.applied) == (0.3, 3, 3)
    assert queue.offer(command(3, 0.3)) == "duplicate"
    assert queue.offer(command(2, 0.3)) == "stale"
    assert queue.offer(command(9, 0.3, "r2")) == "other-run"
    with pytest.raises(ValueError):
        LrBounds(0, 1)


def test_without_a_key_commands_are_ignored_with_one_notice_unless_unsigned_ones_are_accepted() -> None:
    lines: list = []
    intake = CommandIntake("r1", log=lines.append)
    assert intake.receive(command(1, 0.5)) == "ignored_unverified"
    assert intake.receive(command(2, 0.5)) == "ignored_unverified"
    assert sum("ignoring lr-commands" in line for line in lines) == 1
    open_intake = CommandIntake("r1", accept_unsigned=True, log=lines.append)
    assert open_intake.receive(command(1, 0.5)) == "queued"
    assert any("accepting unsigned" in line for line in lines)


def test_advisory_commands_are_reported_never_applied_and_silence_is_noticed_once() -> None:
    lines: list = []
    keys = ControlKeys.parse("k")
    intake = CommandIntake("r1", keys=keys, log=lines.append, silence_steps=3)
    assert intake.receive(sign_command(command(1, 0.5, advisory=True), "k")) == "advisory"
    assert intake.take(0) is None
    assert intake.receive(sign_command(command(2, 0.4), "k")) == "queued"
    assert intake.take(1).lr == 0.4
    for step in range(2, 10):
        intake.take(step)
    assert sum("no lr-command for 3 steps" in line for line in lines) == 1
    assert any("the controller advises lr 0.5" in line for line in lines)


def test_wait_for_command_wakes_when_a_command_is_queued_from_another_thread() -> None:
    intake = CommandIntake("r1", accept_unsigned=True)
    assert intake.wait_for_command(0.01) is False
    threading.Timer(0.05, lambda: intake.receive(command(1, 0.2))).start()
    started = time.monotonic()
    assert intake.wait_for_command(5) is True
    assert time.monotonic() - started < 5


def test_a_newer_controllers_command_is_verified_over_every_signed_field_and_applied() -> None:
    lines: list = []
    intake = CommandIntake("r1", keys=ControlKeys.parse("k"), log=lines.append)
    newer = sign_command(command(1, 0.5, reason="momentum-aware", horizon=40, plan={"w": [0.1, 1e-7]}), "k")
    assert intake.receive(newer) == "queued"
    assert intake.take(0).lr == 0.5
    assert intake.receive(sign_command(command(2, 0.4, reason="momentum-aware"), "k")) == "queued"
    assert sum("reason momentum-aware, which this trainer does not know" in line for line in lines) == 1
    assert intake.receive({**sign_command(command(3, 0.3, horizon=40), "k"), "horizon": 41}) == "rejected_forged"
    dropped = sign_command(command(4, 0.3, horizon=40), "k")
    del dropped["horizon"]
    assert intake.receive(dropped) == "rejected_forged"
    assert intake.take(1).lr == 0.4
