"""Exact Hessian-vector products by double backward (Pearlmutter's R-operator through autograd).

One minibatch's gradient is taken with ``create_graph=True``; each product ``H_B v`` is then
the gradient of ``∇L_B · v``: one more backward pass through that graph, exact to the dtype's
rounding, no finite-difference step.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Dict, Iterator, List, Sequence, Tuple

import torch

__all__ = ["HessianProducts", "flatten", "probe_graph"]


def flatten(tensors: Sequence[torch.Tensor], dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """The tensors as one flat vector (``dtype``), in order."""
    return torch.cat([t.reshape(-1).to(dtype) for t in tensors])


class HessianProducts:
    """``H_B v`` for flat float64 vectors v, on the graph of one gradient.

    ``params``: the tensors the gradient was taken with respect to; ``grads``: that gradient,
    taken with ``create_graph=True``. Products are computed in the gradient's dtype and returned
    as float64, as the probe keeps its vectors.
    """

    def __init__(self, params: Sequence[torch.Tensor], grads: Sequence[torch.Tensor]) -> None:
        self._params = list(params)
        self._grads = list(grads)
        self._shapes = [p.shape for p in self._params]
        self._sizes = [p.numel() for p in self._params]
        self.dtype = self._grads[0].dtype if self._grads else torch.float64
        self.gradient = flatten([g.detach() for g in self._grads])
        self.count = 0

    def __call__(self, vectors: Sequence[torch.Tensor]) -> List[torch.Tensor]:
        out = []
        for v in vectors:
            pieces = [piece.reshape(shape).to(self.dtype) for piece, shape in zip(torch.split(v, self._sizes), self._shapes)]
            hv = torch.autograd.grad(self._grads, self._params, grad_outputs=pieces, retain_graph=True, allow_unused=True)
            out.append(torch.cat([
                (h if h is not None else torch.zeros_like(p)).reshape(-1).to(torch.float64)
                for h, p in zip(hv, self._params)
            ]))
            self.count += 1
        return out


def _cast_floating(value: Any, dtype: torch.dtype) -> Any:
    if isinstance(value, torch.Tensor):
        return value.to(dtype) if value.is_floating_point() else value
    if isinstance(value, tuple):
        return tuple(_cast_floating(v, dtype) for v in value)
    if isinstance(value, list):
        return [_cast_floating(v, dtype) for v in value]
    if isinstance(value, dict):
        return {k: _cast_floating(v, dtype) for k, v in value.items()}
    return value


class _Closure(torch.nn.Module):
    """Lets ``torch.func.functional_call`` swap the model's tensors while the closure runs."""

    def __init__(self, model: torch.nn.Module, closure: Callable[[], torch.Tensor]) -> None:
        super().__init__()
        self.model = model
        self._closure = closure

    def forward(self) -> torch.Tensor:
        return self._closure()


@contextlib.contextmanager
def _inputs_cast_to(model: torch.nn.Module, dtype: torch.dtype) -> Iterator[None]:
    handle = model.register_forward_pre_hook(
        lambda module, args, kwargs: (_cast_floating(args, dtype), _cast_floating(kwargs, dtype)), with_kwargs=True
    )
    try:
        yield
    finally:
        handle.remove()


def probe_graph(
    model: torch.nn.Module,
    closure: Callable[[], torch.Tensor],
    params: Sequence[Tuple[str, torch.nn.Parameter]],
    dtype: torch.dtype,
) -> Tuple[torch.Tensor, HessianProducts]:
    """The loss and the products on a copy of the model's tensors in ``dtype`` (float64 probes of
    a float32 model), the model and its buffers untouched: ``torch.func.functional_call`` swaps
    in the copies while ``closure`` runs, and a forward pre-hook casts the model's floating-point
    inputs to ``dtype``. The random streams are forked, so training's draws (dropout) are not
    shifted by the probe's forward."""
    copies: Dict[str, torch.Tensor] = {}
    leaves: List[torch.Tensor] = []
    trainable = {name for name, _ in params}
    for name, p in model.named_parameters():
        t = p.detach().to(dtype) if p.is_floating_point() else p.detach()
        if name in trainable:
            t = t.clone().requires_grad_(True)
            leaves.append(t)
        copies[f"model.{name}"] = t
    for name, b in model.named_buffers():
        copies[f"model.{name}"] = (b.detach().to(dtype) if b.is_floating_point() else b.detach()).clone()
    cuda = sorted({p.device.index if p.device.index is not None else torch.cuda.current_device()
                   for _, p in params if p.device.type == "cuda"})
    with torch.random.fork_rng(devices=cuda), _inputs_cast_to(model, dtype):
        loss = torch.func.functional_call(_Closure(model, closure), copies, ())
    grads = torch.autograd.grad(loss, leaves, create_graph=True)
    return loss.detach(), HessianProducts(leaves, grads)
