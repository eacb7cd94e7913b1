import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backend } from './support/backend-cpu.js';
import { mulberry32, symmetricEigen } from '../../../src/dynamics/index.js';
import type { Probe } from '../../../src/events/index.js';
import {
  BatchSampler,
  createLinear,
  leastSquares,
  loadMnist,
  train,
  type Dataset,
  type Model,
  type ProbeSettings,
} from '../../../src/trainer/index.js';
import { denseFromProducts, extremeEigenvalues, type DenseSymmetric } from './support/dense-spectrum.js';
import { mlpLossAndGradient } from './support/mlp64.js';
import { leastSquaresHessian, matVec64, rel } from './support/problems.js';
import { createTinyMlp, referenceHvp, TINY_NET } from './support/tiny-mlp.js';

// The accuracy claim where users run the probe: at every probe of a real minibatch training
// run (θ moving, each probe on its own minibatch), against a float64 truth of that probe's own
// minibatch at that probe's own θ. The trainer's minibatches are replayed with a BatchSampler of
// the same seed; θ before each step comes from the previous step's onStep.

const SEED = 3;

interface ProbePoint {
  step: number;
  theta: Float64Array;
  rows: Int32Array;
  probe: Probe;
}

async function probedRun(options: {
  model: Model;
  dataset: Dataset;
  lr: number;
  batchSize: number;
  steps: number;
  probe: Partial<ProbeSettings>;
}): Promise<ProbePoint[]> {
  const sampler = new BatchSampler(options.dataset, { batchSize: options.batchSize, seed: SEED + 1 });
  const points: ProbePoint[] = [];
  let theta = Float64Array.from(options.model.init(mulberry32(SEED)));
  await train({
    runId: 'sharpness-every-probe',
    model: options.model,
    dataset: options.dataset,
    backend: backend.reportedName,
    lr: options.lr,
    batchSize: options.batchSize,
    steps: options.steps,
    seed: SEED,
    probe: { every: 5, kLyapunov: 1, kSharpness: 1, hvp: 'forward', eps0: 1e-3, ...options.probe },
    emit: () => undefined,
    onStep: ({ gradient, theta: next }) => {
      const rows = sampler.nextIndices();
      const probe = gradient.probe;
      if (probe !== undefined) points.push({ step: gradient.step, theta, rows, probe });
      theta = Float64Array.from(next.dataSync());
    },
  });
  return points;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};
const topRitz = (p: Probe): number => symmetricEigen(p.sharpness?.rayleigh ?? [[Number.NaN]]).values[0]!;

function denseTimes(m: DenseSymmetric, v: Float64Array): Float64Array {
  const out = new Float64Array(m.n);
  for (let i = 0; i < m.n; i++) {
    let s = 0;
    for (let j = 0; j < m.n; j++) s += m.a[i * m.n + j]! * v[j]!;
    out[i] = s;
  }
  return out;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

interface Errors {
  max: number[];
  min: number[];
  batch: number[];
}

/** Errors of every probe after the first (converged before the first update) against the MLP's dense truth. */
function mlpErrors(dataset: Dataset, points: ProbePoint[]): Errors {
  const x = dataset.inputs;
  const y = dataset.targets;
  const features = dataset.inputShape.reduce((a, b) => a * b, 1);
  const classes = dataset.outputSize;
  const errors: Errors = { max: [], min: [], batch: [] };
  for (const point of points.slice(1)) {
    const size = point.rows.length;
    const bx = new Float64Array(size * features);
    const by = new Float64Array(size * classes);
    point.rows.forEach((r, i) => {
      bx.set(x.subarray(r * features, (r + 1) * features), i * features);
      by.set(y.subarray(r * classes, (r + 1) * classes), i * classes);
    });
    const rows = { x: bx, y: by, size };
    const dense = denseFromProducts(point.theta.length, (e) => referenceHvp(TINY_NET, point.theta, rows, e));
    const truth = extremeEigenvalues(dense);
    const g = mlpLossAndGradient(TINY_NET, point.theta, bx, by, size).grad;
    errors.max.push(rel(topRitz(point.probe), truth.max));
    if (point.probe.minCurvature !== undefined)
      errors.min.push(rel(point.probe.minCurvature.value, truth.min));
    errors.batch.push(
      rel(point.probe.batchSharpness ?? Number.NaN, dot(g, denseTimes(dense, g)) / dot(g, g)),
    );
  }
  return errors;
}

function report(label: string, errors: Errors): void {
  const fmt = (xs: number[]) => (xs.length === 0 ? '—' : `${(100 * median(xs)).toFixed(2)} %`);
  console.log(
    `${label}: median error over ${errors.max.length} probes: λ_max ${fmt(errors.max)}, ` +
      `h_min ${fmt(errors.min)}, batch sharpness ${fmt(errors.batch)}`,
  );
}

/** The tiny MLP trained at η = 0.5, a probe every 5 steps: the probes' errors, printed. */
async function tinyMlpErrors(
  label: string,
  dataset: Dataset,
  batchSize: number,
  steps: number,
  probe: Partial<ProbeSettings>,
): Promise<{ probes: number; errors: Errors }> {
  const points = await probedRun({ model: createTinyMlp(), dataset, lr: 0.5, batchSize, steps, probe });
  const errors = mlpErrors(dataset, points);
  report(label, errors);
  return { probes: points.length, errors };
}

function assertMedianWithin2Percent(what: string, errors: number[]): void {
  assert.ok(median(errors) < 0.02, `${what} median error ${median(errors)}`);
}

describe('trainer > sharpness at every probe of a minibatch run, against float64 dense Hessians', () => {
  // 49-8-10 tanh MLP (490 parameters) on 7×7 MNIST; 100 steps at η = 0.5, probe every 5.
  const mnist = loadMnist({ limit: 1024, downsample: 4 });

  it('λ_max and the batch sharpness within 2 % (median) of the probe minibatch, with the default rounds', async () => {
    const { probes, errors } = await tinyMlpErrors('minibatch, default rounds', mnist, 64, 100, {});
    assert.equal(probes, 20);
    assertMedianWithin2Percent('λ_max', errors.max);
    assertMedianWithin2Percent('batch sharpness', errors.batch);
    assert.deepEqual(errors.min, [], 'h_min is off by default');
  });

  it('h_min too within 2 % with --min-curvature and 20 rounds', async () => {
    const { errors } = await tinyMlpErrors('minibatch, h_min, 20 rounds', mnist, 64, 100, {
      minCurvature: true,
      sharpnessIterations: 20,
    });
    assertMedianWithin2Percent('λ_max', errors.max);
    assertMedianWithin2Percent('h_min', errors.min);
  });

  it('λ_max and h_min (10 rounds) within 2 % of the full-batch Hessian when the probe runs on the full batch', async () => {
    const full = loadMnist({ limit: 256, downsample: 4 });
    const { errors } = await tinyMlpErrors('full batch, h_min, 10 rounds', full, 256, 60, {
      minCurvature: true,
      sharpnessIterations: 10,
    });
    assertMedianWithin2Percent('λ_max', errors.max);
    assertMedianWithin2Percent('h_min', errors.min);
    assertMedianWithin2Percent('batch sharpness', errors.batch);
  });

  it('on least squares, λ_max and the batch sharpness within 2 % of X_Bᵀ X_B/|B| at every probe', async () => {
    const dataset = leastSquares({ samples: 512, dim: 40, noise: 0.1, seed: 6 });
    const points = await probedRun({
      model: createLinear({ inputSize: 40, outputSize: 1 }),
      dataset,
      lr: 0.05,
      batchSize: 64,
      steps: 100,
      probe: {},
    });
    const max: number[] = [];
    const batch: number[] = [];
    const x = dataset.inputs;
    const y = dataset.targets;
    const d = 40;
    for (const point of points.slice(1)) {
      const hessian = leastSquaresHessian(dataset, point.rows);
      const dense = { n: d, a: Float64Array.from(hessian.flat()) };
      max.push(rel(topRitz(point.probe), extremeEigenvalues(dense).max));
      // ∇L_B = X_Bᵀ(X_B θ − y_B)/|B|, the gradient whose Hessian is X_Bᵀ X_B/|B|.
      const g = new Float64Array(d);
      for (const r of point.rows) {
        let residual = -y[r]!;
        for (let j = 0; j < d; j++) residual += point.theta[j]! * x[r * d + j]!;
        for (let j = 0; j < d; j++) g[j]! += (residual * x[r * d + j]!) / point.rows.length;
      }
      batch.push(rel(point.probe.batchSharpness ?? Number.NaN, dot(g, matVec64(hessian, g)) / dot(g, g)));
    }
    report('least squares', { max, min: [], batch });
    assertMedianWithin2Percent('λ_max', max);
    assertMedianWithin2Percent('batch sharpness', batch);
  });
});
