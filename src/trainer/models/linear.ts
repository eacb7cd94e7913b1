import type { Batch } from '../data/sampler.js';
import { paramLayout, view, type ParamBlock } from '../params.js';
import { tf } from '../tf.js';
import { gaussianInit } from './init.js';
import { lossOf } from './losses.js';
import type { Model } from './model.js';

/**
 * ŷ = XW without bias, under ½·mean squared error: with one output, L = ‖Xθ − y‖²/(2n) and
 * the Hessian of a batch is XᵀX/n, independent of θ.
 */
export function createLinear(options: { inputSize: number; outputSize: number }): Model {
  const layout = paramLayout([{ name: 'linear/kernel', shape: [options.inputSize, options.outputSize] }]);
  const kernel = layout.blocks[0] as ParamBlock;
  return {
    name: `linear-${options.inputSize}-${options.outputSize}`,
    layout,
    init: (rng) => gaussianInit(layout, () => 1 / Math.sqrt(options.inputSize), rng),
    loss: (theta: tf.Tensor1D, batch: Batch) =>
      tf.tidy(() => {
        const x = tf.reshape<tf.Rank.R2>(batch.x, [batch.size, options.inputSize]);
        return lossOf('mse', tf.matMul(x, view(theta, kernel)), batch.y);
      }),
  };
}
