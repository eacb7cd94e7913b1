import { dot64 } from '../../dynamics/index.js';
import { tf } from '../tf.js';
import { downloadVector, uploadVector } from './transfer.js';

import type { HvpMode } from '../names.js';

export type { HvpMode } from '../names.js';

/**
 * The finite-difference step ε = ε₀(1 + ‖θ‖)/‖v‖. It scales with the parameters so that
 * θ + εv is a relative perturbation of about ε₀ whatever the model's scale: in float32
 * (unit roundoff u ≈ 6e-8) rounding θ + εv perturbs the direction by about u‖θ‖/(ε‖v‖) ≤ u/ε₀
 * ≈ 6e-5 relative, and the difference of two float32 gradients loses about u/ε₀ of ‖∇L‖/‖Hv‖;
 * the truncation error is O(ε) for forward and O(ε²) for central differences (zero on a
 * quadratic). ε₀ = 1e-3 balances the two for float32.
 */
export function hvpEpsilon(eps0: number, thetaNorm: number, vNorm: number): number {
  return (eps0 * (1 + thetaNorm)) / vNorm;
}

export interface HvpContext {
  /** ∇L_B at a point, on the step's minibatch B. */
  readonly gradAt: (theta: tf.Tensor1D) => tf.Tensor1D;
  readonly theta: tf.Tensor1D;
  readonly thetaNorm: number;
  /** ∇L_B(θ), the step's own gradient, reused by the forward difference. */
  readonly grad: tf.Tensor1D;
  readonly mode: HvpMode;
  readonly eps0: number;
}

export interface HvpResult {
  readonly hv: Float64Array;
  readonly eps: number;
  /** Gradients evaluated: 1 (forward) or 2 (central). */
  readonly gradients: number;
}

/**
 * Hv ≈ (∇L_B(θ + εv) − ∇L_B(θ))/ε (forward) or (∇L_B(θ + εv) − ∇L_B(θ − εv))/(2ε)
 * (central), on the same minibatch as the step. Finite differences rather than nested
 * tf.grad, which is not an exact HVP in tfjs (fused losses such as softmax cross-entropy have
 * custom gradients whose own gradient is zero).
 */
export function hessianVectorProduct(ctx: HvpContext, v: Float64Array): HvpResult {
  const eps = hvpEpsilon(ctx.eps0, ctx.thetaNorm, Math.sqrt(dot64(v, v)));
  // εv is scaled in float64 before it is rounded to float32, and the difference divided by ε
  // (or 2ε) in float64 as it is read back: two elementwise passes fewer on the backend.
  const difference = tf.tidy(() => {
    const step = uploadVector(v, eps);
    const plus = ctx.gradAt(tf.add(ctx.theta, step));
    if (ctx.mode === 'forward') return tf.sub(plus, ctx.grad);
    const minus = ctx.gradAt(tf.sub(ctx.theta, step));
    return tf.sub(plus, minus);
  });
  const values = downloadVector(difference, ctx.mode === 'forward' ? eps : 2 * eps);
  difference.dispose();
  return { hv: values, eps, gradients: ctx.mode === 'forward' ? 1 : 2 };
}
