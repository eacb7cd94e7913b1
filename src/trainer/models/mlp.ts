import type { Batch } from '../data/sampler.js';
import { paramLayout, view, type ParamBlock } from '../params.js';
import { tf } from '../tf.js';
import { gaussianInit } from './init.js';
import { activate, initScale, lossOf } from './losses.js';
import type { Activation, LossName, Model } from './model.js';

export interface MlpOptions {
  inputSize: number;
  hidden: readonly number[];
  outputSize: number;
  activation: Activation;
  loss: LossName;
}

/** Fully connected layers `dense_i/kernel` [in, out] and `dense_i/bias`; no activation on the output. */
export function createMlp(options: MlpOptions): Model {
  const widths = [options.inputSize, ...options.hidden, options.outputSize];
  const layers = widths.slice(1).map((out, i) => ({ index: i + 1, in: widths[i] ?? 0, out }));
  const layout = paramLayout(
    layers.flatMap((l) => [
      { name: `dense_${l.index}/kernel`, shape: [l.in, l.out] },
      { name: `dense_${l.index}/bias`, shape: [l.out] },
    ]),
  );
  const block = (i: number): ParamBlock => layout.blocks[i] as ParamBlock;
  const last = layers.length - 1;
  const outputs = (theta: tf.Tensor1D, x: tf.Tensor): tf.Tensor2D => {
    let h: tf.Tensor = tf.reshape(x, [-1, options.inputSize]);
    layers.forEach((_, i) => {
      const z = tf.add(
        tf.matMul(h as tf.Tensor2D, view(theta, block(2 * i)) as tf.Tensor2D),
        view(theta, block(2 * i + 1)),
      );
      h = i === last ? z : activate(z, options.activation);
    });
    return h as tf.Tensor2D;
  };
  return {
    name: `mlp-${widths.join('-')}-${options.activation}`,
    layout,
    init: (rng) =>
      gaussianInit(
        layout,
        (name) => {
          if (name.endsWith('/bias')) return 0;
          const i = Number(/dense_(\d+)/.exec(name)?.[1]) - 1;
          return initScale(layers[i]?.in ?? 1, i === last ? 'linear' : options.activation);
        },
        rng,
      ),
    loss: (theta: tf.Tensor1D, batch: Batch) =>
      tf.tidy(() => lossOf(options.loss, outputs(theta, batch.x), batch.y)),
    outputs: (theta, x) => tf.tidy(() => outputs(theta, x)),
  };
}
