"""The training-loop side: one :class:`Monitor` per run wraps a torch model and its optimizer,
takes learning-rate commands at step boundaries, probes, and emits the v1 ``run``, ``gradient``
and ``trajectory`` events (``src/trainer/trainer.ts``'s loop, for a loop you own).
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any, Callable, Dict, Optional, Tuple

import torch

from .emitters import Emitter
from .events import check_run_id
from .hvp import HessianProducts, probe_graph
from .intake import CommandSource
from .probe import ProbeContext, ProbeSettings, TangentProbe, resolve_bursts

__all__ = ["Monitor", "optimizer_name"]

log = logging.getLogger("lyap_client")
MAX_LAYERS = 1024


def optimizer_name(optimizer: torch.optim.Optimizer) -> Tuple[str, float]:
    """(``run.config.optimizer``, momentum): ``sgd`` or ``sgd-momentum-<μ>`` as the TypeScript
    trainer names them, else the class name in lower case."""
    group = optimizer.param_groups[0]
    if isinstance(optimizer, torch.optim.SGD):
        momentum = float(group.get("momentum", 0) or 0)
        return ("sgd" if momentum == 0 else f"sgd-momentum-{momentum:g}"), momentum
    return type(optimizer).__name__.lower(), 0.0


def _now_ms() -> int:
    return int(time.time() * 1000)


class Monitor:
    """Watches one training run.

    ``model``/``optimizer``: the torch module and its optimizer (the probe's Jacobian
    ``J = I − ηH`` is plain SGD's, η the first parameter group's ``lr``). ``run_id``: 1–128
    characters of ``[A-Za-z0-9._:-]``, the Kafka key. ``emitter``: where events go.
    ``batch_size``: the minibatch size (``run.config.batchSize``). ``commands``: learning-rate
    commands to apply at step boundaries (:class:`~lyap_client.kafka.KafkaCommands`), or None.
    ``seed``: reported, and ``seed + 2`` seeds the probe's initial directions (the TypeScript
    trainer's stream), never training's random streams.

    Call :meth:`step` once per step with a closure that returns the minibatch loss; it replaces
    ``zero_grad()``, ``backward()`` and ``optimizer.step()``. :meth:`close` (or leaving a
    ``with`` block) ends the run.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        optimizer: torch.optim.Optimizer,
        *,
        run_id: str,
        emitter: Emitter,
        batch_size: int,
        dataset: str = "custom",
        model_name: Optional[str] = None,
        probe: ProbeSettings = ProbeSettings(),
        commands: Optional[CommandSource] = None,
        seed: int = 0,
        now_ms: Callable[[], int] = _now_ms,
    ) -> None:
        self.run_id = check_run_id(run_id)
        if not (isinstance(batch_size, int) and batch_size >= 1):
            raise ValueError(f"batch_size {batch_size} is not a positive integer")
        problems = probe.problems()
        if problems:
            raise ValueError(f"probe settings: {'; '.join(problems)}")
        self.model = model
        self.optimizer = optimizer
        self.emitter = emitter
        self.commands = commands
        self.batch_size = batch_size
        self.settings = probe
        self._now_ms = now_ms
        self._named = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
        if not self._named:
            raise ValueError("the model has no trainable parameters")
        self._params = [p for _, p in self._named]
        self.n_params = sum(p.numel() for p in self._params)
        self.device = self._params[0].device
        self.param_dtype = self._params[0].dtype
        self.probe_dtype = probe.dtype or self.param_dtype
        self._theta0 = torch.cat([p.detach().reshape(-1) for p in self._params]).clone()
        self._previous_update: Optional[torch.Tensor] = None
        self._lyapunov_every = resolve_bursts(probe)[0]
        self.probe: Optional[TangentProbe] = (
            TangentProbe(self.n_params, probe, seed=seed + 2, device=self.device, product_dtype=self.probe_dtype) if probe.on else None
        )
        self.step_index = 0
        self.cmd_seq: Optional[int] = None
        self.last_loss = math.nan
        self.last_step: Optional[int] = None
        self.status: Optional[str] = None
        self.diverged = False
        self.last_events: Tuple[Dict[str, Any], Dict[str, Any]] = ({}, {})
        name, momentum = optimizer_name(optimizer)
        self.config: Dict[str, Any] = {
            "model": (model_name or type(model).__name__)[:128],
            "dataset": dataset[:128],
            "optimizer": name,
        }
        if 0 < momentum < 1:
            self.config["momentum"] = momentum
        self.config.update({
            "lr": float(optimizer.param_groups[0]["lr"]),
            "batchSize": batch_size,
            "params": self.n_params,
            "backend": f"torch-{self.device.type}",
            "seed": seed,
            "probe": self._probe_config(),
        })
        self.emitter.emit({"v": 1, "type": "run", "runId": self.run_id, "ts": self._now_ms(), "phase": "start", "config": self.config})

    def _probe_config(self) -> Dict[str, Any]:
        s = self.settings
        config: Dict[str, Any] = {"every": s.every, "kLyapunov": s.k_lyapunov, "kSharpness": s.k_sharpness, "hvp": "exact"}
        every, burst, discard = resolve_bursts(s)
        if s.every > 0 and s.k_lyapunov > 0 and every != s.every:
            config["lyapunovEvery"] = every
        if s.every > 0 and s.k_lyapunov > 0 and burst > 1:
            config["lyapunovBurst"] = burst
            config["lyapunovDiscard"] = discard
        return config

    @property
    def lr(self) -> float:
        """The rate the next step uses (the first parameter group's)."""
        return float(self.optimizer.param_groups[0]["lr"])

    def set_lr(self, lr: float) -> None:
        """Sets the rate; groups with other rates keep their ratio to the first group's."""
        groups = self.optimizer.param_groups
        reference = float(groups[0]["lr"])
        for group in groups:
            group["lr"] = lr * (float(group["lr"]) / reference) if reference > 0 else lr

    def _due(self, step: int) -> Tuple[bool, bool, int]:
        if self.probe is None:
            return False, False, 0
        burst_index = step % self._lyapunov_every
        return step % self.settings.every == 0, burst_index < self.probe.burst_length, burst_index

    def step(self, closure: Callable[[], torch.Tensor], *, batch_size: Optional[int] = None) -> float:
        """One training step at the next step index; returns the loss.

        At the boundary, a waiting learning-rate command is applied to the optimizer's groups.
        Then the gradients are zeroed, ``closure()`` computes the minibatch loss and its gradient
        is taken, the probe (when due) measures at θ[t] on that minibatch, ``optimizer.step()``
        moves to θ[t+1], and the step's ``gradient`` and ``trajectory`` events are emitted.
        """
        step = self.step_index
        applied = self.commands.take(step) if self.commands is not None else None
        if applied is not None:
            self.set_lr(applied.lr)
            self.cmd_seq = applied.seq
        lr = self.lr
        probed, in_burst, burst_index = self._due(step)
        probing = probed or in_burst
        shared_graph = probing and self.probe_dtype == self.param_dtype

        # The step's statistics stay in the model's dtype and on its device, read back in two
        # transfers (as the TypeScript trainer computes them in float32 on the device).
        theta = torch.cat([p.detach().reshape(-1) for p in self._params])
        started = time.perf_counter()
        self.optimizer.zero_grad(set_to_none=True)
        loss = closure()
        grads: Optional[Tuple[torch.Tensor, ...]] = None
        if shared_graph:
            # The step's own gradient with its graph kept: the probe's products reuse it.
            grads = torch.autograd.grad(loss, self._params, create_graph=True)
            for p, g in zip(self._params, grads):
                p.grad = g.detach()
        else:
            loss.backward()
        layer_norms = torch.stack([
            torch.linalg.vector_norm(p.grad) if p.grad is not None else torch.zeros((), dtype=p.dtype, device=p.device)
            for p in self._params
        ])
        loss_value, grad_norm = torch.stack([loss.detach().to(layer_norms.dtype), torch.linalg.vector_norm(layer_norms)]).tolist()
        step_ms = (time.perf_counter() - started) * 1000
        finite = math.isfinite(loss_value) and math.isfinite(grad_norm)

        probe: Optional[Dict[str, Any]] = None
        probe_ms: Optional[float] = None
        if self.probe is not None and probing and finite:
            probe_started = time.perf_counter()
            if grads is not None:
                products = HessianProducts(self._params, grads)
            else:
                _, products = probe_graph(self.model, closure, self._named, self.probe_dtype)
            context = ProbeContext(products, products.gradient, lr)
            probe = self.probe.measure(context, burst_index if in_burst else None) if probed else self.probe.propagate(context, burst_index)
            del products, context
            probe_ms = (time.perf_counter() - probe_started) * 1000
        del grads, loss

        applied_started = time.perf_counter()
        self.optimizer.step()
        step_ms += (time.perf_counter() - applied_started) * 1000
        update = torch.cat([p.detach().reshape(-1) for p in self._params]) - theta
        previous = self._previous_update
        zero = torch.zeros((), dtype=update.dtype, device=update.device)
        norms = torch.stack([
            torch.linalg.vector_norm(theta),
            torch.linalg.vector_norm(theta - self._theta0),
            torch.linalg.vector_norm(update),
            torch.dot(update, previous) if previous is not None else zero,
            torch.linalg.vector_norm(previous) if previous is not None else zero,
        ]).tolist()
        self._previous_update = update

        ts = self._now_ms()
        event: Dict[str, Any] = {"v": 1, "type": "gradient", "runId": self.run_id, "ts": ts, "step": step, "lr": lr,
                                 "loss": loss_value, "gradNorm": grad_norm, "batchSize": batch_size or self.batch_size}
        if 1 < len(self._named) <= MAX_LAYERS:
            event["layerGradNorms"] = {name[:256]: value for (name, _), value in zip(self._named, layer_norms.tolist())}
        if self.cmd_seq is not None:
            event["cmdSeq"] = self.cmd_seq
        event["stepMs"] = step_ms
        if probe_ms is not None:
            event["probeMs"] = probe_ms
        if probe is not None:
            event["probe"] = probe
        param_norm, distance, update_norm, update_dot, previous_norm = norms
        trajectory: Dict[str, Any] = {"v": 1, "type": "trajectory", "runId": self.run_id, "ts": ts, "step": step,
                                      "paramNorm": param_norm, "updateNorm": update_norm, "distanceFromInit": distance}
        if step > 0 and update_norm * previous_norm > 0:
            trajectory["cosPrevUpdate"] = update_dot / (update_norm * previous_norm)
        self.emitter.emit(event)
        self.emitter.emit(trajectory)
        self.last_events = (event, trajectory)
        self.last_loss = loss_value
        self.last_step = step
        self.step_index += 1
        if not finite:
            self.diverged = True
        return loss_value

    def close(self, status: Optional[str] = None) -> None:
        """Emits the run's ``end`` event (status ``completed``, or ``diverged`` after a non-finite
        loss), flushes and closes the emitter, and stops the command intake. Idempotent."""
        if self.status is not None:
            return
        self.status = status or ("diverged" if self.diverged else "completed")
        end: Dict[str, Any] = {"v": 1, "type": "run", "runId": self.run_id, "ts": self._now_ms(), "phase": "end",
                               "config": self.config, "status": self.status, "finalLoss": self.last_loss}
        if self.last_step is not None:
            end["lastStep"] = self.last_step
        self.emitter.emit(end)
        self.emitter.close()
        closer = getattr(self.commands, "close", None)
        if callable(closer):
            closer()

    def __enter__(self) -> "Monitor":
        return self

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        if kind is None:
            self.close()
        elif issubclass(kind, KeyboardInterrupt):
            self.close("stopped")
        else:
            self.close("failed")
