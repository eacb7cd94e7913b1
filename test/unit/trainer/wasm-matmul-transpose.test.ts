import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../../src/dynamics/index.js';
import { selectBackend, tf } from '../../../src/trainer/index.js';
import { assertCloseToCpu } from './support/close-to-cpu.js';

interface Case {
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}

// Every transpose combination, rank 2 and 3, a broadcast batch, and the dense-layer weight
// gradient's own shape (xᵀ·δ for a 784-wide input).
const CASES: Case[] = [
  { a: [5, 7], b: [7, 3], transposeA: false, transposeB: false },
  { a: [7, 5], b: [7, 3], transposeA: true, transposeB: false },
  { a: [5, 7], b: [3, 7], transposeA: false, transposeB: true },
  { a: [7, 5], b: [3, 7], transposeA: true, transposeB: true },
  { a: [2, 7, 5], b: [2, 7, 3], transposeA: true, transposeB: false },
  { a: [2, 5, 7], b: [1, 3, 7], transposeA: false, transposeB: true },
  { a: [64, 784], b: [64, 128], transposeA: true, transposeB: false },
];

function values(shape: number[], rng: () => number): Float32Array {
  const size = shape.reduce((p, d) => p * d, 1);
  return Float32Array.from({ length: size }, () => rng() * 2 - 1);
}

async function product(backend: 'cpu' | 'wasm', c: Case): Promise<{ shape: number[]; data: Float32Array }> {
  await selectBackend({ requested: backend });
  const rng = mulberry32(c.a.length * 100 + c.b[0]!);
  const a = tf.tensor(values(c.a, rng), c.a);
  const b = tf.tensor(values(c.b, rng), c.b);
  const out = tf.matMul(a, b, c.transposeA, c.transposeB);
  const result = { shape: out.shape, data: Float32Array.from(await out.data()) };
  tf.dispose([a, b, out]);
  return result;
}

describe('trainer > wasm backend > BatchMatMul with a transposed input', () => {
  it('gives the products the cpu backend gives, every transpose combination', async () => {
    for (const c of CASES) {
      const cpu = await product('cpu', c);
      const wasm = await product('wasm', c);
      const label = JSON.stringify(c);
      assert.deepEqual(wasm.shape, cpu.shape, label);
      assertCloseToCpu(wasm.data, cpu.data, 1e-5, label);
    }
  });

  it('leaves no buffer behind (the transposed copy is freed)', async () => {
    await selectBackend({ requested: 'wasm' });
    const a = tf.ones([64, 32]);
    const b = tf.ones([64, 16]);
    tf.matMul(a, b, true, false).dispose();
    const before = tf.engine().backend.numDataIds();
    for (let i = 0; i < 5; i++) tf.matMul(a, b, true, false).dispose();
    assert.equal(tf.engine().backend.numDataIds(), before);
    tf.dispose([a, b]);
  });
});
