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
    assert.equal(last?.minCurvature, undefined, 'h_min only when asked');
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

  it('recovers the top eight eigenvalues with the largest sharpness subspace', async () => {
    const spectrum = Array.from({ length: 16 }, (_, i) => 8 - i * 0.6);
    const all = await probes({
      model: createQuadratic({ spectrum, seed: 4 }),
      dataset: noData(),
      lr: 0.05,
      steps: 60,
      batchSize: 1,
      probe: { kLyapunov: 0, kSharpness: 8 },
    });
    const values = ritz(all.at(-1)?.sharpness?.rayleigh);
    for (const [i, h] of spectrum.slice(0, 8).entries()) {
      assert.ok(rel(values[i]!, h) < 1e-3, `ritz ${values.join(', ')}`);
    }
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

  it('takes sharpnessIterations rounds per probe on its own minibatch, fewer once the residuals are under tolerance', async () => {
    // Twelve dimensions, so that four rounds from a random start do not exhaust the space.
    const spectrum = [4, 3, 2, 1.5, 1, 0.7, 0.5, 0.3, 0.2, 0.1, 0.05, -0.3];
    const run = (probe: Partial<ProbeSettings>, steps: number) =>
      probes({
        model: createQuadratic({ spectrum, seed: 5 }),
        dataset: noData(),
        lr: 0.1,
        steps,
        batchSize: 1,
        probe,
      });
    // The first probe, with four rounds to converge in and no tolerance.
    const first = { kLyapunov: 0, convergeIterations: 4, sharpnessTolerance: 0 };
    const [topOnly] = await run({ ...first, minCurvature: false }, 1);
    assert.equal(topOnly?.hvps, 5, 'one for w, one for the batch sharpness, one per further round');
    assert.equal(topOnly?.sharpness?.iterations, 4);
    const [both] = await run({ ...first, minCurvature: true }, 1);
    assert.equal(both?.hvps, 9, 'w, u and g, then two residuals (top and bottom) per further round');
    const early = await run(
      {
        kLyapunov: 0,
        sharpnessIterations: 4,
        sharpnessTolerance: 1e-2,
        convergeIterations: 30,
        minCurvature: true,
      },
      5,
    );
    // Converged at the first probe (a fixed quadratic): later probes stop after the first round.
    assert.equal(early.at(-1)?.hvps, 3);
    assert.equal(early.at(-1)?.sharpness?.iterations, undefined);
    assert.ok(rel(top(early.at(-1)), 4) < 1e-3);
    // |θ − h| ≤ ‖r‖ ≤ 1e-2·λ_max for the bottom Ritz pair too.
    assert.ok(Math.abs((early.at(-1)?.minCurvature?.value ?? Number.NaN) + 0.3) <= 0.04);
  });

  it('tracks h_min beside λ_max when asked, with one product more per probe', async () => {
    const all = await probes({
      model: createQuadratic({ spectrum: [4, 2, 1, 0.5, -0.3, -0.1], seed: 5 }),
      dataset: noData(),
      lr: 0.1,
      steps: 100,
      batchSize: 1,
      probe: { kLyapunov: 0, minCurvature: true },
    });
    const last = all.at(-1);
    assert.ok(
      rel(last?.minCurvature?.value ?? Number.NaN, -0.3) < 1e-3,
      `h_min ${last?.minCurvature?.value}`,
    );
    assert.ok((last?.minCurvature?.residual ?? 1) < 1e-2, `residual ${last?.minCurvature?.residual}`);
    assert.ok(rel(top(last), 4) < 1e-3);
    assert.equal(last?.hvps, 3, 'w, u and the gradient; converged, so no further round');
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
