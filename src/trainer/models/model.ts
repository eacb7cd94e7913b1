import type { Batch } from '../data/sampler.js';
import type { ParamLayout } from '../params.js';
import type { tf } from '../tf.js';

/**
 * A model is a pure function of one flat parameter vector θ: `loss(θ, batch)` slices θ into
 * its layers (see `ParamLayout`), so the gradient is `tf.grad` of that function and the probe
 * can evaluate it at θ ± εv without touching the trained parameters.
 */
export interface Model {
  readonly name: string;
  readonly layout: ParamLayout;
  /** Initial θ from the given uniform stream. */
  init(rng: () => number): Float32Array;
  loss(theta: tf.Tensor1D, batch: Batch): tf.Scalar;
  /** The outputs the loss is taken of (classifiers: logits), one row per input; for evaluation. */
  outputs?(theta: tf.Tensor1D, x: tf.Tensor): tf.Tensor2D;
  /** Releases tensors the model holds (constants such as a quadratic's matrix). */
  dispose?(): void;
}

export type { Activation, LossName } from '../names.js';
