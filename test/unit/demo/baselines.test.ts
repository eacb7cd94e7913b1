import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baselineKey, constantRateBaselines } from '../../../src/demo/baselines.js';
import { bestBaseline } from '../../../src/demo/comparison.js';
import { FINAL_LOSS_STEPS, trainingAccuracy } from '../../../src/demo/index.js';
import { createProblem, denseLyapunovBursts, train } from '../../../src/trainer/index.js';
import '../trainer/support/backend-cpu.js';

describe('demo > constant-rate baselines', () => {
  const { dataset, model } = createProblem({
    dataset: 'mnist',
    model: 'mlp',
    hidden: [4],
    downsample: 4,
    samples: 200,
    seed: 3,
  });
  const settings = { model, dataset, backend: 'cpu', batchSize: 16, steps: 30, seed: 3, version: 'test' };

  it('are the runs the demo trains at those rates with the probe on: the same losses and accuracy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lyap-baselines-'));
    try {
      const cacheFile = join(dir, 'cache', 'baselines.json');
      const trained: number[] = [];
      const baselines = await constantRateBaselines({
        ...settings,
        lrs: [0.05, 0.5],
        cacheFile,
        onTrain: (lr) => trained.push(lr),
      });
      assert.deepEqual(trained, [0.05, 0.5]);
      for (const lr of [0.05, 0.5]) {
        // The demo's own run: probe, Lyapunov bursts and all (they read θ, never write it).
        const losses: number[] = [];
        const probed = await train({
          runId: 'probed',
          model,
          dataset,
          backend: 'cpu',
          lr,
          batchSize: 16,
          steps: 30,
          seed: 3,
          probe: {
            every: 5,
            kLyapunov: 1,
            kSharpness: 1,
            hvp: 'forward',
            eps0: 1e-3,
            ...denseLyapunovBursts(5),
          },
          emit: (e) => e.type === 'gradient' && losses.push(e.loss),
        });
        const last = losses.slice(-FINAL_LOSS_STEPS);
        const b = baselines.get(lr);
        assert.ok(b !== undefined);
        assert.equal(b.finalLoss, last.reduce((a, x) => a + x, 0) / last.length, `lr ${lr}: final loss`);
        assert.equal(b.accuracy, trainingAccuracy(model, probed.theta, dataset), `lr ${lr}: accuracy`);
      }

      // Read back, not trained again; a new rate is trained and added.
      const again: number[] = [];
      const cached = await constantRateBaselines({
        ...settings,
        lrs: [0.5, 0.2],
        cacheFile,
        onTrain: (lr) => again.push(lr),
      });
      assert.deepEqual(again, [0.2]);
      assert.deepEqual(cached.get(0.5), baselines.get(0.5));
      const file = JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, unknown>;
      assert.equal(Object.keys(file).length, 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('are keyed by every setting that changes the run', () => {
    const key = baselineKey(settings, 0.5);
    assert.equal(baselineKey({ ...settings }, 0.5), key);
    for (const changed of [
      { steps: 31 },
      { seed: 4 },
      { batchSize: 32 },
      { backend: 'wasm' },
      { version: 'other' },
    ]) {
      assert.notEqual(baselineKey({ ...settings, ...changed }, 0.5), key, JSON.stringify(changed));
    }
    assert.notEqual(baselineKey(settings, 0.25), key);
  });

  it('the best is the highest accuracy, the lower loss among equals, never a diverged run', () => {
    const best = bestBaseline([
      { lr: 20, finalLoss: Number.NaN, accuracy: undefined },
      { lr: 0.0125, finalLoss: 0.59, accuracy: 0.861 },
      { lr: 0.5, finalLoss: 0.2, accuracy: 0.979 },
      { lr: 1, finalLoss: 0.114, accuracy: 0.979 },
    ]);
    assert.equal(best?.lr, 1);
    assert.equal(bestBaseline([{ lr: 20, finalLoss: Number.NaN, accuracy: undefined }]), undefined);
  });
});
