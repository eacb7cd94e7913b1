import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import './support/backend-cpu.js';
import { isLyapError } from '../../../src/errors.js';
import {
  BatchSampler,
  CIFAR10_RECORD_BYTES,
  leastSquares,
  loadCifar10,
  loadMnist,
  parseCifar10Batch,
  teacherStudent,
} from '../../../src/trainer/index.js';

/** A CIFAR-10 record: label, then the red, green, blue 32×32 planes; pixel (r, c) of plane p is f(p, r, c). */
function record(label: number, f: (plane: number, row: number, col: number) => number): Uint8Array {
  const bytes = new Uint8Array(CIFAR10_RECORD_BYTES);
  bytes[0] = label;
  for (let p = 0; p < 3; p++)
    for (let r = 0; r < 32; r++) for (let c = 0; c < 32; c++) bytes[1 + p * 1024 + r * 32 + c] = f(p, r, c);
  return bytes;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('trainer > datasets', () => {
  it('loads the 10,000 MNIST digits shipped by the mnist package, interleaved by class', () => {
    const mnist = loadMnist();
    assert.equal(mnist.size, 10_000);
    assert.deepEqual(mnist.inputShape, [28, 28, 1]);
    const labels = Array.from({ length: 20 }, (_, i) =>
      mnist.targets.subarray(i * 10, i * 10 + 10).indexOf(1),
    );
    assert.deepEqual(labels, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.ok(mnist.inputs.every((p) => p >= 0 && p <= 1));
    const ink = mnist.inputs.subarray(0, 784).reduce((s, p) => s + p, 0);
    assert.ok(ink > 20 && ink < 400, `an image of a digit, not blank or full (${ink})`);
  });

  it('average-pools MNIST by a divisor of 28, preserving the mean intensity', () => {
    const full = loadMnist({ limit: 3 });
    const small = loadMnist({ limit: 3, downsample: 4 });
    assert.equal(small.name, 'mnist-7x7');
    assert.deepEqual(small.inputShape, [7, 7, 1]);
    const mean = (a: Float32Array): number => a.reduce((s, x) => s + x, 0) / a.length;
    assert.ok(Math.abs(mean(small.inputs) - mean(full.inputs)) < 1e-6);
    // Pixel (0, 0) of the pooled first image is the mean of the first 4×4 block.
    let block = 0;
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) block += full.inputs[r * 28 + c]!;
    assert.ok(Math.abs(small.inputs[0]! - block / 16) < 1e-7);
    assert.throws(
      () => loadMnist({ downsample: 5 }),
      (e) => isLyapError(e, 'LYAP_E_CONFIG'),
    );
  });

  it('reads CIFAR-10 binary records into HWC pixels in [0, 1] with their labels', () => {
    const bytes = concat([record(3, (p, r, c) => (p === 0 ? r : p === 1 ? c : 200)), record(9, () => 255)]);
    const { inputs, labels } = parseCifar10Batch(bytes);
    assert.deepEqual([...labels], [3, 9]);
    // Image 0, pixel (row 5, col 7): red = 5, green = 7, blue = 200.
    const at = (5 * 32 + 7) * 3;
    assert.deepEqual(
      [inputs[at], inputs[at + 1], inputs[at + 2]].map((v) => Math.round(v! * 255)),
      [5, 7, 200],
    );
    assert.ok(inputs.subarray(3072).every((v) => v === 1));
  });

  it('loads CIFAR-10 from the batch files in --data-dir and rejects malformed ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lyap-cifar-'));
    const nested = join(dir, 'cifar-10-batches-bin');
    mkdirSync(nested);
    writeFileSync(join(nested, 'data_batch_1.bin'), concat([record(1, () => 0), record(2, () => 0)]));
    writeFileSync(
      join(nested, 'data_batch_2.bin'),
      record(7, () => 51),
    );
    const dataset = loadCifar10({ dataDir: dir });
    assert.equal(dataset.size, 3);
    assert.deepEqual(dataset.inputShape, [32, 32, 3]);
    assert.equal(dataset.targets[2 * 10 + 7], 1);
    assert.ok(Math.abs(dataset.inputs[2 * 3072]! - 0.2) < 1e-7);
    assert.equal(loadCifar10({ dataDir: dir, limit: 2 }).size, 2);
    writeFileSync(join(nested, 'data_batch_3.bin'), new Uint8Array(100));
    assert.throws(
      () => loadCifar10({ dataDir: dir }),
      (e) => isLyapError(e, 'LYAP_E_INPUT') && /data_batch_3\.bin: 100 bytes/.test(e.message),
    );
    assert.throws(() => parseCifar10Batch(record(12, () => 0)), /label 12/);
    assert.throws(
      () => loadCifar10({ dataDir: join(dir, 'missing') }),
      (e) => isLyapError(e, 'LYAP_E_INPUT'),
    );
  });

  it('generates the same synthetic data for the same seed, with a planted linear target', () => {
    const a = leastSquares({ samples: 50, dim: 4, noise: 0, seed: 3 });
    assert.deepEqual(a, leastSquares({ samples: 50, dim: 4, noise: 0, seed: 3 }));
    assert.notDeepEqual(a.inputs, leastSquares({ samples: 50, dim: 4, noise: 0, seed: 4 }).inputs);
    const t = teacherStudent({ samples: 30, dim: 5, teacherHidden: 3, outputs: 2, noise: 0, seed: 1 });
    assert.equal(t.targets.length, 60);
    assert.ok(t.targets.some((y) => y !== 0));
  });

  it('samples every index once per epoch, deterministically from its seed', () => {
    const dataset = leastSquares({ samples: 10, dim: 1, noise: 0, seed: 1 });
    const sampler = new BatchSampler(dataset, { batchSize: 3, seed: 5 });
    assert.equal(sampler.stepsPerEpoch, 3);
    const epoch = [0, 1, 2].flatMap(() => [...sampler.nextIndices()]);
    assert.equal(new Set(epoch).size, 9);
    const again = new BatchSampler(dataset, { batchSize: 3, seed: 5 });
    assert.deepEqual(
      [0, 1, 2].flatMap(() => [...again.nextIndices()]),
      epoch,
    );
    assert.equal(new BatchSampler(dataset, { batchSize: 64, seed: 5 }).batchSize, 10);
  });
});
