import type { ParamBlock } from './params.js';
import { tf } from './tf.js';

export interface SgdState {
  readonly theta: tf.Variable<tf.Rank.R1>;
  readonly theta0: tf.Tensor1D;
  /** Momentum buffer (momentum > 0 only). */
  velocity: tf.Tensor1D | undefined;
  /** The previous step's update θ[t] − θ[t−1]. */
  previousUpdate: tf.Tensor1D | undefined;
}

export interface StepTensors {
  readonly grad: tf.Tensor1D;
  readonly update: tf.Tensor1D;
  readonly velocity: tf.Tensor1D | undefined;
  /** Downloaded step statistics, see `StepStats`. */
  readonly stats: StepStats;
}

export interface StepStats {
  readonly loss: number;
  readonly gradNorm: number;
  readonly paramNorm: number;
  readonly distanceFromInit: number;
  readonly updateNorm: number;
  /** update·previousUpdate and ‖previousUpdate‖ (0 when there is none). */
  readonly updateDot: number;
  readonly previousUpdateNorm: number;
  readonly blockGradNorms: readonly number[];
}

/**
 * Loss, gradient and the SGD update u of one step at θ[t], without applying it:
 * u = −η∇L_B(θ) or, with momentum μ (heavy ball, as PyTorch), m ← μm + ∇L_B(θ), u = −ηm.
 * Every statistic the events need is computed on the device and downloaded in one read
 * (per-layer gradient norms included).
 */
export function computeStep(options: {
  state: SgdState;
  loss: (theta: tf.Tensor1D) => tf.Scalar;
  lr: number;
  momentum: number;
  /** Blocks whose gradient norms are reported (one slice and sum each: the wasm backend has no segment sum). */
  blocks: readonly ParamBlock[];
}): StepTensors {
  const { state, lr, momentum } = options;
  const out = tf.tidy(() => {
    const { value, grad } = tf.valueAndGrad(options.loss)(state.theta);
    const velocity: tf.Tensor1D | undefined =
      momentum > 0
        ? state.velocity === undefined
          ? grad
          : tf.add<tf.Tensor1D>(tf.mul(state.velocity, momentum), grad)
        : undefined;
    const update = tf.mul<tf.Tensor1D>(velocity ?? grad, -lr);
    const previous = state.previousUpdate;
    const squares = tf.square(grad);
    const stats = tf.concat([
      tf.stack([
        value,
        tf.sum(squares),
        tf.sum(tf.square(state.theta)),
        tf.sum(tf.squaredDifference(state.theta, state.theta0)),
        tf.sum(tf.square(update)),
        previous === undefined ? tf.scalar(0) : tf.sum(tf.mul(update, previous)),
        previous === undefined ? tf.scalar(0) : tf.sum(tf.square(previous)),
      ]),
      ...options.blocks.map((b) => tf.reshape(tf.sum(tf.slice(squares, [b.offset], [b.size])), [1])),
    ]);
    return { grad, update, velocity, stats };
  });
  const s = out.stats.dataSync();
  out.stats.dispose();
  const at = (i: number): number => s[i] ?? Number.NaN;
  return {
    grad: out.grad,
    update: out.update,
    velocity: out.velocity,
    stats: {
      loss: at(0),
      gradNorm: Math.sqrt(at(1)),
      paramNorm: Math.sqrt(at(2)),
      distanceFromInit: Math.sqrt(at(3)),
      updateNorm: Math.sqrt(at(4)),
      updateDot: at(5),
      previousUpdateNorm: Math.sqrt(at(6)),
      blockGradNorms: Array.from(s.subarray(7), (x) => Math.sqrt(x)),
    },
  };
}

/** θ ← θ + u, and the step's update and momentum become the state's. */
export function applyStep(state: SgdState, step: StepTensors): void {
  tf.tidy(() => {
    state.theta.assign(tf.add(state.theta, step.update));
  });
  state.previousUpdate?.dispose();
  state.previousUpdate = step.update;
  if (state.velocity !== step.velocity) state.velocity?.dispose();
  state.velocity = step.velocity;
  if (step.velocity !== step.grad) step.grad.dispose();
}
