"""Float64 linear algebra of the probe, ported from ``src/dynamics`` (``ritz-basis.ts``, ``qr.ts``).

Vectors are 1-D float64 tensors of the n parameters, on the model's device.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import torch

__all__ = ["RitzPair", "RitzBasis", "orthonormalize_columns", "random_orthonormal", "MAX_EIGEN_ORDER", "MAX_RITZ_BASIS"]

MAX_EIGEN_ORDER = 8
MAX_RITZ_BASIS = 24
#: A Gram–Schmidt pass that leaves less than this share of the column's norm is repeated once.
REORTHOGONALIZE_BELOW = 0.7071067811865476
SPAN_TOLERANCE = 1e-8
DEGENERATE_COLUMN_TOLERANCE = 1e-12


@dataclass(frozen=True)
class RitzPair:
    """θ = yᵀ(QᵀHQ)y, u = Qy (unit), Hu = (HQ)y from the products already taken, and ‖Hu − θu‖."""

    value: float
    vector: torch.Tensor
    product: torch.Tensor
    residual_norm: float


class RitzBasis:
    """An orthonormal basis Q with the products HQ of a symmetric H, grown one column at a time.

    Adding x with its product Hx orthogonalises x against Q (Gram–Schmidt, a second pass when the
    first cancelled most of x: Kahan–Parlett "twice is enough") and applies the same combination
    to Hx, so the new column's product costs nothing: H is linear. The Ritz pairs of QᵀHQ are then
    the best estimates of H's extreme eigenpairs these products allow (Rayleigh–Ritz; Parlett,
    "The Symmetric Eigenvalue Problem", ch. 11); expanding the basis by a pair's residual
    Hu − θu is a Lanczos/Davidson step. ``restart`` collapses the basis to chosen Ritz pairs (a
    thick restart). Q and HQ are held as capacity×n matrices (a row per column of Q), so that each
    pass is two matrix-vector products rather than a loop over the columns.
    """

    def __init__(self, capacity: int = MAX_EIGEN_ORDER, span_tolerance: float = SPAN_TOLERANCE) -> None:
        if not (isinstance(capacity, int) and 1 <= capacity <= MAX_RITZ_BASIS):
            raise ValueError(f"RitzBasis: capacity {capacity} outside 1…{MAX_RITZ_BASIS}")
        self.capacity = capacity
        self.span_tolerance = span_tolerance
        self._q: Optional[torch.Tensor] = None  # capacity × n: row i is q_i
        self._hq: Optional[torch.Tensor] = None
        self._m = 0
        self._raw: List[List[float]] = []  # raw[i][j] = q_iᵀ(Hq_j) as measured

    @property
    def size(self) -> int:
        return self._m

    def add(self, x: torch.Tensor, hx: torch.Tensor) -> bool:
        """Adds x with its product; False (nothing added) when either is not finite, x lies in the
        span, or the basis is full."""
        if self._m >= self.capacity:
            return False
        original = float(torch.linalg.vector_norm(x))
        if not (0 < original < math.inf) or not math.isfinite(float(torch.linalg.vector_norm(hx))):
            return False
        if self._q is None or self._hq is None:
            self._q = torch.empty(self.capacity, x.numel(), dtype=torch.float64, device=x.device)
            self._hq = torch.empty_like(self._q)
        q, hq = self._q[: self._m], self._hq[: self._m]
        u, hu = x.clone(), hx.clone()
        remaining = original
        for _ in range(2):
            before = remaining
            c = q @ u
            u -= q.T @ c
            hu -= hq.T @ c
            remaining = float(torch.linalg.vector_norm(u))
            if remaining > REORTHOGONALIZE_BELOW * before:
                break
        if not (remaining > self.span_tolerance * original):
            return False
        u /= remaining
        hu /= remaining
        # The new row and column of QᵀHQ, as measured.
        column = (q @ hu).tolist()
        row = (hq @ u).tolist()
        for i, value in enumerate(column):
            self._raw[i].append(value)
        self._raw.append(row + [float(torch.dot(u, hu))])
        self._q[self._m] = u
        self._hq[self._m] = hu
        self._m += 1
        return True

    def _matrix(self) -> torch.Tensor:
        return torch.tensor(self._raw, dtype=torch.float64)

    @property
    def asymmetry(self) -> float:
        """Frobenius norm of the measured QᵀHQ's antisymmetric part: the products' own error."""
        if self._m < 2:
            return 0.0
        raw = self._matrix()
        return float(torch.linalg.matrix_norm((raw - raw.T) / 2))

    def ritz(self, ranks: Sequence[int]) -> List[RitzPair]:
        """The Ritz pairs at the given ranks (0: largest value; −1: smallest; each once), in the order asked."""
        m = self._m
        if m == 0 or self._q is None or self._hq is None:
            return []
        raw = self._matrix()
        values, vectors = torch.linalg.eigh((raw + raw.T) / 2)  # ascending; measured products are symmetric only up to noise
        chosen: List[int] = []
        for r in ranks:
            rank = m + r if r < 0 else r
            if 0 <= rank < m and rank not in chosen:
                chosen.append(rank)
        pairs = []
        for rank in chosen:
            index = m - 1 - rank  # rank 0 = the largest
            y = vectors[:, index].to(self._q.device)
            vector = self._q[:m].T @ y
            product = self._hq[:m].T @ y
            value = float(values[index])
            residual = float(torch.linalg.vector_norm(product - value * vector))
            pairs.append(RitzPair(value, vector, product, residual))
        return pairs

    def restart(self, pairs: Sequence[RitzPair]) -> None:
        self._m = 0
        self._raw.clear()
        for pair in pairs:
            self.add(pair.vector, pair.product)


def _project_out(w: torch.Tensor, basis: Sequence[torch.Tensor]) -> List[float]:
    coefficients = [0.0] * len(basis)
    for _ in range(2):
        for i, b in enumerate(basis):
            c = torch.dot(b, w)
            coefficients[i] += float(c)
            w.sub_(c * b)
    return coefficients


def _complement_vector(basis: Sequence[torch.Tensor], n: int, like: torch.Tensor) -> torch.Tensor:
    """The deterministic replacement of a degenerate column (``complementVector`` in qr.ts)."""
    squares = torch.zeros(n, dtype=torch.float64, device=like.device)
    for b in basis:
        squares += b * b
    distance = 1 - squares
    good = torch.nonzero(distance >= 0.5)
    chosen = int(good[0]) if good.numel() > 0 else int(torch.argmax(distance))
    e = torch.zeros(n, dtype=torch.float64, device=like.device)
    e[chosen] = 1
    _project_out(e, basis)
    return e / torch.linalg.vector_norm(e)


def orthonormalize_columns(columns: Sequence[torch.Tensor]) -> Tuple[List[torch.Tensor], int]:
    """Modified Gram–Schmidt with a full second pass (Giraud et al. 2005): Q with QᵀQ = I and the
    rank. A column within 1e-12 of the span of the previous ones is replaced by a complement vector,
    so Q stays a full orthonormal set (``orthonormalizeColumns`` in qr.ts)."""
    q: List[torch.Tensor] = []
    rank = 0
    for j, c in enumerate(columns):
        original = float(torch.linalg.vector_norm(c))
        if not (original < float("inf")):
            raise ValueError(f"orthonormalize_columns: column {j} has non-finite entries or overflows")
        w = c.clone()
        _project_out(w, q)
        remaining = float(torch.linalg.vector_norm(w))
        if remaining > DEGENERATE_COLUMN_TOLERANCE * original:
            q.append(w / remaining)
            rank += 1
        else:
            q.append(_complement_vector(q, c.numel(), c))
    return q, rank


def random_orthonormal(n: int, k: int, generator: torch.Generator, device: Optional[torch.device] = None) -> List[torch.Tensor]:
    """k orthonormal Gaussian directions in dimension n, from the probe's own random stream."""
    columns = [torch.randn(n, generator=generator, dtype=torch.float64).to(device) for _ in range(k)]
    return orthonormalize_columns(columns)[0]
