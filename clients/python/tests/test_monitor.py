"""The Monitor in a torch loop: the events it emits, the commands it applies, what it leaves alone."""

from __future__ import annotations

import json
import math

import pytest
import torch
import torch.nn.functional as F

from lyap_client import CommandIntake, ControlKeys, JsonLinesEmitter, LrBounds, MemoryEmitter, Monitor, ProbeSettings, sign_command

from conftest import run_lyap


def problem(seed: int = 0, dropout: float = 0.0):  # type: ignore[no-untyped-def]
    torch.manual_seed(seed)
    layers = [torch.nn.Linear(16, 12), torch.nn.Tanh()]
    if dropout > 0:
        layers.append(torch.nn.Dropout(dropout))
    model = torch.nn.Sequential(*layers, torch.nn.Linear(12, 4))
    generator = torch.Generator().manual_seed(seed + 1)
    batches = [(torch.randn(32, 16, generator=generator), torch.randint(0, 4, (32,), generator=generator)) for _ in range(40)]
    return model, batches


def train(model, batches, monitor):  # type: ignore[no-untyped-def]
    for x, y in batches:
        monitor.step(lambda: F.cross_entropy(model(x), y))
        if monitor.diverged:
            break
    monitor.close()


def command(seq: int, lr: float, **extra: object) -> dict:
    return {"v": 1, "type": "lr-command", "runId": "mon", "ts": seq, "seq": seq, "lr": lr, "previousLr": 0.1,
            "reason": "edge", "basedOnStep": seq, **extra}


class Scheduled(CommandIntake):
    """An intake fed payloads at chosen step boundaries, as a consumer thread would."""

    def __init__(self, at: dict, **options) -> None:  # type: ignore[no-untyped-def]
        super().__init__("mon", **options)
        self.at = at

    def take(self, step: int):  # type: ignore[no-untyped-def]
        for payload in self.at.get(step, []):
            self.receive(payload)
        return super().take(step)


@pytest.mark.parametrize("settings", [
    ProbeSettings(every=5),
    ProbeSettings(every=3, k_lyapunov=2, k_sharpness=2, min_curvature=True, lyapunov_every=6, lyapunov_burst=4, lyapunov_discard=1),
    ProbeSettings(every=1, dtype=torch.float64, batch_sharpness=False, lyapunov_every=1, lyapunov_burst=1),
    ProbeSettings(every=0),
], ids=["defaults", "subspaces-and-bursts", "float64-every-step", "off"])
def test_every_emitted_event_validates_against_the_json_schemas(settings: ProbeSettings, validate_event) -> None:  # type: ignore[no-untyped-def]
    model, batches = problem()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    key = "k"
    commands = Scheduled({7: [sign_command(command(1, 0.05), key)]}, keys=ControlKeys.parse(key))
    emitter = MemoryEmitter()
    train(model, batches, Monitor(model, optimizer, run_id="mon", emitter=emitter, batch_size=32, probe=settings, commands=commands, seed=4))
    types = [e["type"] for e in emitter.events]
    assert types[0] == "run" and types[-1] == "run" and types.count("gradient") == 40
    for event in emitter.events:
        validate_event(event)
    start = emitter.events[0]
    assert start["config"]["optimizer"] == "sgd-momentum-0.9" and start["config"]["momentum"] == 0.9
    assert start["config"]["probe"]["hvp"] == "exact" and start["config"]["params"] == 16 * 12 + 12 + 12 * 4 + 4
    probed = [e for e in emitter.events if e["type"] == "gradient" and "probe" in e]
    assert len(probed) == (0 if settings.every == 0 else len([s for s in range(40) if s % settings.every == 0 or s % (settings.lyapunov_every or 8 * settings.every) < (settings.lyapunov_burst or 4)]))
    if settings.every:
        assert all("eps" not in e["probe"] and e["probeMs"] >= 0 for e in probed)


def test_the_probe_leaves_the_trajectory_bit_for_bit_the_same() -> None:
    def final(settings: ProbeSettings) -> torch.Tensor:
        model, batches = problem(dropout=0.3)  # dropout: the probe must not draw from training's random stream
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
        train(model, batches, Monitor(model, optimizer, run_id="mon", emitter=MemoryEmitter(), batch_size=32, probe=settings))
        return torch.cat([p.detach().reshape(-1) for p in model.parameters()])

    plain = final(ProbeSettings(every=0))
    assert torch.equal(plain, final(ProbeSettings(every=1, k_lyapunov=2, k_sharpness=2, min_curvature=True)))
    assert torch.equal(plain, final(ProbeSettings(every=2, dtype=torch.float64)))


def test_a_verified_command_sets_every_groups_rate_at_the_next_step_boundary_and_an_advisory_one_does_not() -> None:
    model, batches = problem()
    first, second = list(model.parameters())[:2], list(model.parameters())[2:]
    optimizer = torch.optim.SGD([{"params": first, "lr": 0.1}, {"params": second, "lr": 0.2}])
    key = "secret"
    commands = Scheduled({
        3: [sign_command(command(1, 0.05), key)],
        5: [sign_command(command(2, 0.5, advisory=True), key), sign_command(command(3, 9.0), "forged")],
        6: [sign_command(command(4, 50.0), key)],
    }, keys=ControlKeys.parse(key), bounds=LrBounds(1e-6, 10))
    emitter = MemoryEmitter()
    train(model, batches[:8], Monitor(model, optimizer, run_id="mon", emitter=emitter, batch_size=32, probe=ProbeSettings(every=0), commands=commands))
    gradients = [e for e in emitter.events if e["type"] == "gradient"]
    assert [g["lr"] for g in gradients] == [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 10, 10]
    assert [g.get("cmdSeq") for g in gradients] == [None, None, None, 1, 1, 1, 4, 4]
    assert [group["lr"] for group in optimizer.param_groups] == [10, 20]
    assert commands.stats.advisory == 1 and commands.stats.rejected_forged == 1 and commands.stats.clamped == 1


def test_a_diverging_run_says_so_in_its_events(validate_event) -> None:  # type: ignore[no-untyped-def]
    # Least squares at η far above 2/λ_max: the iterates grow geometrically until they overflow.
    generator = torch.Generator().manual_seed(2)
    x, y = torch.randn(64, 8, generator=generator), torch.randn(64, 1, generator=generator)
    model = torch.nn.Linear(8, 1)
    emitter = MemoryEmitter()
    monitor = Monitor(model, torch.optim.SGD(model.parameters(), lr=50.0), run_id="mon", emitter=emitter, batch_size=64,
                      probe=ProbeSettings(every=1))
    for _ in range(500):
        monitor.step(lambda: F.mse_loss(model(x), y))
        if monitor.diverged:
            break
    monitor.close()
    end = emitter.events[-1]
    last = [e for e in emitter.events if e["type"] == "gradient"][-1]
    assert end["status"] == "diverged" and end["lastStep"] == last["step"] < 499
    assert not math.isfinite(last["loss"]) or not math.isfinite(last["gradNorm"])
    assert "probe" not in last, "a non-finite step is not probed"
    assert '"NaN"' in emitter.lines[-3] or '"Infinity"' in emitter.lines[-3]
    for event in emitter.events:
        validate_event(event)


@pytest.mark.parametrize("error, status", [(RuntimeError("boom"), "failed"), (KeyboardInterrupt(), "stopped")])
def test_leaving_a_with_block_early_ends_the_run_as_failed_or_stopped(error: BaseException, status: str) -> None:
    model, batches = problem()
    emitter = MemoryEmitter()
    with pytest.raises(type(error)):
        with Monitor(model, torch.optim.SGD(model.parameters(), lr=0.1), run_id="mon", emitter=emitter, batch_size=32) as monitor:
            x, y = batches[0]
            monitor.step(lambda: F.cross_entropy(model(x), y))
            raise error
    assert emitter.events[-1]["status"] == status and emitter.events[-1]["lastStep"] == 0


def test_bad_settings_are_refused_at_once() -> None:
    model, _ = problem()
    with pytest.raises(ValueError, match="run id"):
        Monitor(model, torch.optim.SGD(model.parameters(), lr=0.1), run_id="a b", emitter=MemoryEmitter(), batch_size=1)
    with pytest.raises(ValueError, match="batch_size"):
        Monitor(model, torch.optim.SGD(model.parameters(), lr=0.1), run_id="a", emitter=MemoryEmitter(), batch_size=0)
    with pytest.raises(ValueError, match="multiple of 5"):
        Monitor(model, torch.optim.SGD(model.parameters(), lr=0.1), run_id="a", emitter=MemoryEmitter(), batch_size=1,
                probe=ProbeSettings(every=5, lyapunov_every=7))


def test_lyap_replay_reads_the_json_lines_and_estimates_every_probed_step(tmp_path) -> None:  # type: ignore[no-untyped-def]
    model, batches = problem()
    path = tmp_path / "events.jsonl"
    train(model, batches, Monitor(model, torch.optim.SGD(model.parameters(), lr=0.3), run_id="replayed",
                                  emitter=JsonLinesEmitter(str(path)), batch_size=32, probe=ProbeSettings(every=4, min_curvature=True)))
    done = run_lyap(["replay", "--input", str(path), "--strict"])
    assert done.returncode == 0, done.stderr
    estimates = [json.loads(line) for line in done.stdout.splitlines()]
    assert [e["step"] for e in estimates] == list(range(0, 40, 4))
    last = estimates[-1]
    assert last["runId"] == "replayed" and last["sharpness"] > 0 and "batchSharpness" in last and "minCurvature" in last
    assert len(last["lyapunov"]) == 1
