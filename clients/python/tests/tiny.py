"""A tiny model whose Hessian is small enough to write down: the truth for the probe's tests."""

from __future__ import annotations

from typing import Callable, Tuple

import torch
import torch.nn.functional as F
from torch.func import functional_call


def tiny_problem(dtype: torch.dtype = torch.float64, seed: int = 0) -> Tuple[torch.nn.Module, torch.Tensor, torch.Tensor]:
    """A 6-5-3 tanh MLP (53 parameters) and a minibatch of 20."""
    generator = torch.Generator().manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3)).to(dtype)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=generator, dtype=dtype))
    x = torch.randn(20, 6, generator=generator, dtype=dtype)
    y = torch.randint(0, 3, (20,), generator=generator)
    return model, x, y


def flat_loss(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    """θ ↦ L_B(θ) in float64, θ flat in the order of model.named_parameters()."""
    shapes = [(name, p.shape, p.numel()) for name, p in model.named_parameters()]

    def loss(theta: torch.Tensor) -> torch.Tensor:
        params, at = {}, 0
        for name, shape, size in shapes:
            params[name] = theta[at:at + size].reshape(shape)
            at += size
        return F.cross_entropy(functional_call(model, params, (x.to(torch.float64),)), y)

    return loss


def dense_truth(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(θ, H, g) in float64 by torch.autograd.functional.hessian at the model's parameters."""
    theta = torch.cat([p.detach().reshape(-1).to(torch.float64) for p in model.parameters()])
    loss = flat_loss(model, x, y)
    hessian = torch.autograd.functional.hessian(loss, theta)
    at = theta.clone().requires_grad_(True)
    (gradient,) = torch.autograd.grad(loss(at), at)
    return theta, hessian, gradient
