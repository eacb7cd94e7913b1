import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isLyapError } from '../../../src/errors.js';
import { selectBackend, tf } from '../../../src/trainer/index.js';

const missing = (name: string): Promise<never> => Promise.reject(new Error(`Cannot find package '${name}'`));

describe('trainer > backend', () => {
  it('fails clearly, as LYAP_E_CONFIG with the install command, when a forced backend is not installed', async () => {
    for (const requested of ['node', 'node-gpu'] as const) {
      await assert.rejects(selectBackend({ requested }), (e) => {
        assert.ok(isLyapError(e, 'LYAP_E_CONFIG'));
        assert.match(
          e.message,
          new RegExp(
            `backend '${requested}' is not available.*npm install @tensorflow/tfjs-${requested}@4\\.22\\.0`,
          ),
        );
        return true;
      });
    }
  });

  it('falls back from the native backends to wasm, best first', async () => {
    const tried: string[] = [];
    const active = await selectBackend({
      importModule: (name) => {
        tried.push(name);
        return name.includes('tfjs-node') ? missing(name) : import(name);
      },
    });
    assert.deepEqual(tried, [
      '@tensorflow/tfjs-node-gpu',
      '@tensorflow/tfjs-node',
      '@tensorflow/tfjs-backend-wasm',
    ]);
    assert.deepEqual(active, { name: 'wasm', reportedName: 'wasm' });
    assert.equal(tf.getBackend(), 'wasm');
  });

  it('falls back to cpu when wasm cannot load either', async () => {
    const active = await selectBackend({ importModule: missing });
    assert.equal(active.name, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
  });

  it('computes the same gradient on wasm as on cpu', async () => {
    const f = (x: tf.Tensor): tf.Scalar => tf.sum(tf.tanh(tf.mul(x, x)));
    const x = [0.3, -1.2, 2, 0.01];
    await selectBackend({ requested: 'cpu' });
    const cpu = tf.tidy(() => tf.grad(f)(tf.tensor1d(x)).dataSync());
    await selectBackend({ requested: 'wasm' });
    const wasm = tf.tidy(() => tf.grad(f)(tf.tensor1d(x)).dataSync());
    cpu.forEach((g, i) => {
      assert.ok(Math.abs(g - wasm[i]!) < 1e-6);
    });
    assert.ok(cpu.some((g) => g !== 0));
  });
});
