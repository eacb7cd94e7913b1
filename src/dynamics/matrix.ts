// Small dense row-major matrices (k ≤ a few dozen) and the vector kernels the tangent-subspace
// code runs on long Float64Arrays. Shape errors are programmer errors: RangeError.
import { entry, rowAt, setEntry } from './access.js';
import type { Matrix } from './matrix-type.js';

export type { Matrix } from './matrix-type.js';

function assertCount(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`${name} must be a non-negative integer, got ${n}`);
}

export function zeros(rows: number, cols: number): Matrix {
  assertCount('rows', rows);
  assertCount('cols', cols);
  return Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
}

export function identity(n: number): Matrix {
  const m = zeros(n, n);
  for (let i = 0; i < n; i++) setEntry(m, i, i, 1);
  return m;
}

export function diag(values: readonly number[]): Matrix {
  const m = zeros(values.length, values.length);
  values.forEach((v, i) => {
    setEntry(m, i, i, v);
  });
  return m;
}

/** Rows and columns of a rectangular matrix; a ragged one is a RangeError. An empty matrix is 0×0. */
export function shape(a: Matrix): { rows: number; cols: number } {
  const cols = a[0]?.length ?? 0;
  a.forEach((row, i) => {
    if (row.length !== cols)
      throw new RangeError(`ragged matrix: row ${i} has ${row.length} entries, row 0 has ${cols}`);
  });
  return { rows: a.length, cols };
}

export function isSquare(a: Matrix): boolean {
  return a.every((row) => row.length === a.length);
}

export function isFiniteMatrix(a: Matrix): boolean {
  return a.every((row) => row.every((v) => Number.isFinite(v)));
}

export function transpose(a: Matrix): Matrix {
  const { rows, cols } = shape(a);
  const t = zeros(cols, rows);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) setEntry(t, j, i, entry(a, i, j));
  return t;
}

export function column(a: Matrix, j: number): number[] {
  const { cols } = shape(a);
  if (!Number.isSafeInteger(j) || j < 0 || j >= cols)
    throw new RangeError(`column ${j} outside 0..${cols - 1}`);
  return a.map((row) => row[j] ?? 0);
}

export function matMul(a: Matrix, b: Matrix): Matrix {
  const { rows, cols: inner } = shape(a);
  const { rows: bRows, cols } = shape(b);
  if (inner !== bRows) throw new RangeError(`matMul: ${rows}×${inner} times ${bRows}×${cols}`);
  const c = zeros(rows, cols);
  for (let i = 0; i < rows; i++) {
    const ci = rowAt(c, i);
    for (let p = 0; p < inner; p++) {
      const aip = entry(a, i, p);
      const bp = rowAt(b, p);
      for (let j = 0; j < cols; j++) ci[j] = (ci[j] ?? 0) + aip * (bp[j] ?? 0);
    }
  }
  return c;
}

export function matVec(a: Matrix, x: readonly number[]): number[] {
  const { cols } = shape(a);
  if (cols !== x.length)
    throw new RangeError(`matVec: ${a.length}×${cols} matrix times a vector of ${x.length}`);
  return a.map((row) => dot(row, x));
}

/** (A + Aᵀ)/2, as A/2 + Aᵀ/2 so that entries near the float64 limit do not overflow. */
export function symmetrize(a: Matrix): Matrix {
  if (!isSquare(a)) throw new RangeError('symmetrize: matrix is not square');
  return a.map((row, i) => row.map((v, j) => v / 2 + entry(a, j, i) / 2));
}

export function dot(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new RangeError(`dot: lengths ${x.length} and ${y.length} differ`);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += (x[i] ?? 0) * (y[i] ?? 0);
  return sum;
}

// Below this the plain sum of squares may have lost entries to underflow.
const SMALLEST_SAFE_SUM_OF_SQUARES = 1e-280;

/**
 * Euclidean norm. The plain sum of squares is used when it is safely inside float64 range;
 * otherwise the vector is rescaled by its largest |entry| first (as LAPACK's dnrm2 does), so a
 * finite vector never yields Infinity from overflow or 0 from underflow.
 */
export function norm(x: ArrayLike<number>): number {
  let sumSquares = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i] ?? 0;
    sumSquares += v * v;
  }
  return normFromSumOfSquares(x, sumSquares);
}

/**
 * ‖x‖ given its plain sum of squares (however the caller summed it): its square root while it is
 * safely inside float64 range, else the rescaled sum of `norm`.
 */
export function normFromSumOfSquares(x: ArrayLike<number>, sumSquares: number): number {
  if (sumSquares >= SMALLEST_SAFE_SUM_OF_SQUARES && sumSquares < Infinity) return Math.sqrt(sumSquares);
  let scale = 0;
  for (let i = 0; i < x.length; i++) scale = Math.max(scale, Math.abs(x[i] ?? 0));
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let scaled = 0;
  for (let i = 0; i < x.length; i++) {
    const v = (x[i] ?? 0) / scale;
    scaled += v * v;
  }
  return scale * Math.sqrt(scaled);
}

export function frobeniusNorm(a: Matrix): number {
  return norm(a.flat());
}
