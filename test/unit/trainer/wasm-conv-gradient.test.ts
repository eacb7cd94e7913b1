import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../../src/dynamics/index.js';
import { createProblem, selectBackend, tf } from '../../../src/trainer/index.js';
import { assertCloseToCpu } from './support/close-to-cpu.js';

/** The CNN's loss gradient on one backend, at a fixed θ and minibatch of the first 16 MNIST digits. */
async function cnnGradient(backend: 'cpu' | 'wasm'): Promise<Float32Array> {
  await selectBackend({ requested: backend });
  const { dataset, model } = createProblem({
    dataset: 'mnist',
    model: 'cnn',
    channels: [2, 3],
    downsample: 2,
    samples: 16,
    seed: 1,
  });
  const theta = tf.tensor1d(model.init(mulberry32(7)));
  const batch = {
    x: tf.tensor4d(dataset.inputs, [16, 14, 14, 1]),
    y: tf.tensor2d(dataset.targets, [16, 10]),
    size: 16,
  };
  const grad = tf.grad((t: tf.Tensor) => model.loss(t as tf.Tensor1D, batch))(theta);
  const values = Float32Array.from(await grad.data());
  tf.dispose([theta, batch.x, batch.y, grad]);
  return values;
}

describe('trainer > wasm backend > Conv2DBackpropFilter', () => {
  it('gives the CNN gradient the cpu backend gives (tfjs-backend-wasm 4.22 lacks the kernel)', async () => {
    const cpu = await cnnGradient('cpu');
    const wasm = await cnnGradient('wasm');
    assertCloseToCpu(wasm, cpu, 1e-4, 'CNN gradient');
  });

  it('gives conv2d gradients the cpu backend gives, for the shapes run as convolutions and the rest', async () => {
    const cases: { x: number[]; w: number[]; strides: number; pad: 'same' | 'valid' }[] = [
      { x: [2, 7, 6, 3], w: [3, 5, 3, 4], strides: 1, pad: 'same' },
      { x: [3, 5, 5, 2], w: [1, 1, 2, 3], strides: 1, pad: 'same' },
      { x: [2, 6, 6, 1], w: [5, 5, 1, 2], strides: 1, pad: 'same' },
      { x: [2, 6, 6, 2], w: [3, 3, 2, 2], strides: 1, pad: 'valid' },
      { x: [2, 6, 6, 2], w: [2, 2, 2, 2], strides: 1, pad: 'same' },
    ];
    const gradients = async (backend: 'cpu' | 'wasm', c: (typeof cases)[number]): Promise<Float32Array[]> => {
      await selectBackend({ requested: backend });
      const rng = mulberry32(c.x.reduce((a, b) => a * 31 + b, 7));
      const make = (shape: number[]): tf.Tensor =>
        tf.tensor(
          Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng() * 2 - 1),
          shape,
        );
      const x = make(c.x) as tf.Tensor4D;
      const w = make(c.w) as tf.Tensor4D;
      const out = tf.conv2d(x, w, c.strides, c.pad);
      const weights = make(out.shape);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), weights)),
      )([x, w]);
      const values = [Float32Array.from(await dx!.data()), Float32Array.from(await dw!.data())];
      tf.dispose([x, w, out, weights, dx!, dw!]);
      return values;
    };
    for (const c of cases) {
      const cpu = await gradients('cpu', c);
      const wasm = await gradients('wasm', c);
      cpu.forEach((expected, k) => {
        assertCloseToCpu(
          wasm[k] ?? new Float32Array(),
          expected,
          1e-5,
          `${JSON.stringify(c)} ${k === 0 ? 'dx' : 'dW'}`,
        );
      });
    }
  });

  it('refuses the filter gradient of a strided convolution on wasm (its 3-D kernel gets it wrong)', async () => {
    await selectBackend({ requested: 'wasm' });
    const x = tf.ones<tf.Rank.R4>([1, 7, 7, 1]);
    const w = tf.ones<tf.Rank.R4>([3, 3, 1, 1]);
    assert.throws(
      () => tf.grad((b: tf.Tensor) => tf.sum(tf.conv2d(x, b as tf.Tensor4D, 2, 'valid')))(w),
      /Conv2DBackpropFilter on wasm: only stride 1/,
    );
    tf.dispose([x, w]);
  });
});
