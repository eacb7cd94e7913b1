import { tf } from './tf.js';

export interface ParamBlock {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
}

/**
 * Where each layer's weights sit in the one flat parameter vector θ. Models are pure
 * functions of θ: they slice and reshape it, so the gradient, the update and the probe's
 * perturbations θ + εv all act on a single [n] tensor.
 */
export interface ParamLayout {
  readonly blocks: readonly ParamBlock[];
  readonly size: number;
}

export function paramLayout(blocks: readonly { name: string; shape: readonly number[] }[]): ParamLayout {
  let offset = 0;
  const placed = blocks.map(({ name, shape }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(size) || size <= 0)
      throw new RangeError(`block ${name} has shape [${shape.join(',')}]`);
    const block = { name, shape: [...shape], offset, size };
    offset += size;
    return block;
  });
  return { blocks: placed, size: offset };
}

/** The block's slice of θ in its own shape (differentiable: slice and reshape). */
export function view(theta: tf.Tensor1D, block: ParamBlock): tf.Tensor {
  return tf.reshape(tf.slice(theta, [block.offset], [block.size]), [...block.shape]);
}
