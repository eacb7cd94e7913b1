// QR factorisations: Householder for the small dense case, modified Gram–Schmidt for the
// tall tangent subspaces (k vectors of n parameters, n up to millions) that Benettin's method
// re-orthonormalises after every probe step.
import { component, entry, rowAt, setEntry } from './access.js';
import { divideInPlace64, dot64, norm64, subtractScaled64 } from './float64-vectors.js';
import { isFiniteMatrix, type Matrix, norm, shape, zeros } from './matrix.js';

/**
 * Householder QR of an m×n matrix (m ≥ n): A = Q·R with thin Q (m×n, orthonormal columns)
 * and R (n×n) upper triangular with R_ii ≥ 0. Householder rather than Gram–Schmidt because Q
 * stays orthogonal to rounding even when A is rank-deficient. The sign of each reflector is
 * chosen to avoid cancellation; R's diagonal is made non-negative afterwards (unique factor,
 * and the convention Cholesky of AᵀA = RᵀR shares). A zero column gives R_ii = 0.
 */
export function qr(a: Matrix): { q: Matrix; r: Matrix } {
  const { rows: m, cols: n } = shape(a);
  if (m < n) throw new RangeError(`qr: needs rows ≥ columns, got ${m}×${n}`);
  if (!isFiniteMatrix(a)) throw new TypeError('qr: matrix has non-finite entries');
  const w = a.map((row) => row.slice());
  const reflectors: (Float64Array | undefined)[] = [];
  for (let k = 0; k < n; k++) {
    const x = Float64Array.from({ length: m - k }, (_, i) => entry(w, k + i, k));
    const xNorm = norm(x);
    if (xNorm === 0) {
      reflectors.push(undefined);
      continue;
    }
    const alpha = component(x, 0) >= 0 ? -xNorm : xNorm;
    x[0] = component(x, 0) - alpha;
    const vNorm = norm(x);
    const v = x.map((xi) => xi / vNorm);
    reflectors.push(v);
    reflect(w, v, k, k + 1, n);
    setEntry(w, k, k, alpha);
    for (let i = k + 1; i < m; i++) setEntry(w, i, k, 0);
  }
  const r = zeros(n, n).map((row, i) => row.map((_, j) => (j >= i ? entry(w, i, j) : 0)));
  const q = zeros(m, n);
  for (let i = 0; i < n; i++) setEntry(q, i, i, 1);
  for (let k = n - 1; k >= 0; k--) {
    const v = reflectors[k];
    if (v !== undefined) reflect(q, v, k, 0, n);
  }
  for (let i = 0; i < n; i++) {
    if (entry(r, i, i) >= 0) continue;
    const ri = rowAt(r, i);
    for (let j = i; j < n; j++) ri[j] = -entry(r, i, j);
    for (let p = 0; p < m; p++) setEntry(q, p, i, -entry(q, p, i));
  }
  return { q, r };
}

/** Applies H = I − 2vvᵀ (v acting on rows offset…) to columns from…to−1 of a, in place. */
function reflect(a: Matrix, v: Float64Array, offset: number, from: number, to: number): void {
  for (let j = from; j < to; j++) {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += component(v, i) * entry(a, offset + i, j);
    for (let i = 0; i < v.length; i++)
      setEntry(a, offset + i, j, entry(a, offset + i, j) - 2 * s * component(v, i));
  }
}

export const DEGENERATE_COLUMN_TOLERANCE = 1e-12;

/**
 * Orthonormalises k columns of length n (k ≤ n) by modified Gram–Schmidt with one full
 * re-orthogonalisation pass ("twice is enough", Giraud et al. 2005): columns = Q·R, QᵀQ = I.
 * A column whose remaining norm is ≤ 1e-12 of its original norm (a zero column included)
 * lies in the span of the previous ones: R_jj = 0 and Q's column j is `complementVector`,
 * so that Q stays a full orthonormal set. `rank` counts the other columns.
 */
export function orthonormalizeColumns(
  columns: readonly Float64Array[],
  /** The columns become Q's, overwritten in place (no copy): for a caller done with them. */
  inPlace = false,
): {
  q: Float64Array[];
  r: Matrix;
  rank: number;
} {
  const k = columns.length;
  const n = columns[0]?.length ?? 0;
  columns.forEach((c, j) => {
    if (c.length !== n)
      throw new RangeError(`orthonormalizeColumns: column ${j} has length ${c.length}, not ${n}`);
  });
  if (k > n)
    throw new RangeError(`orthonormalizeColumns: ${k} columns cannot be orthonormal in dimension ${n}`);
  const q: Float64Array[] = [];
  const r = zeros(k, k);
  let rank = 0;
  columns.forEach((c, j) => {
    const originalNorm = norm64(c);
    if (!Number.isFinite(originalNorm)) {
      throw new TypeError(`orthonormalizeColumns: column ${j} has non-finite entries or overflows`);
    }
    const w = inPlace ? c : c.slice();
    const coefficients = projectOut(w, q);
    coefficients.forEach((cij, i) => {
      setEntry(r, i, j, cij);
    });
    const remaining = norm64(w);
    if (remaining > DEGENERATE_COLUMN_TOLERANCE * originalNorm) {
      setEntry(r, j, j, remaining);
      divideInPlace64(w, remaining);
      q.push(w);
      rank++;
    } else {
      q.push(complementVector(q, n));
    }
  });
  return { q, r, rank };
}

/** Two modified Gram–Schmidt passes of w against the orthonormal basis; returns the coefficients summed over both passes. */
function projectOut(w: Float64Array, basis: readonly Float64Array[]): number[] {
  const coefficients = basis.map(() => 0);
  for (let pass = 0; pass < 2; pass++) {
    basis.forEach((b, i) => {
      const c = dot64(b, w);
      coefficients[i] = (coefficients[i] ?? 0) + c;
      subtractScaled64(w, c, b);
    });
  }
  return coefficients;
}

/**
 * The deterministic replacement for a degenerate column: the standard basis vector e_m with
 * the lowest m whose squared distance from span(basis), 1 − Σᵢ bᵢ[m]², is ≥ ½ (or, if none is,
 * the farthest one), projected off the basis twice and normalised. Some e_m is at squared
 * distance ≥ 1 − j/n > 0 since j < n, and for tall sets the first few always qualify.
 */
function complementVector(basis: readonly Float64Array[], n: number): Float64Array {
  let chosen = 0;
  let farthest = -Infinity;
  for (let m = 0; m < n; m++) {
    const distance = 1 - basis.reduce((s, b) => s + component(b, m) ** 2, 0);
    if (distance > farthest) {
      farthest = distance;
      chosen = m;
    }
    if (distance >= 0.5) break;
  }
  const e = new Float64Array(n);
  e[chosen] = 1;
  projectOut(e, basis);
  const length = norm64(e);
  return e.map((v) => v / length);
}
