// Local (one-step) Lyapunov exponents by the Benettin/QR method.
import { choleskyDiagonal } from './cholesky.js';
import type { Matrix } from './matrix.js';

/**
 * log(1e-12) ≈ −27.63: a per-step contraction below 1e-12 is beyond what float32 tangent vectors
 * can measure (and, for unit tangent vectors, below what choleskyDiagonal resolves), so exponents are floored; this
 * also stands in for the −∞ of an exactly collapsed direction (η·h = 1, or a degenerate column).
 */
export const LOCAL_EXPONENT_FLOOR = Math.log(1e-12);

/**
 * Benettin et al. (1980) / Shimada–Nagashima: for orthonormal tangent vectors V and the step's
 * Jacobian J = I − ηH, the QR factorisation JV = Q·R gives the local exponents log|R_ii|. The
 * probe sends only G = (JV)ᵀ(JV) = RᵀR, and the Cholesky factor of G is Rᵀ (non-negative
 * diagonal, unique), so exponents[i] = log(chol(G)_ii), floored at LOCAL_EXPONENT_FLOOR.
 * Order: that of V's columns (Gram–Schmidt order, not sorted). `degenerate` as choleskyDiagonal:
 * some column of JV was numerically dependent on earlier ones; its exponent is the floor.
 * Throws as choleskyDiagonal (RangeError non-square, TypeError non-finite).
 */
export function localExponents(gram: Matrix): { exponents: number[]; degenerate: boolean } {
  const { diag, degenerate } = choleskyDiagonal(gram);
  return { exponents: diag.map((d) => Math.max(Math.log(d), LOCAL_EXPONENT_FLOOR)), degenerate };
}
