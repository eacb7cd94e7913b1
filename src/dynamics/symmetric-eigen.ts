// Eigen-decomposition of the small symmetric matrices the probe measures (k ≤ 8): Gram and
// Rayleigh matrices of the tangent subspaces.
import { entry, rowAt, setEntry } from './access.js';
import { frobeniusNorm, identity, isFiniteMatrix, isSquare, type Matrix, symmetrize } from './matrix.js';

export const MAX_EIGEN_ORDER = 8;
const MAX_SWEEPS = 100;
const RELATIVE_OFF_DIAGONAL_TOLERANCE = 1e-15;

/**
 * `maxOrder` guards the order (default 8, the probe's matrices; RitzBasis allows more).
 * Cyclic Jacobi rotations (Rutishauser's stable update, as in Golub & Van Loan §8.5) on
 * symmetrize(a): measured Rayleigh matrices are symmetric only up to noise, and (A+Aᵀ)/2 is the
 * nearest symmetric matrix. Jacobi rather than QR iteration because for k ≤ 8 it is short,
 * needs no shifts, and gives eigenvectors orthonormal to rounding and small eigenvalues to high
 * relative accuracy. Stops when the off-diagonal Frobenius norm is ≤ 1e-15·‖A‖_F or after 100
 * sweeps (Jacobi converges quadratically; a handful suffice).
 * values: descending. vectors[:, i] (column i): unit eigenvector of values[i], signed so that
 * its largest-magnitude component (the first, on ties) is positive.
 */
export function symmetricEigen(
  a: Matrix,
  maxOrder: number = MAX_EIGEN_ORDER,
): { values: number[]; vectors: Matrix } {
  if (!isSquare(a)) throw new RangeError('symmetricEigen: matrix is not square');
  const k = a.length;
  if (k > maxOrder) throw new RangeError(`symmetricEigen: order ${k} exceeds ${maxOrder}`);
  if (!isFiniteMatrix(a)) throw new TypeError('symmetricEigen: matrix has non-finite entries');
  const s = symmetrize(a);
  const v = identity(k);
  const target = RELATIVE_OFF_DIAGONAL_TOLERANCE * frobeniusNorm(s);
  for (let sweep = 0; sweep < MAX_SWEEPS && offDiagonalNorm(s) > target; sweep++) {
    for (let p = 0; p < k - 1; p++) for (let q = p + 1; q < k; q++) rotate(s, v, p, q);
  }
  const order = Array.from({ length: k }, (_, i) => i).sort((i, j) => entry(s, j, j) - entry(s, i, i));
  const values = order.map((i) => entry(s, i, i));
  const vectors = v.map((row) => order.map((i) => row[i] ?? 0));
  for (let c = 0; c < k; c++) orientColumn(vectors, c);
  return { values, vectors };
}

function offDiagonalNorm(s: Matrix): number {
  return frobeniusNorm(s.map((row, i) => row.map((x, j) => (i === j ? 0 : x))));
}

/**
 * One Jacobi rotation in the (p, q) plane, chosen to zero s_pq: θ = (s_qq − s_pp)/(2 s_pq),
 * t = tan φ = sign(θ)/(|θ| + √(θ² + 1)) (the smaller root, |φ| ≤ π/4, so the rotation is
 * close to the identity), then s ← JᵀsJ and v ← vJ. hypot keeps θ² from overflowing.
 */
function rotate(s: Matrix, v: Matrix, p: number, q: number): void {
  const spq = entry(s, p, q);
  if (spq === 0) return;
  const theta = (entry(s, q, q) - entry(s, p, p)) / (2 * spq);
  const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.hypot(theta, 1));
  const c = 1 / Math.sqrt(t * t + 1);
  const sin = t * c;
  const tau = sin / (1 + c);
  setEntry(s, p, p, entry(s, p, p) - t * spq);
  setEntry(s, q, q, entry(s, q, q) + t * spq);
  setEntry(s, p, q, 0);
  setEntry(s, q, p, 0);
  for (let r = 0; r < s.length; r++) {
    if (r !== p && r !== q) {
      const srp = entry(s, r, p);
      const srq = entry(s, r, q);
      const newRp = srp - sin * (srq + tau * srp);
      const newRq = srq + sin * (srp - tau * srq);
      setEntry(s, r, p, newRp);
      setEntry(s, p, r, newRp);
      setEntry(s, r, q, newRq);
      setEntry(s, q, r, newRq);
    }
    const vrp = entry(v, r, p);
    const vrq = entry(v, r, q);
    setEntry(v, r, p, vrp - sin * (vrq + tau * vrp));
    setEntry(v, r, q, vrq + sin * (vrp - tau * vrq));
  }
}

function orientColumn(vectors: Matrix, c: number): void {
  let largest = 0;
  for (const row of vectors) {
    const x = row[c] ?? 0;
    if (Math.abs(x) > Math.abs(largest)) largest = x;
  }
  if (largest < 0) for (let r = 0; r < vectors.length; r++) rowAt(vectors, r)[c] = -entry(vectors, r, c);
}
