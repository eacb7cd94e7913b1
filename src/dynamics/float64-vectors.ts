// Loops over equal-length Float64Arrays, for the probe's vectors of n parameters (n ≈ 10⁵–10⁶).
// `dot` and `norm` in matrix.ts take any ArrayLike (number[] rows too); a loop that sees both
// kinds of array reads its elements through a polymorphic access, about twice as slow. These see
// only Float64Array. Lengths are the callers' to check.

/** xᵀy. */
export function dot64(x: Float64Array, y: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += (x[i] as number) * (y[i] as number);
  return sum;
}

// Below this the plain sum of squares may have lost entries to underflow.
const SMALLEST_SAFE_SUM_OF_SQUARES = 1e-280;

/** ‖x‖, rescaled by the largest |entry| when the plain sum of squares over- or underflows (as `norm`). */
export function norm64(x: Float64Array): number {
  const sumSquares = dot64(x, x);
  if (sumSquares >= SMALLEST_SAFE_SUM_OF_SQUARES && sumSquares < Infinity) return Math.sqrt(sumSquares);
  let scale = 0;
  for (let i = 0; i < x.length; i++) scale = Math.max(scale, Math.abs(x[i] as number));
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let scaled = 0;
  for (let i = 0; i < x.length; i++) {
    const v = (x[i] as number) / scale;
    scaled += v * v;
  }
  return scale * Math.sqrt(scaled);
}

/** w ← w − c·b, in place. */
export function subtractScaled64(w: Float64Array, c: number, b: Float64Array): void {
  for (let i = 0; i < w.length; i++) w[i] = (w[i] as number) - c * (b[i] as number);
}

/** w ← w / d, in place. */
export function divideInPlace64(w: Float64Array, d: number): void {
  for (let i = 0; i < w.length; i++) w[i] = (w[i] as number) / d;
}
