import type { Batch } from '../data/sampler.js';
import { paramLayout, view, type ParamBlock } from '../params.js';
import { tf } from '../tf.js';
import { gaussianInit } from './init.js';
import { activate, initScale, lossOf } from './losses.js';
import type { Activation, LossName, Model } from './model.js';

export interface CnnOptions {
  /** [height, width, channels] (NHWC). */
  inputShape: readonly [number, number, number];
  /** Filters of each conv block (3×3 'same' convolution, activation, 2×2 max-pool). */
  channels: readonly number[];
  outputSize: number;
  activation: Activation;
  loss: LossName;
  kernelSize?: number;
}

/** conv → act → maxpool blocks, then one dense layer to the outputs. */
export function createCnn(options: CnnOptions): Model {
  const k = options.kernelSize ?? 3;
  const [height, width, inChannels] = options.inputShape;
  const convs = options.channels.map((out, i) => ({
    index: i + 1,
    in: i === 0 ? inChannels : (options.channels[i - 1] ?? 0),
    out,
  }));
  const side = [height, width].map((s) => Math.floor(s / 2 ** convs.length));
  const flat = (side[0] ?? 0) * (side[1] ?? 0) * (convs.at(-1)?.out ?? inChannels);
  if (flat === 0)
    throw new RangeError(`cnn: ${convs.length} pooling blocks leave nothing of a ${height}×${width} input`);
  const layout = paramLayout([
    ...convs.flatMap((c) => [
      { name: `conv_${c.index}/kernel`, shape: [k, k, c.in, c.out] },
      { name: `conv_${c.index}/bias`, shape: [c.out] },
    ]),
    { name: 'dense/kernel', shape: [flat, options.outputSize] },
    { name: 'dense/bias', shape: [options.outputSize] },
  ]);
  const block = (i: number): ParamBlock => layout.blocks[i] as ParamBlock;
  const outputs = (theta: tf.Tensor1D, x: tf.Tensor): tf.Tensor2D => {
    let h = x as tf.Tensor4D;
    convs.forEach((_, i) => {
      const z = tf.add(
        tf.conv2d(h, view(theta, block(2 * i)) as tf.Tensor4D, 1, 'same'),
        view(theta, block(2 * i + 1)),
      );
      h = tf.maxPool(activate(z, options.activation) as tf.Tensor4D, 2, 2, 'valid');
    });
    const n = convs.length * 2;
    return tf.add(
      tf.matMul(tf.reshape(h, [-1, flat]), view(theta, block(n)) as tf.Tensor2D),
      view(theta, block(n + 1)),
    );
  };
  return {
    name: `cnn-${options.channels.join('-')}-${options.outputSize}-${options.activation}`,
    layout,
    init: (rng) =>
      gaussianInit(
        layout,
        (name) => {
          if (name.endsWith('/bias')) return 0;
          if (name === 'dense/kernel') return initScale(flat, 'linear');
          const c = convs[Number(/conv_(\d+)/.exec(name)?.[1]) - 1];
          return initScale(k * k * (c?.in ?? 1), options.activation);
        },
        rng,
      ),
    loss: (theta: tf.Tensor1D, batch: Batch) =>
      tf.tidy(() => lossOf(options.loss, outputs(theta, batch.x), batch.y)),
    outputs: (theta, x) => tf.tidy(() => outputs(theta, x)),
  };
}
