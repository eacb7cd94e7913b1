import { mulberry32, RitzBasis } from '../../src/dynamics/index.js';
import {
  BatchSampler,
  createProblem,
  selectBackend,
  train,
  type ProbeSettings,
} from '../../src/trainer/index.js';
import { mlpLossAndGradient, type Mlp64 } from '../../test/unit/trainer/support/mlp64.js';
import type { SuiteResult } from './types.js';

const BATCH = 64;
const SEED = 3;
const NET: Mlp64 = Object.freeze({ widths: [784, 128, 10], activation: 'relu' });

interface Point {
  step: number;
  theta: Float64Array;
  rows: Int32Array;
  sharpness: number;
  batchSharpness: number;
  rounds: number;
}

/**
 * The probe's λ_max and batch sharpness on the demo's model, where the finite differences cross
 * ReLU kinks: the 784-128-10 ReLU MLP of `npm start` (101,770 parameters) trains on MNIST
 * (batch 64, constant η) with the probe every 5 steps as the trainer runs it; at every
 * `truthEvery`-th step the truth is computed for that probe's minibatch at that θ by an
 * independent float64 backpropagation (test/unit/trainer/support/mlp64.ts): its gradient, and
 * λ_max by Lanczos (RitzBasis) on central differences with h = 1e-6, small enough to cross no
 * kink, run until the residual is under 1e-5 of λ_max. No dense Hessian at this size.
 */
export async function trackingReluSuite(params: {
  steps: number;
  truthEvery: number;
  lr: number;
  probe?: Partial<ProbeSettings>;
}): Promise<SuiteResult> {
  await selectBackend({ requested: 'wasm' });
  const { dataset, model } = createProblem({ dataset: 'mnist', model: 'mlp', hidden: [128], seed: 1 });
  const sampler = new BatchSampler(dataset, { batchSize: BATCH, seed: SEED + 1 });
  const points: Point[] = [];
  let theta = Float64Array.from(model.init(mulberry32(SEED)));
  await train({
    runId: 'tracking-relu',
    model,
    dataset,
    backend: 'wasm',
    lr: params.lr,
    batchSize: BATCH,
    steps: params.steps + 1,
    seed: SEED,
    probe: { every: 5, kLyapunov: 0, kSharpness: 1, hvp: 'forward', eps0: 1e-3, ...params.probe },
    emit: () => undefined,
    onStep: ({ gradient, theta: next }) => {
      const rows = sampler.nextIndices();
      const probe = gradient.probe;
      const top = probe?.sharpness?.rayleigh[0]?.[0];
      if (gradient.step > 0 && gradient.step % params.truthEvery === 0 && top !== undefined) {
        points.push({
          step: gradient.step,
          theta,
          rows,
          sharpness: top,
          batchSharpness: probe?.batchSharpness ?? Number.NaN,
          rounds: probe?.sharpness?.iterations ?? 1,
        });
      }
      theta = Float64Array.from(next.dataSync());
    },
  });
  model.dispose?.();

  const rows = points.map((point) => {
    const truth = float64Truth(dataset.inputs, dataset.targets, point);
    return {
      step: point.step,
      'λ_max probe': round(point.sharpness),
      'λ_max truth': round(truth.lambdaMax),
      'λ_max error': round(point.sharpness / truth.lambdaMax - 1, 3),
      rounds: point.rounds,
      'BS probe': round(point.batchSharpness),
      'BS truth': round(truth.batchSharpness),
      'BS error': round(point.batchSharpness / truth.batchSharpness - 1, 3),
    };
  });
  const median = (xs: number[]): number =>
    [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const absErrors = (key: 'λ_max error' | 'BS error'): number[] => rows.map((r) => Math.abs(r[key]));
  return {
    suite: 'tracking-relu',
    params: {
      model: 'mlp-784-128-10-relu',
      params: 101_770,
      batch: BATCH,
      lr: params.lr,
      steps: params.steps,
    },
    rows,
    notes: [
      `median |error|: λ_max ${round(median(absErrors('λ_max error')), 3)}, batch sharpness ${round(median(absErrors('BS error')), 3)}; largest: λ_max ${round(Math.max(...absErrors('λ_max error')), 3)}, batch sharpness ${round(Math.max(...absErrors('BS error')), 3)}`,
      'probe: forward differences (eps0 1e-3) as the trainer takes them; truth: float64 backpropagation, central differences h = 1e-6',
    ],
  };
}

function float64Truth(
  inputs: Float32Array,
  targets: Float32Array,
  point: Point,
): { lambdaMax: number; batchSharpness: number } {
  const [d, c] = [NET.widths[0] as number, NET.widths.at(-1) as number];
  const x = new Float64Array(BATCH * d);
  const y = new Float64Array(BATCH * c);
  point.rows.forEach((r, i) => {
    x.set(inputs.subarray(r * d, (r + 1) * d), i * d);
    y.set(targets.subarray(r * c, (r + 1) * c), i * c);
  });
  const grad = (t: Float64Array): Float64Array => mlpLossAndGradient(NET, t, x, y, BATCH).grad;
  const dot = (a: Float64Array, b: Float64Array): number =>
    a.reduce((s, v, i) => s + v * (b[i] as number), 0);
  const hvp = (v: Float64Array): Float64Array => {
    const s = 1e-6 / Math.sqrt(dot(v, v));
    const plus = grad(point.theta.map((t, i) => t + s * (v[i] as number)));
    const minus = grad(point.theta.map((t, i) => t - s * (v[i] as number)));
    return plus.map((p, i) => (p - (minus[i] as number)) / (2 * s));
  };
  const g = grad(point.theta);
  const hg = hvp(g);
  const basis = new RitzBasis();
  const rng = mulberry32(9);
  const w = Float64Array.from({ length: g.length }, () => rng() - 0.5);
  basis.add(w, hvp(w));
  basis.add(g, hg);
  let [top] = basis.ritz([0]);
  for (let round = 0; round < 40 && top !== undefined && top.residualNorm > 1e-5 * top.value; round++) {
    if (basis.size + 1 > basis.capacity) basis.restart([top]);
    const pair = top;
    const r = pair.product.map((p, i) => p - pair.value * (pair.vector[i] as number));
    basis.add(r, hvp(r));
    [top] = basis.ritz([0]);
  }
  return { lambdaMax: top?.value ?? Number.NaN, batchSharpness: dot(g, hg) / dot(g, g) };
}

function round(x: number, digits = 4): number {
  return Number(x.toPrecision(digits));
}
