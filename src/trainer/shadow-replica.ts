import { gaussian, mulberry32, norm } from '../dynamics/index.js';
import type { Shadow } from '../events/index.js';
import { tf } from './tf.js';

export interface ShadowReplicaOptions {
  theta0: Float32Array;
  /** The separation d the replica is renormalised to after every step. */
  distance: number;
  /** Seeds the initial offset direction (a stream of its own). */
  seed: number;
}

/**
 * The two-trajectory method (Benettin et al. 1976): a second copy θ' of the parameters,
 * started at distance d from θ[0] in a random direction, takes the same SGD steps on the same
 * minibatches; after each step the separation s = ‖θ'[t+1] − θ[t+1]‖ is measured and θ' is
 * pulled back to distance d along the same direction. The mean of log(s/d) is the largest
 * Lyapunov exponent per step, measured without any Hessian-vector product, but only to the
 * float32 resolution of θ: rounding both trajectories costs about u‖θ‖/d of s (u ≈ 6e-8).
 */
export class ShadowReplica {
  private readonly shadow: tf.Variable<tf.Rank.R1>;
  private alive = true;

  constructor(private readonly options: ShadowReplicaOptions) {
    const rng = mulberry32(options.seed);
    const direction = Float64Array.from(options.theta0, () => gaussian(rng));
    const length = norm(direction);
    this.shadow = tf.variable(
      tf.tensor1d(
        Float32Array.from(options.theta0, (x, i) => x + (options.distance * (direction[i] ?? 0)) / length),
      ),
    );
  }

  /**
   * Steps the replica with the same learning rate and minibatch as θ and renormalises it
   * around θ[t+1]. Undefined once the separation has become non-finite (the replica is dropped).
   */
  step(options: {
    gradAt: (theta: tf.Tensor1D) => tf.Tensor1D;
    lr: number;
    nextTheta: tf.Tensor1D;
  }): Shadow | undefined {
    if (!this.alive) return undefined;
    const d = this.options.distance;
    const separation = tf.tidy(() => {
      const moved = tf.sub(this.shadow, tf.mul(options.gradAt(this.shadow), options.lr));
      const offset = tf.sub(moved, options.nextTheta);
      const s = tf.norm(offset).dataSync()[0] ?? Number.NaN;
      if (Number.isFinite(s) && s > 0) this.shadow.assign(tf.add(options.nextTheta, tf.mul(offset, d / s)));
      return s;
    });
    if (!Number.isFinite(separation)) this.alive = false;
    return { separation, renormalizedTo: d };
  }

  dispose(): void {
    this.shadow.dispose();
  }
}
