import { DEFAULT_REGIME_THRESHOLDS, mulberry32 } from '../../../../src/dynamics/index.js';
import type { GradientEvent } from '../../../../src/events/index.js';
import { RunEstimator } from '../../../../src/processor/run-estimator.js';
import {
  BatchSampler,
  type Dataset,
  type Model,
  type ProbeSettings,
  train,
} from '../../../../src/trainer/index.js';
import type { Mlp64 } from './mlp64.js';
import { referenceHvp } from './tiny-mlp.js';

/** One step of a recorded run: θ[t] and the rows of its minibatch. */
export interface RecordedStep {
  theta: Float32Array;
  rows: Int32Array;
  lr: number;
}

export interface RecordedRun {
  steps: RecordedStep[];
  gradients: GradientEvent[];
}

/**
 * Trains `model` with the trainer itself and records every step's θ and minibatch rows (a second
 * BatchSampler with the trainer's seed draws the same rows) and the gradient events, probes
 * included. With the probe on or off the trajectory is the same bit for bit.
 */
export async function recordRun(params: {
  model: Model;
  dataset: Dataset;
  lr: number;
  batchSize: number;
  steps: number;
  seed: number;
  probe: ProbeSettings;
}): Promise<RecordedRun> {
  const sampler = new BatchSampler(params.dataset, { batchSize: params.batchSize, seed: params.seed + 1 });
  const steps: RecordedStep[] = [];
  const gradients: GradientEvent[] = [];
  let theta = params.model.init(mulberry32(params.seed));
  await train({
    runId: 'reference',
    model: params.model,
    dataset: params.dataset,
    backend: 'cpu',
    lr: params.lr,
    batchSize: params.batchSize,
    steps: params.steps,
    seed: params.seed,
    probe: params.probe,
    emit: (event) => {
      if (event.type === 'gradient') gradients.push(event);
    },
    onStep: ({ gradient, theta: next }) => {
      steps.push({ theta, rows: sampler.nextIndices(), lr: gradient.lr });
      theta = next.dataSync() as Float32Array;
    },
  });
  return { steps, gradients };
}

/**
 * The truth for the top Lyapunov exponent of a recorded run: a float64 tangent vector carried
 * through the exact Jacobian I − η_t H_t of every step on its own minibatch (float64 products of
 * the reference network, central differences of a hand-written backpropagation), renormalised
 * each step. Returns log‖J_t v_t‖ per step; their mean over a stretch is its exponent.
 */
export function referenceLocalExponents(
  net: Mlp64,
  dataset: Dataset,
  run: RecordedRun,
  seed: number,
): number[] {
  const features = dataset.inputShape.reduce((a, b) => a * b, 1);
  const outputs = dataset.outputSize;
  const rng = mulberry32(seed);
  const first = run.steps[0];
  if (first === undefined) return [];
  let v: Float64Array = Float64Array.from(first.theta, () => rng() - 0.5);
  v = scaled(v, 1 / norm(v));
  return run.steps.map((step) => {
    const size = step.rows.length;
    const x = new Float64Array(size * features);
    const y = new Float64Array(size * outputs);
    step.rows.forEach((row, i) => {
      x.set(dataset.inputs.subarray(row * features, (row + 1) * features), i * features);
      y.set(dataset.targets.subarray(row * outputs, (row + 1) * outputs), i * outputs);
    });
    const hv = referenceHvp(net, Float64Array.from(step.theta), { x, y, size }, v);
    const jv = Float64Array.from(v, (vi, i) => vi - step.lr * (hv[i] ?? 0));
    const growth = norm(jv);
    v = scaled(jv, 1 / growth);
    return Math.log(growth);
  });
}

/**
 * The processor's exponent over a stretch of the run: the probes of steps ≥ `from` through a
 * RunEstimator whose window holds them all (the mean of burst means, and its standard error).
 */
export function estimatedExponent(
  gradients: readonly GradientEvent[],
  from: number,
): { mean: number; stdError: number | undefined; bursts: number } {
  const estimator = new RunEstimator(100_000, DEFAULT_REGIME_THRESHOLDS);
  let lr = 0;
  let bursts = 0;
  for (const g of gradients) {
    if (g.step < from || g.probe === undefined) continue;
    estimator.addProbe(g.probe);
    const lyapunov = g.probe.lyapunov;
    if (lyapunov !== undefined && (lyapunov.burst?.index ?? 0) === 0) bursts++;
    lr = g.lr;
  }
  const snapshot = estimator.snapshot(lr);
  return { mean: snapshot.lyapunov[0] ?? Number.NaN, stdError: snapshot.lyapunovStdError?.[0], bursts };
}

function norm(a: Float64Array): number {
  let s = 0;
  for (const x of a) s += x * x;
  return Math.sqrt(s);
}

function scaled(a: Float64Array, c: number): Float64Array {
  return Float64Array.from(a, (x) => x * c);
}
