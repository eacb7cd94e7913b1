import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backend } from './support/backend-cpu.js';
import { mulberry32 } from '../../../src/dynamics/index.js';
import {
  BatchSampler,
  createLinear,
  gatherBatch,
  leastSquares,
  loadMnist,
  train,
  type Dataset,
  type Model,
} from '../../../src/trainer/index.js';
import { mlpLossAndGradient } from './support/mlp64.js';
import { createTinyMlp, referenceHvp, TINY_NET } from './support/tiny-mlp.js';
import { leastSquaresHessian, matVec64, rel } from './support/problems.js';

const SEED = 4;

interface ProbedStep {
  step: number;
  /** θ[t], where step t's gradient and probe were taken (float32, as the trainer held it). */
  theta: Float32Array;
  rows: Int32Array;
  measured: number | undefined;
}

/**
 * A real minibatch SGD run with the probe at every step; for each step, the parameters it was
 * taken at and its minibatch rows (the sampler's stream, seed + 1, replayed), for the truth.
 */
async function probedRun(model: Model, dataset: Dataset, lr: number, batchSize: number, steps: number) {
  const sampler = new BatchSampler(dataset, { batchSize, seed: SEED + 1 });
  let theta = model.init(mulberry32(SEED));
  const out: ProbedStep[] = [];
  await train({
    runId: 'batch-sharpness',
    model,
    dataset,
    backend: backend.reportedName,
    lr,
    batchSize,
    steps,
    seed: SEED,
    probe: { every: 1, kLyapunov: 1, kSharpness: 1, hvp: 'forward', eps0: 1e-3 },
    emit: () => undefined,
    onStep: ({ gradient, theta: next }) => {
      out.push({
        step: gradient.step,
        theta,
        rows: sampler.nextIndices(),
        measured: gradient.probe?.batchSharpness,
      });
      theta = next.dataSync() as Float32Array;
    },
  });
  return out;
}

/** gᵀHg/gᵀg from a float64 gradient g and a float64 product Hg. */
function rayleighAlong(g: Float64Array, hg: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < g.length; i++) {
    num += g[i]! * hg[i]!;
    den += g[i]! * g[i]!;
  }
  return num / den;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('trainer > batch sharpness', () => {
  it('equals gᵀ(X_BᵀX_B/|B|)g/gᵀg at every probe of a minibatch least-squares run', async () => {
    const dataset = leastSquares({ samples: 256, dim: 8, noise: 0.1, seed: 2 });
    const steps = await probedRun(createLinear({ inputSize: 8, outputSize: 1 }), dataset, 0.05, 16, 60);
    assert.equal(steps.length, 60);
    const d = 8;
    const errors = steps.map(({ theta, rows, measured }) => {
      assert.ok(measured !== undefined, 'every probe reports it');
      // L_B = ‖X_B w − y_B‖²/(2|B|): g = X_Bᵀ(X_B w − y_B)/|B|, H_B = X_BᵀX_B/|B| exactly.
      const g = new Float64Array(d);
      for (const row of rows) {
        let r = -dataset.targets[row]!;
        for (let j = 0; j < d; j++) r += dataset.inputs[row * d + j]! * theta[j]!;
        for (let j = 0; j < d; j++) g[j] = g[j]! + (r * dataset.inputs[row * d + j]!) / rows.length;
      }
      return rel(measured, rayleighAlong(g, matVec64(leastSquaresHessian(dataset, rows), g)));
    });
    assert.ok(Math.max(...errors) < 1e-3, `largest relative error ${Math.max(...errors)}`);
    console.log(`batch sharpness vs X_BᵀX_B/|B|, 60 probes: max ${Math.max(...errors).toExponential(2)}`);
  });

  it('is within 2 % (median) of a float64 reference at every probe of a minibatch tanh-MLP run on MNIST', async () => {
    const dataset = loadMnist({ limit: 512, downsample: 4 });
    const model = createTinyMlp();
    const steps = await probedRun(model, dataset, 0.5, 32, 40);
    const errors = steps.map(({ theta, rows, measured }) => {
      assert.ok(measured !== undefined, 'every probe reports it');
      const batch = gatherBatch(dataset, rows);
      const x = batch.x.dataSync();
      const y = batch.y.dataSync();
      batch.x.dispose();
      batch.y.dispose();
      const at = Float64Array.from(theta);
      const rowsOf = { x, y, size: rows.length };
      const { grad } = mlpLossAndGradient(TINY_NET, at, x, y, rows.length);
      const hg = referenceHvp(TINY_NET, at, rowsOf, grad);
      return rel(measured, rayleighAlong(grad, hg));
    });
    model.dispose?.();
    assert.ok(median(errors) < 0.02, `median relative error ${median(errors)}`);
    console.log(
      `batch sharpness vs float64, tanh MLP, 40 probes: median ${median(errors).toExponential(2)}, max ${Math.max(...errors).toExponential(2)}`,
    );
  });
});
