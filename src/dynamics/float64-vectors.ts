// Loops over equal-length Float64Arrays, for the probe's vectors of n parameters (n ≈ 10⁵–10⁶).
// `dot` and `norm` in matrix.ts take any ArrayLike (number[] rows too); a loop that sees both
// kinds of array reads its elements through a polymorphic access, about twice as slow. These see
// only Float64Array. Lengths are the callers' to check.
import { normFromSumOfSquares } from './matrix.js';

/**
 * xᵀy. Four running sums: one sum is a chain of dependent additions, each waiting for the last
 * (the floating-point adder's latency); four independent chains keep it busy. About 1.4–2.2×
 * faster at n ≈ 10⁵ on Node 20 (measured), and pairwise-like in its rounding.
 */
export function dot64(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  const whole = n - (n % 4);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i < whole; i += 4) {
    s0 += (x[i] as number) * (y[i] as number);
    s1 += (x[i + 1] as number) * (y[i + 1] as number);
    s2 += (x[i + 2] as number) * (y[i + 2] as number);
    s3 += (x[i + 3] as number) * (y[i + 3] as number);
  }
  for (; i < n; i++) s0 += (x[i] as number) * (y[i] as number);
  return s0 + s1 + (s2 + s3);
}

/** ‖x‖, rescaled by the largest |entry| when the plain sum of squares over- or underflows (as `norm`). */
export function norm64(x: Float64Array): number {
  return normFromSumOfSquares(x, dot64(x, x));
}

/** w ← w − c·b, in place. */
export function subtractScaled64(w: Float64Array, c: number, b: Float64Array): void {
  for (let i = 0; i < w.length; i++) w[i] = (w[i] as number) - c * (b[i] as number);
}

/** w ← w / d, in place. */
export function divideInPlace64(w: Float64Array, d: number): void {
  for (let i = 0; i < w.length; i++) w[i] = (w[i] as number) / d;
}

/** Whether every entry is finite. */
export function allFinite64(x: Float64Array): boolean {
  // Indexed: for…of over 10⁵ doubles ran several times slower on Node 20.
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}
