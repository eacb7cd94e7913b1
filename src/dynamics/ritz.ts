// Rayleigh–Ritz: curvatures of the Hessian restricted to a tangent subspace.
import type { Matrix } from './matrix.js';
import { symmetricEigen } from './symmetric-eigen.js';

/**
 * Ritz values of H on span(V): the eigenvalues of the Rayleigh matrix R = VᵀHV (V orthonormal),
 * descending. They are the best approximations of H's eigenvalues available from that subspace
 * (Courant–Fischer), exact when V spans eigenvectors. R is symmetrised first (it is measured).
 * Throws as symmetricEigen (k > 8 or non-square: RangeError; non-finite: TypeError).
 */
export function ritzValues(rayleigh: Matrix): number[] {
  const [r0, r1] = rayleigh;
  if (rayleigh.length === 1 && r0?.length === 1) {
    const a = r0[0] ?? NaN;
    if (!Number.isFinite(a)) throw new TypeError('ritzValues: non-finite Rayleigh matrix');
    return [a];
  }
  if (rayleigh.length === 2 && r0?.length === 2 && r1?.length === 2) return ritzValues2(r0, r1);
  return symmetricEigen(rayleigh).values;
}

/**
 * k = 2 in closed form (the common case, on the hot path): the eigenvalues of the symmetrised
 * [[a, b], [b, d]] are m ± √(((a − d)/2)² + b²) with m = (a + d)/2; hypot avoids overflow.
 */
function ritzValues2(r0: readonly number[], r1: readonly number[]): number[] {
  const a = r0[0] ?? NaN;
  const d = r1[1] ?? NaN;
  const b = ((r0[1] ?? NaN) + (r1[0] ?? NaN)) / 2;
  if (!(Number.isFinite(a) && Number.isFinite(d) && Number.isFinite(b))) {
    throw new TypeError('ritzValues: non-finite Rayleigh matrix');
  }
  const m = a / 2 + d / 2;
  const r = Math.hypot(a / 2 - d / 2, b);
  return [m + r, m - r];
}

/**
 * The curvatures reordered by their one-step expansion factor |1 − η·h|, largest first (ties:
 * larger h first). Since the predicted exponent log|1 − ηh| is increasing in that factor,
 * result[i] is the curvature that pairs with the i-th largest Lyapunov exponent: for small η
 * the most negative h come first, above η = 2/h_max the sharpest h does.
 */
export function orderByExpansion(values: readonly number[], eta: number): number[] {
  if (!(Number.isFinite(eta) && eta > 0))
    throw new RangeError(`orderByExpansion: eta must be finite and > 0, got ${eta}`);
  if (!values.every((h) => Number.isFinite(h)))
    throw new TypeError('orderByExpansion: values must be finite');
  const expansion = (h: number): number => Math.abs(1 - eta * h);
  return [...values].sort((a, b) => expansion(b) - expansion(a) || b - a);
}
