import { hessianVectorProduct, type HvpContext } from './hvp.js';
import { dot } from './vectors.js';

/**
 * Batch sharpness gᵀH_B g / gᵀg: the curvature along the step's own minibatch gradient, on
 * that minibatch, from one Hessian-vector product. SGD is stable along its own direction while
 * η·BS < 2 (Andreyev & Beneventano, "Edge of Stochastic Stability", 2024), an edge that
 * λ_max(H) of a minibatch does not show. Undefined for a zero or non-finite gradient.
 */
export function batchSharpness(ctx: HvpContext): number | undefined {
  const g = new Float64Array(ctx.grad.dataSync());
  const gg = dot(g, g);
  if (!(gg > 0) || !Number.isFinite(gg)) return undefined;
  const value = dot(g, hessianVectorProduct(ctx, g).hv) / gg;
  return Number.isFinite(value) ? value : undefined;
}
