import { tf } from '../tf.js';
import type { LossName } from './model.js';

/**
 * Mean softmax cross-entropy over the batch (tfjs's fused op, log-sum-exp stable), or half
 * the mean squared error, ½·mean_i ‖ŷ_i − y_i‖², whose ½ makes a linear model's Hessian
 * XᵀX/n exactly.
 */
export function lossOf(name: LossName, outputs: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  if (name === 'cross-entropy') return tf.losses.softmaxCrossEntropy(targets, outputs);
  const [batch] = outputs.shape as [number, ...number[]];
  return tf.div(tf.sum(tf.squaredDifference(outputs, targets)), 2 * batch);
}

export function activate(x: tf.Tensor, activation: 'relu' | 'tanh'): tf.Tensor {
  return activation === 'relu' ? tf.relu(x) : tf.tanh(x);
}

/** Gaussian weights scaled for the activation: He (2/fan-in) for relu, LeCun (1/fan-in) for tanh and linear outputs. */
export function initScale(fanIn: number, activation: 'relu' | 'tanh' | 'linear'): number {
  return Math.sqrt((activation === 'relu' ? 2 : 1) / fanIn);
}
