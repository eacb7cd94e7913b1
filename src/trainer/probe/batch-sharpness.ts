import { dot64 as dot } from '../../dynamics/index.js';
import { hessianVectorProduct, type HvpContext } from './hvp.js';
import { downloadVector } from './transfer.js';

export interface GradientCurvature {
  /** The step's minibatch gradient g. */
  readonly g: Float64Array;
  /** H_B g, for the sharpness's Rayleigh–Ritz basis too. */
  readonly hg: Float64Array;
  /** gᵀH_B g / gᵀg; undefined for a zero or non-finite gradient. */
  readonly value: number | undefined;
}

/**
 * Batch sharpness gᵀH_B g / gᵀg: the curvature along the step's own minibatch gradient, on
 * that minibatch, from one Hessian-vector product. SGD is stable along its own direction while
 * η·BS < 2 (Andreyev & Beneventano, "Edge of Stochastic Stability", 2024), an edge that
 * λ_max(H) of a minibatch does not show. Undefined (no product) for a zero or non-finite gradient.
 */
export function gradientCurvature(ctx: HvpContext): GradientCurvature | undefined {
  const g = downloadVector(ctx.grad);
  const gg = dot(g, g);
  if (!(gg > 0) || !Number.isFinite(gg)) return undefined;
  const hg = hessianVectorProduct(ctx, g).hv;
  const value = dot(g, hg) / gg;
  return { g, hg, value: Number.isFinite(value) ? value : undefined };
}
