"""The tangent probe with exact Hessian-vector products: ``src/trainer/probe/tangent-probe.ts``
and ``batch-sharpness.ts`` with the same mathematics, fields and counts, the products exact.

- Lyapunov subspace V (k_L): HV, JV = V − ηHV, G = (JV)ᵀ(JV), R = VᵀHV, then V ← QR(JV)
  (Benettin's method), carried through Lyapunov bursts of consecutive steps.
- Batch sharpness gᵀHg/gᵀg along the step's own minibatch gradient g (one product).
- Sharpness subspace W (k_S) and, on request, the negative-curvature vector u: Rayleigh–Ritz over
  span(W, u, g) with their products, then Lanczos/Davidson rounds adding the residuals of the top
  and bottom Ritz pairs until they are under the tolerance or the rounds are spent; W and u become
  the Ritz vectors, warm starts for the next probe. Reports λ_max (top Ritz value, through the
  Rayleigh matrix of W) and h_min (bottom Ritz value) with their residuals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence

import torch

from .ritz import MAX_EIGEN_ORDER, RitzBasis, RitzPair, orthonormalize_columns, random_orthonormal

__all__ = ["ProbeSettings", "ProbeContext", "TangentProbe", "resolve_bursts", "Products"]

#: Rayleigh–Ritz rounds of every probe (``DEFAULT_SHARPNESS_ITERATIONS``).
DEFAULT_SHARPNESS_ITERATIONS = 5
#: Rounds at the first probe and after the rate changed more than ×2 (``DEFAULT_CONVERGE_ITERATIONS``).
DEFAULT_CONVERGE_ITERATIONS = 20
DEFAULT_SHARPNESS_TOLERANCE = 1e-3
#: Residuals under this many times the products' measured error stop the rounds.
NOISE_FLOOR_FACTOR = 2
#: Lyapunov bursts: one every 8 probes, of 4 steps, the first half discarded (``lyapunov-bursts.ts``;
#: its dense schedule, one every 4 probes of 8 steps, was the default until 2026-12-07).
DEFAULT_BURST_EVERY_PROBES = 8
DEFAULT_LYAPUNOV_BURST = 4

Products = Callable[[Sequence[torch.Tensor]], List[torch.Tensor]]


@dataclass(frozen=True)
class ProbeSettings:
    """What the probe measures and how often; the defaults are ``lyap train``'s.

    ``every``: probe every this many steps (0: off). ``lyapunov_every``/``lyapunov_burst``/
    ``lyapunov_discard``: the Lyapunov bursts (default: one every 8 probes, of 4 steps, the first
    half discarded). ``dtype``: the products' dtype, ``None`` for the model's own (float64 probes a
    float32 model on a float64 copy of its tensors).
    """

    every: int = 10
    k_lyapunov: int = 1
    k_sharpness: int = 1
    batch_sharpness: bool = True
    sharpness_iterations: int = DEFAULT_SHARPNESS_ITERATIONS
    converge_iterations: int = DEFAULT_CONVERGE_ITERATIONS
    sharpness_tolerance: float = DEFAULT_SHARPNESS_TOLERANCE
    min_curvature: bool = False
    lyapunov_every: Optional[int] = None
    lyapunov_burst: Optional[int] = None
    lyapunov_discard: Optional[int] = None
    dtype: Optional[torch.dtype] = None

    @property
    def on(self) -> bool:
        return self.every > 0 and (self.k_lyapunov + self.k_sharpness > 0 or self.batch_sharpness)

    def problems(self) -> List[str]:
        """What does not fit, in the trainer's words; empty when the settings are usable."""
        out = []
        if not (isinstance(self.every, int) and self.every >= 0):
            out.append(f"probe every {self.every} is not a non-negative integer")
        for name in ("k_lyapunov", "k_sharpness"):
            k = getattr(self, name)
            if not (isinstance(k, int) and 0 <= k <= MAX_EIGEN_ORDER):
                out.append(f"{name} {k} is outside 0-{MAX_EIGEN_ORDER}")
        for name in ("sharpness_iterations", "converge_iterations"):
            if not (isinstance(getattr(self, name), int) and getattr(self, name) >= 1):
                out.append(f"{name} {getattr(self, name)} is not a positive integer")
        if self.every > 0:
            every, length, discard = resolve_bursts(self)
            if not (every > 0 and every % self.every == 0):
                out.append(f"Lyapunov bursts every {every} steps must start on probes: a positive multiple of {self.every}")
            elif not (length >= 1 and discard >= 0):
                out.append(f"the Lyapunov burst ({length}) must be a positive integer and its discard ({discard}) a non-negative one")
            elif discard >= length:
                out.append(f"a Lyapunov burst discarding {discard} of its {length} steps keeps none")
            elif length > every:
                out.append(f"a Lyapunov burst of {length} steps does not fit in the {every} steps between bursts")
        return out


def resolve_bursts(settings: ProbeSettings) -> "tuple[int, int, int]":
    """(lyapunov_every, lyapunov_burst, lyapunov_discard) with the defaults of ``lyapunovBursts``."""
    every = settings.lyapunov_every if settings.lyapunov_every is not None else DEFAULT_BURST_EVERY_PROBES * max(1, settings.every)
    burst = settings.lyapunov_burst if settings.lyapunov_burst is not None else min(DEFAULT_LYAPUNOV_BURST, every)
    discard = settings.lyapunov_discard if settings.lyapunov_discard is not None else burst // 2
    return every, burst, discard


@dataclass
class ProbeContext:
    """One probe's minibatch: its exact products, the step's gradient g there (float64, flat), and η."""

    products: Products
    gradient: torch.Tensor
    lr: float


def _inner(a: Sequence[torch.Tensor], b: Sequence[torch.Tensor]) -> List[List[float]]:
    return [[float(torch.dot(ai, bj)) for bj in b] for ai in a]


def _all_finite(columns: Sequence[torch.Tensor]) -> bool:
    # A norm is finite only if every entry is (short of overflow past 1e308).
    return all(math.isfinite(float(torch.linalg.vector_norm(c))) for c in columns)


def _span_tolerance(dtype: torch.dtype) -> float:
    # A column a share ρ outside the span gets its product's relative error δ (about the dtype's
    # unit roundoff) magnified to δ/ρ once orthogonalised: keep ρ ≥ √δ.
    return max(1e-8, math.sqrt(torch.finfo(dtype).eps))


class TangentProbe:
    """The probe's state across steps: the Lyapunov subspace, the sharpness subspace, u.

    ``params``: n, the number of trainable parameters; ``seed`` seeds its own random stream
    (the initial directions), which never touches training's.
    """

    def __init__(
        self,
        params: int,
        settings: ProbeSettings,
        *,
        seed: int,
        device: Optional[torch.device] = None,
        product_dtype: torch.dtype = torch.float64,
    ) -> None:
        self.settings = settings
        k_l, k_s = settings.k_lyapunov, settings.k_sharpness
        if max(k_l, k_s) > params:
            raise ValueError(f"probe: {max(k_l, k_s)} directions exceed the {params} parameters")
        generator = torch.Generator().manual_seed(seed)
        self._lyapunov = random_orthonormal(params, k_l, generator, device)
        self._sharpness = random_orthonormal(params, k_s, generator, device)
        self._bottom: Optional[torch.Tensor] = None
        if k_s > 0 and settings.min_curvature and k_s < params:
            extra = random_orthonormal(params, 1, generator, device)
            self._bottom = orthonormalize_columns([*self._sharpness, *extra])[0][k_s]
        self._last_lr: Optional[float] = None
        _, self._burst, self._discard = resolve_bursts(settings)
        self._span = _span_tolerance(product_dtype)

    @property
    def lyapunov_vectors(self) -> List[torch.Tensor]:
        return self._lyapunov

    @property
    def sharpness_vectors(self) -> List[torch.Tensor]:
        return self._sharpness

    @property
    def burst_length(self) -> int:
        """Steps of a Lyapunov burst, the probe's own included."""
        return 1 if not self._lyapunov else self._burst

    def measure(self, ctx: ProbeContext, lyapunov_index: Optional[int] = 0, *, converge: Optional[int] = None) -> Dict[str, Any]:
        """One probe at θ on the step's minibatch: the Lyapunov step (when a burst is under way at
        ``lyapunov_index``; ``None`` between bursts), the batch sharpness, then λ_max (and h_min)
        by Rayleigh–Ritz. ``converge`` sets this probe's rounds."""
        probe: Dict[str, Any] = {"hvps": 0}
        if lyapunov_index is not None:
            lyapunov = self._step_lyapunov(ctx, lyapunov_index)
            if lyapunov is not None:
                probe["hvps"] += len(self._lyapunov)
                probe["lyapunov"] = lyapunov
        gradient = self._gradient_curvature(ctx) if self.settings.batch_sharpness else None
        if gradient is not None:
            probe["hvps"] += 1
            if gradient[2] is not None:
                probe["batchSharpness"] = gradient[2]
        if self._sharpness:
            self._measure_sharpness(ctx, probe, gradient, converge)
        self._last_lr = ctx.lr
        return probe

    def propagate(self, ctx: ProbeContext, index: int) -> Dict[str, Any]:
        """Step ``index`` of a Lyapunov burst on a step that is not a probe: k_L products, nothing else."""
        probe: Dict[str, Any] = {"hvps": len(self._lyapunov)}
        lyapunov = self._step_lyapunov(ctx, index)
        if lyapunov is not None:
            probe["lyapunov"] = lyapunov
        return probe

    def _gradient_curvature(self, ctx: ProbeContext) -> Optional["tuple[torch.Tensor, torch.Tensor, Optional[float]]"]:
        """(g, H_B g, gᵀH_B g / gᵀg): batch sharpness, the curvature along the step's own gradient
        (Andreyev & Beneventano, "Edge of Stochastic Stability", 2024); None for a zero or
        non-finite gradient (no product taken)."""
        g = ctx.gradient
        gg = float(torch.dot(g, g))
        if not (gg > 0) or not math.isfinite(gg):
            return None
        (hg,) = ctx.products([g])
        value = float(torch.dot(g, hg)) / gg
        return g, hg, (value if math.isfinite(value) else None)

    def _measure_sharpness(self, ctx: ProbeContext, probe: Dict[str, Any], gradient: Any, converge: Optional[int]) -> None:
        s = self.settings
        converging = self._last_lr is None or (ctx.lr > 0 and self._last_lr > 0 and abs(math.log(ctx.lr / self._last_lr)) > math.log(2)) \
            or ((ctx.lr > 0) != (self._last_lr > 0))
        most = converge if converge is not None else (s.converge_iterations if converging else s.sharpness_iterations)
        w = self._sharpness
        k = len(w)
        hw = ctx.products(w)
        probe["hvps"] += k
        if not _all_finite(hw):
            probe["sharpness"] = {"rayleigh": _inner(w, hw)}
            return
        basis = RitzBasis(max(MAX_EIGEN_ORDER, 2 * k + 4), self._span)
        for column, product in zip(w, hw):
            basis.add(column, product)
        if self._bottom is not None:
            (hu,) = ctx.products([self._bottom])
            probe["hvps"] += 1
            basis.add(self._bottom, hu)
        if gradient is not None:
            basis.add(gradient[0], gradient[1])

        iterations = 1
        top, bottom = self._extreme_pairs(basis, k)
        while True:
            scale = abs(top[0].value) if top else 0.0
            floor = max(s.sharpness_tolerance * scale, NOISE_FLOOR_FACTOR * basis.asymmetry)
            extremes = top if bottom is None else [*top, bottom]
            pending = [pair for pair in extremes if not (pair.residual_norm <= floor)]
            if not pending or iterations >= most or not (scale > 0):
                break
            if basis.size + len(pending) > basis.capacity:
                basis.restart(extremes)
            directions = [pair.product - pair.value * pair.vector for pair in pending]
            hd = ctx.products(directions)
            probe["hvps"] += len(directions)
            grew = [basis.add(d, h) for d, h in zip(directions, hd)]
            iterations += 1
            if not any(grew):
                break
            top, bottom = self._extreme_pairs(basis, k)

        theta = top[0].value if top else 0.0
        self._sharpness = [pair.vector for pair in top]
        sharpness: Dict[str, Any] = {"rayleigh": _inner([p.vector for p in top], [p.product for p in top])}
        if theta != 0 and math.isfinite(theta):
            sharpness["residual"] = top[0].residual_norm / abs(theta)
        if iterations > 1:
            sharpness["iterations"] = iterations
        probe["sharpness"] = sharpness
        if bottom is not None:
            self._bottom = bottom.vector
            min_curvature: Dict[str, float] = {"value": bottom.value}
            if bottom.value != 0:
                min_curvature["residual"] = bottom.residual_norm / abs(bottom.value)
            probe["minCurvature"] = min_curvature

    def _extreme_pairs(self, basis: RitzBasis, k: int) -> "tuple[List[RitzPair], Optional[RitzPair]]":
        tracked = self._bottom is not None and basis.size > k
        pairs = basis.ritz([*range(k), -1] if tracked else list(range(k)))
        return (pairs[:k], pairs[k]) if tracked else (pairs, None)

    def _step_lyapunov(self, ctx: ProbeContext, index: int) -> Optional[Dict[str, Any]]:
        if not self._lyapunov:
            return None
        if not (isinstance(index, int) and 0 <= index < self.burst_length):
            raise ValueError(f"probe: burst step {index} outside 0…{self.burst_length - 1}")
        v = self._lyapunov
        hv = ctx.products(v)
        jv = [vi - ctx.lr * hvi for vi, hvi in zip(v, hv)]
        lyapunov: Dict[str, Any] = {"eta": ctx.lr, "gram": _inner(jv, jv), "rayleigh": _inner(v, hv)}
        if self.burst_length > 1:
            lyapunov["burst"] = {"index": index, "length": self.burst_length, "discard": self._discard}
        if _all_finite(jv):
            self._lyapunov = orthonormalize_columns(jv)[0]
        return lyapunov
