import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backend } from './support/backend-cpu.js';
import { symmetricEigen, type Matrix } from '../../../src/dynamics/index.js';
import type { GradientEvent, LyapEvent, Probe } from '../../../src/events/index.js';
import {
  createLinear,
  createQuadratic,
  leastSquares,
  noData,
  train,
  type Dataset,
  type Model,
  type ProbeSettings,
} from '../../../src/trainer/index.js';
import { allIndices, eigenvalues, leastSquaresHessian, rel } from './support/problems.js';

async function probes(options: {
  model: Model;
  dataset: Dataset;
  lr: number;
  steps: number;
  batchSize: number;
  probe: Partial<ProbeSettings>;
}): Promise<Probe[]> {
  const events: LyapEvent[] = [];
  await train({
    runId: 'probe-test',
    model: options.model,
    dataset: options.dataset,
    backend: backend.reportedName,
    lr: options.lr,
    batchSize: options.batchSize,
    steps: options.steps,
    seed: 11,
    probe: { every: 1, kLyapunov: 1, kSharpness: 1, hvp: 'forward', eps0: 1e-3, ...options.probe },
    emit: (e) => events.push(e),
  });
  return events
    .filter((e): e is GradientEvent => e.type === 'gradient')
    .flatMap((e) => (e.probe === undefined ? [] : [e.probe]));
}

const ritz = (m: Matrix | undefined): number[] => symmetricEigen(m ?? [[Number.NaN]]).values;
const top = (p: Probe | undefined): number => ritz(p?.sharpness?.rayleigh)[0]!;
const curvature = (p: Probe | undefined): number => p?.lyapunov?.rayleigh[0]?.[0] ?? Number.NaN;
const exponent = (p: Probe | undefined): number =>
  Math.log(Math.sqrt(p?.lyapunov?.gram[0]?.[0] ?? Number.NaN));

describe('trainer > probe', () => {
  it('recovers sharpness, the Lyapunov curvature and exponent of a quadratic to 1e-3', async () => {
    const spectrum = [4, 2, 1, 0.5, -0.3];
    const lr = 0.1;
    const all = await probes({
      model: createQuadratic({ spectrum, seed: 5 }),
      dataset: noData(),
      lr,
      steps: 200,
      batchSize: 1,
      probe: {},
    });
    const last = all.at(-1);
    assert.ok(rel(top(last), 4) < 1e-3, `sharpness ${top(last)}`);
    // At lr = 0.1 the most expanding direction of J = I − lr·A is h = −0.3: |1 + 0.03| > |1 − 0.4|.
    assert.ok(rel(curvature(last), -0.3) < 1e-3, `curvature ${curvature(last)}`);
    assert.ok(rel(exponent(last), Math.log(1 + lr * 0.3)) < 1e-3, `exponent ${exponent(last)}`);
    assert.equal(last?.hvps, 3, 'one product per tangent vector, one along the gradient');
  });

  it('tracks λ_max, not the larger |λ_min|, when a negative eigenvalue dominates in magnitude', async () => {
    const spectrum = [2, 1, 0.5, -5];
    for (const kLyapunov of [0, 1]) {
      const all = await probes({
        model: createQuadratic({ spectrum, seed: 8 }),
        dataset: noData(),
        lr: 0.01,
        steps: 120,
        batchSize: 1,
        probe: { kLyapunov },
      });
      assert.ok(rel(top(all.at(-1)), 2) < 1e-3, `k_L = ${kLyapunov}: sharpness ${top(all.at(-1))}`);
    }
  });

  it('recovers the top two eigenvalues with a two-vector sharpness subspace', async () => {
    const all = await probes({
      model: createQuadratic({ spectrum: [3, 2.5, 1, -0.5, 0.1], seed: 2 }),
      dataset: noData(),
      lr: 0.05,
      steps: 150,
      batchSize: 1,
      probe: { kLyapunov: 0, kSharpness: 2 },
    });
    const values = ritz(all.at(-1)?.sharpness?.rayleigh);
    assert.ok(rel(values[0]!, 3) < 1e-3 && rel(values[1]!, 2.5) < 1e-3, `ritz ${values.join(', ')}`);
  });

  it('recovers λ_max and λ_min of XᵀX/n on full-batch least squares, and log|1 − η·λ_min|', async () => {
    const dataset = leastSquares({ samples: 64, dim: 8, noise: 0.1, seed: 6 });
    const spectrum = eigenvalues(leastSquaresHessian(dataset, allIndices(64)));
    const [max, min] = [spectrum[0]!, spectrum.at(-1)!];
    const lr = 1 / max;
    const all = await probes({
      model: createLinear({ inputSize: 8, outputSize: 1 }),
      dataset,
      lr,
      steps: 150,
      batchSize: 64,
      probe: {},
    });
    const last = all.at(-1);
    assert.ok(rel(top(last), max) < 1e-3, `sharpness ${top(last)} vs ${max}`);
    assert.ok(rel(curvature(last), min) < 1e-3, `curvature ${curvature(last)} vs ${min}`);
    assert.ok(rel(exponent(last), Math.log(1 - lr * min)) < 1e-3, `exponent ${exponent(last)}`);
  });

  it('takes sharpnessIterations products per probe on its own minibatch, fewer once the residual is under tolerance', async () => {
    const spectrum = [4, 2, 1, 0.5, -0.3];
    const fixed = await probes({
      model: createQuadratic({ spectrum, seed: 5 }),
      dataset: noData(),
      lr: 0.1,
      steps: 5,
      batchSize: 1,
      probe: { kLyapunov: 0, sharpnessIterations: 4, sharpnessTolerance: 0 },
    });
    assert.equal(fixed.at(-1)?.hvps, 5, 'four for the sharpness, one for the batch sharpness');
    assert.equal(fixed.at(-1)?.sharpness?.iterations, 4);
    const early = await probes({
      model: createQuadratic({ spectrum, seed: 5 }),
      dataset: noData(),
      lr: 0.1,
      steps: 5,
      batchSize: 1,
      probe: { kLyapunov: 0, sharpnessIterations: 4, sharpnessTolerance: 1e-2, convergeIterations: 30 },
    });
    // Converged at the first probe (a fixed quadratic): later probes stop after one product.
    assert.equal(early.at(-1)?.hvps, 2);
    assert.ok(rel(top(early.at(-1)), 4) < 1e-3);
  });

  it('central differences give the same estimates on the quadratic', async () => {
    const all = await probes({
      model: createQuadratic({ spectrum: [4, 1, -0.3], seed: 5 }),
      dataset: noData(),
      lr: 0.1,
      steps: 150,
      batchSize: 1,
      probe: { hvp: 'central' },
    });
    assert.ok(rel(top(all.at(-1)), 4) < 1e-3);
    assert.ok(rel(curvature(all.at(-1)), -0.3) < 1e-3);
    assert.equal(all.at(-1)?.hvps, 3);
  });
});
