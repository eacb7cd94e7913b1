// Independent truth for the probe tests: extreme eigenvalues of a dense symmetric matrix in
// float64, by Householder tridiagonalisation (Golub & Van Loan §8.3.1) and Sturm-sequence
// bisection (§8.4.1), which needs no convergence assumption: it brackets each eigenvalue to
// rounding.

/** n×n symmetric matrix, row-major. */
export interface DenseSymmetric {
  n: number;
  a: Float64Array;
}

export function tridiagonalize(m: DenseSymmetric): { d: Float64Array; e: Float64Array } {
  const { n } = m;
  const a = m.a.slice();
  const e = new Float64Array(Math.max(n - 1, 0));
  const v = new Float64Array(n);
  const w = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    let norm = 0;
    for (let i = k + 1; i < n; i++) norm += a[i * n + k]! ** 2;
    norm = Math.sqrt(norm);
    const x0 = a[(k + 1) * n + k]!;
    const alpha = x0 > 0 ? -norm : norm;
    e[k] = alpha;
    if (norm === 0) continue;
    let vNorm = 0;
    for (let i = k + 1; i < n; i++) {
      v[i] = a[i * n + k]! - (i === k + 1 ? alpha : 0);
      vNorm += v[i]! ** 2;
    }
    vNorm = Math.sqrt(vNorm);
    if (vNorm === 0) continue;
    for (let i = k + 1; i < n; i++) v[i] = v[i]! / vNorm;
    // A22 ← H A22 H with H = I − 2vvᵀ: A22 − 2v qᵀ − 2q vᵀ, w = A22 v, q = w − (vᵀw) v.
    let vw = 0;
    for (let i = k + 1; i < n; i++) {
      let s = 0;
      for (let j = k + 1; j < n; j++) s += a[i * n + j]! * v[j]!;
      w[i] = s;
      vw += v[i]! * s;
    }
    for (let i = k + 1; i < n; i++) w[i] = w[i]! - vw * v[i]!;
    for (let i = k + 1; i < n; i++) {
      for (let j = k + 1; j < n; j++) a[i * n + j] = a[i * n + j]! - 2 * v[i]! * w[j]! - 2 * w[i]! * v[j]!;
    }
  }
  const d = Float64Array.from({ length: n }, (_, i) => a[i * n + i]!);
  if (n >= 2) e[n - 2] = a[(n - 1) * n + (n - 2)]!;
  return { d, e };
}

/** Eigenvalues of the tridiagonal (d, e) below x (Sturm sequence of the LDLᵀ pivots). */
function countBelow(d: Float64Array, e: Float64Array, x: number): number {
  let count = 0;
  let q = 1;
  for (let i = 0; i < d.length; i++) {
    const off = i === 0 ? 0 : e[i - 1]! ** 2 / (q === 0 ? 1e-300 : q);
    q = d[i]! - x - off;
    if (q < 0) count++;
  }
  return count;
}

/** The index-th smallest eigenvalue (0-based) of a symmetric matrix. */
export function eigenvalueAt(m: DenseSymmetric, index: number, tri = tridiagonalize(m)): number {
  const { d, e } = tri;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < d.length; i++) {
    const r = (i > 0 ? Math.abs(e[i - 1]!) : 0) + (i < e.length ? Math.abs(e[i]!) : 0);
    lo = Math.min(lo, d[i]! - r);
    hi = Math.max(hi, d[i]! + r);
  }
  for (let it = 0; it < 200 && hi - lo > 1e-15 * Math.max(1, Math.abs(lo), Math.abs(hi)); it++) {
    const mid = (lo + hi) / 2;
    if (countBelow(d, e, mid) > index) hi = mid;
    else lo = mid;
  }
  return (lo + hi) / 2;
}

export function extremeEigenvalues(m: DenseSymmetric): { min: number; max: number; secondMax: number } {
  const tri = tridiagonalize(m);
  return {
    min: eigenvalueAt(m, 0, tri),
    max: eigenvalueAt(m, m.n - 1, tri),
    secondMax: eigenvalueAt(m, m.n - 2, tri),
  };
}

/** Builds a dense symmetric matrix column by column from a matrix-vector product, symmetrised. */
export function denseFromProducts(
  n: number,
  product: (e: Float64Array, j: number) => Float64Array,
): DenseSymmetric {
  const a = new Float64Array(n * n);
  const e = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    e.fill(0);
    e[j] = 1;
    const column = product(e, j);
    for (let i = 0; i < n; i++) a[i * n + j] = column[i]!;
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const s = (a[i * n + j]! + a[j * n + i]!) / 2;
      a[i * n + j] = s;
      a[j * n + i] = s;
    }
  }
  return { n, a };
}
