import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend, tf } from '../../../src/trainer/index.js';

interface Case {
  shape: number[];
  begin: number[];
  size: number[];
  dtype: 'float32' | 'int32';
}

// Contiguous slices (a flat θ's blocks, whole rows) take the heap view; a column slice is not
// contiguous and goes to the backend's own kernel.
const CASES: Case[] = [
  { shape: [101770], begin: [0], size: [100352], dtype: 'float32' },
  { shape: [101770], begin: [100352], size: [128], dtype: 'float32' },
  { shape: [101770], begin: [101760], size: [-1], dtype: 'float32' },
  { shape: [6, 5], begin: [2, 0], size: [3, 5], dtype: 'float32' },
  { shape: [6, 5], begin: [1, 1], size: [4, 3], dtype: 'float32' },
  { shape: [4, 3, 2], begin: [1, 0, 0], size: [2, 3, 2], dtype: 'int32' },
];

async function sliced(backend: 'cpu' | 'wasm', c: Case): Promise<{ shape: number[]; data: number[] }> {
  await selectBackend({ requested: backend });
  const size = c.shape.reduce((p, d) => p * d, 1);
  const x = tf.tensor(
    Array.from({ length: size }, (_, i) => (i * 7919) % 1000),
    c.shape,
    c.dtype,
  );
  const out = tf.slice(x, c.begin, c.size);
  const result = { shape: out.shape, data: Array.from(await out.data()) };
  tf.dispose([x, out]);
  return result;
}

describe('trainer > wasm backend > Slice from a view of the heap', () => {
  it('gives the slices the cpu backend gives, contiguous or not', async () => {
    for (const c of CASES) {
      const cpu = await sliced('cpu', c);
      const wasm = await sliced('wasm', c);
      assert.deepEqual(wasm, cpu, JSON.stringify(c));
    }
  });

  it('copies no input out of the heap for a contiguous slice (tfjs-backend-wasm 4.22 read all of it)', async () => {
    await selectBackend({ requested: 'wasm' });
    const backend = tf.engine().backend as unknown as { readSync: (...args: unknown[]) => unknown };
    const readSync = backend.readSync;
    let reads = 0;
    backend.readSync = (...args: unknown[]) => {
      reads++;
      return readSync.apply(backend, args);
    };
    try {
      const theta = tf.ones([1000]);
      tf.tidy(() => tf.slice(theta, [10], [500]));
      assert.equal(reads, 0);
      const matrix = tf.ones([4, 4]);
      tf.tidy(() => tf.slice(matrix, [0, 1], [4, 2]));
      assert.ok(reads > 0, 'a column slice goes to the backend kernel, which reads its input');
      tf.dispose([theta, matrix]);
    } finally {
      backend.readSync = readSync;
    }
  });
});
