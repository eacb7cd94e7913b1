// The link between a direction's curvature h and its Lyapunov exponent under gradient descent:
// along an eigenvector of H the step's Jacobian J = I − ηH multiplies by 1 − ηh, so λ = log|1 − ηh|.
import { LOCAL_EXPONENT_FLOOR } from './local-exponents.js';

function assertEta(name: string, eta: number): void {
  if (!(Number.isFinite(eta) && eta > 0))
    throw new RangeError(`${name}: eta must be finite and > 0, got ${eta}`);
}

function assertFinite(name: string, label: string, x: number): void {
  if (!Number.isFinite(x)) throw new RangeError(`${name}: ${label} must be finite, got ${x}`);
}

function clampToFloat64(x: number): number {
  return Math.min(Math.max(x, -Number.MAX_VALUE), Number.MAX_VALUE);
}

/**
 * λ = log|1 − ηh|, floored at LOCAL_EXPONENT_FLOOR like the measured exponents (so η·h = 1,
 * where the truth is −∞, gives the floor). When η·h overflows, log|ηh| = log η + log|h| is used.
 */
export function predictedExponent(eta: number, h: number): number {
  assertEta('predictedExponent', eta);
  assertFinite('predictedExponent', 'h', h);
  const product = eta * h;
  const lambda = Number.isFinite(product)
    ? Math.log(Math.abs(1 - product))
    : Math.log(eta) + Math.log(Math.abs(h));
  return Math.max(lambda, LOCAL_EXPONENT_FLOOR);
}

/**
 * Inverts λ = log|1 − ηh| for h. |1 − ηh| = e^λ has two roots, h = (1 − e^λ)/η (where 1 − ηh ≥ 0)
 * and h = (1 + e^λ)/η (where 1 − ηh < 0, the step overshoots); the side is taken from the
 * Rayleigh quotient r measured along the same direction: 1 − ηr ≥ 0 → first root, else second.
 * For r ≤ 0 that is always the first root (h ≤ 0 when λ ≥ 0). A result beyond float64 range
 * (λ ≳ 709 + log η, a diverged step) is clamped to ±Number.MAX_VALUE.
 */
export function invertExponent(lambda: number, eta: number, rayleighQuotient: number): number {
  assertFinite('invertExponent', 'lambda', lambda);
  assertEta('invertExponent', eta);
  assertFinite('invertExponent', 'rayleighQuotient', rayleighQuotient);
  const expansion = Math.exp(lambda);
  const h = 1 - eta * rayleighQuotient >= 0 ? (1 - expansion) / eta : (1 + expansion) / eta;
  return clampToFloat64(h);
}

/**
 * η·λ_max(H). Gradient descent on a quadratic is stable iff every |1 − ηh| ≤ 1, i.e. η·λ_max ≤ 2;
 * SGD is observed to hover near 1. Clamped to ±Number.MAX_VALUE if the product overflows.
 */
export function stabilityRatio(eta: number, sharpness: number): number {
  assertEta('stabilityRatio', eta);
  assertFinite('stabilityRatio', 'sharpness', sharpness);
  return clampToFloat64(eta * sharpness);
}
