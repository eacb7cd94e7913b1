import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend, tf } from '../../../src/trainer/index.js';

/** The wasm backend's buffers in use (its own count, not the engine's). */
const wasmBuffers = (): number =>
  (tf.engine().backend as unknown as { dataIdMap: { numDataIds(): number } }).dataIdMap.numDataIds();

describe('trainer > wasm backend > Identity shares its input buffer', () => {
  it('clones without a new buffer, and each copy outlives the other', async () => {
    await selectBackend({ requested: 'wasm' });
    const x = tf.tensor1d([1, 2, 3, 4]);
    const before = wasmBuffers();
    const y = tf.clone(x);
    assert.equal(wasmBuffers(), before, 'no buffer made for the clone');
    x.dispose();
    assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4], 'the clone outlives its source');
    assert.equal(wasmBuffers(), before, 'the shared buffer is kept while the clone lives');
    y.dispose();
    assert.equal(wasmBuffers(), before - 1, 'and freed with the last of them');
  });

  it('gives the cpu backend’s gradients, and a training step leaves no buffer behind', async () => {
    // A gradient keeps its forward tensors through Identity (Engine.saveTensorsForBackwardMode).
    const gradient = (): { value: number[]; grad: number[] } => {
      const w = tf.tensor2d(
        Array.from({ length: 12 }, (_, i) => Math.sin(i)),
        [4, 3],
      );
      const x = tf.tensor2d(
        Array.from({ length: 8 }, (_, i) => Math.cos(i)),
        [2, 4],
      );
      const f = (v: tf.Tensor): tf.Scalar => tf.sum(tf.relu(tf.tanh(tf.matMul(x, v as tf.Tensor2D))));
      const { value, grad } = tf.valueAndGrad(f)(w);
      const result = { value: Array.from(value.dataSync()), grad: Array.from(grad.dataSync()) };
      tf.dispose([w, x, value, grad]);
      return result;
    };
    await selectBackend({ requested: 'cpu' });
    const cpu = gradient();
    await selectBackend({ requested: 'wasm' });
    gradient();
    const before = wasmBuffers();
    const wasm = gradient();
    assert.equal(wasmBuffers(), before, 'every buffer of the step freed');
    assert.equal(wasm.value.length, 1);
    assert.ok(Math.abs((wasm.value[0] ?? 0) - (cpu.value[0] ?? 0)) < 1e-5);
    wasm.grad.forEach((g, i) => {
      assert.ok(Math.abs(g - (cpu.grad[i] ?? 0)) < 1e-5, `entry ${i}`);
    });
  });
});
