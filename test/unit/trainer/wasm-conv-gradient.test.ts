import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../../src/dynamics/index.js';
import { createProblem, selectBackend, tf } from '../../../src/trainer/index.js';

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
    assert.equal(wasm.length, cpu.length);
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < cpu.length; i++) {
      diff = Math.max(diff, Math.abs((wasm[i] ?? NaN) - (cpu[i] ?? NaN)));
      scale = Math.max(scale, Math.abs(cpu[i] ?? 0));
    }
    assert.ok(scale > 0);
    assert.ok(diff <= 1e-4 * scale, `max |wasm - cpu| = ${diff}, max |cpu| = ${scale}`);
  });
});
