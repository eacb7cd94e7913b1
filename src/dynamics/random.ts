// Seeded, deterministic randomness for tests, simulations and initial tangent vectors:
// the same seed gives the same numbers on every platform (integer arithmetic only).
import { type Matrix, zeros } from './matrix.js';
import { qr } from './qr.js';

/** Mulberry32 (Tommy Ettinger): a 32-bit state generator, uniform on [0, 1) in steps of 2⁻³². */
export function mulberry32(seed: number): () => number {
  if (!Number.isSafeInteger(seed))
    throw new RangeError(`mulberry32: seed must be a safe integer, got ${seed}`);
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Standard normal by Box–Muller: √(−2 ln u₁)·cos(2π u₂). u₁ = 1 − rng() lies in (0, 1], so the
 * logarithm is finite. The sine partner is discarded to keep the function stateless.
 */
export function gaussian(rng: () => number): number {
  const u1 = 1 - rng();
  const u2 = rng();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * Haar-distributed n×n orthogonal matrix (Mezzadri 2007): the Q of a Gaussian matrix's QR is
 * Haar only once R's diagonal is made positive, which `qr` already guarantees.
 */
export function randomOrthogonal(n: number, rng: () => number): Matrix {
  const g = zeros(n, n).map((row) => row.map(() => gaussian(rng)));
  return qr(g).q;
}
