// Cholesky factorisation A = L·Lᵀ (Cholesky–Banachiewicz, row by row). Only the lower triangle
// of A is read: measured Gram matrices are symmetric only up to rounding, and reading one
// triangle makes the result independent of which half carries the rounding.
import { entry, rowAt, setEntry } from './access.js';
import { isSquare, type Matrix, zeros } from './matrix.js';

export type CholeskyResult =
  | { ok: true; l: Matrix }
  | { ok: false; reason: 'not-square' | 'non-finite' | 'not-positive-definite'; index?: number };

/**
 * Strict factorisation of a symmetric positive-definite matrix. `index` is the first row with a
 * non-finite lower-triangle entry ('non-finite'), the pivot that was ≤ 0 ('not-positive-definite'),
 * or the row where the factor overflowed float64 ('non-finite').
 */
export function cholesky(a: Matrix): CholeskyResult {
  if (!isSquare(a)) return { ok: false, reason: 'not-square' };
  const n = a.length;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      if (!Number.isFinite(entry(a, i, j))) return { ok: false, reason: 'non-finite', index: i };
    }
  }
  const l = zeros(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const s = entry(a, i, j) - partialDot(l, i, j, j);
      if (i === j) {
        if (!(s > 0)) return { ok: false, reason: 'not-positive-definite', index: i };
        setEntry(l, i, i, Math.sqrt(s));
      } else {
        setEntry(l, i, j, s / entry(l, j, j));
      }
    }
    if (!rowAt(l, i).every((v) => Number.isFinite(v))) return { ok: false, reason: 'non-finite', index: i };
  }
  return { ok: true, l };
}

function partialDot(l: Matrix, i: number, j: number, length: number): number {
  let s = 0;
  for (let p = 0; p < length; p++) s += entry(l, i, p) * entry(l, j, p);
  return s;
}

export const DEFAULT_GRAM_RELATIVE_TOLERANCE = 1e-14;

/**
 * Diagonal of the Cholesky factor of a positive semi-definite Gram matrix G = WᵀW, which equals
 * |R_ii| of W's QR factorisation. Forming G squares W's condition number, so a pivot
 * ≤ relTol·trace(G) (default 1e-14, i.e. |R_ii| ≲ 1e-7·‖W‖_F, about the resolution float64 has
 * for G) — or a negative or non-finite one from rounding — is a collapsed direction: its diagonal
 * entry is 0, its column of L below the pivot is zeroed (later pivots then ignore it, as QR would
 * ignore a zero column), and `degenerate` is true. The result is always finite.
 * Throws RangeError for a non-square G or a relTol that is not finite and ≥ 0, and TypeError
 * for a non-finite lower triangle (callers check `isFiniteMatrix` first: a non-finite Gram
 * means divergence, which no diagonal should disguise).
 */
export function choleskyDiagonal(
  gram: Matrix,
  relTol: number = DEFAULT_GRAM_RELATIVE_TOLERANCE,
): { diag: number[]; degenerate: boolean } {
  if (!isSquare(gram)) throw new RangeError('choleskyDiagonal: Gram matrix is not square');
  if (!(Number.isFinite(relTol) && relTol >= 0)) {
    throw new RangeError(`choleskyDiagonal: relTol must be finite and ≥ 0, got ${relTol}`);
  }
  const n = gram.length;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      if (!Number.isFinite(entry(gram, i, j))) {
        throw new TypeError(`choleskyDiagonal: non-finite entry at (${i}, ${j})`);
      }
    }
  }
  let trace = 0;
  for (let i = 0; i < n; i++) trace += Math.abs(entry(gram, i, i));
  const tolerance = relTol * trace;
  const l = zeros(n, n);
  const diag: number[] = [];
  let degenerate = false;
  for (let j = 0; j < n; j++) {
    const pivot = entry(gram, j, j) - partialDot(l, j, j, j);
    if (!(pivot > tolerance && pivot < Infinity)) {
      diag.push(0);
      degenerate = true;
      continue;
    }
    const ljj = Math.sqrt(pivot);
    diag.push(ljj);
    setEntry(l, j, j, ljj);
    for (let i = j + 1; i < n; i++) setEntry(l, i, j, (entry(gram, i, j) - partialDot(l, i, j, j)) / ljj);
  }
  return { diag, degenerate };
}
