import { mulberry32 } from '../../src/dynamics/index.js';
import {
  BatchSampler,
  gatherBatch,
  loadMnist,
  selectBackend,
  TangentProbe,
  tf,
  train,
} from '../../src/trainer/index.js';
import { denseFromProducts, extremeEigenvalues } from '../../test/unit/trainer/support/dense-spectrum.js';
import { mlpLossAndGradient } from '../../test/unit/trainer/support/mlp64.js';
import { createTinyMlp, referenceHvp, TINY_NET } from '../../test/unit/trainer/support/tiny-mlp.js';
import type { SuiteResult } from './types.js';

const BATCH = 64;
const SEED = 3;

interface ProbePoint {
  step: number;
  theta: Float32Array;
  rows: Int32Array;
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};
const round = (x: number, digits = 4): number => Number(x.toPrecision(digits));
const dot = (a: Float64Array, b: Float64Array): number => a.reduce((s, x, i) => s + x * (b[i] as number), 0);

function denseTimes(m: { n: number; a: Float64Array }, v: Float64Array): Float64Array {
  const out = new Float64Array(m.n);
  for (let i = 0; i < m.n; i++) {
    let s = 0;
    for (let j = 0; j < m.n; j++) s += (m.a[i * m.n + j] as number) * (v[j] as number);
    out[i] = s;
  }
  return out;
}

/**
 * What tracking λ_max costs against restarting (the paper's claim (2); PyHessian and Cockpit
 * restart a power iteration from a random vector, up to 100 products, tolerance 1e-3). A 49-8-10
 * tanh MLP (490 parameters) trains on 7×7 MNIST with minibatches of 64; at every `every`-th step
 * the truth is the float64 dense Hessian of that step's minibatch (central differences of a
 * hand-written backpropagation, test/unit/trainer/support). Each method estimates λ_max of the
 * same minibatch at the same θ with the probe's finite-difference products:
 * - tracking, m iterations: one warm-started subspace carried from probe to probe, m power
 *   iterations on the probe's own minibatch (m = 1 is what the probe does between convergences);
 * - restarted: a fresh random vector iterated until the top Ritz residual is under 1e-3, at most
 *   100 products.
 * Reported: products per estimate and the relative error against the dense λ_max.
 */
export async function trackingSuite(params: { steps: number; every: number }): Promise<SuiteResult> {
  await selectBackend({ requested: 'cpu' });
  const dataset = loadMnist({ limit: 2048, downsample: 4 });
  const model = createTinyMlp();
  const sampler = new BatchSampler(dataset, { batchSize: BATCH, seed: SEED + 1 });
  const points: ProbePoint[] = [];
  let theta = model.init(mulberry32(SEED));
  await train({
    runId: 'tracking',
    model,
    dataset,
    backend: 'cpu',
    lr: 0.5,
    batchSize: BATCH,
    steps: params.steps,
    seed: SEED,
    probe: { every: 0, kLyapunov: 0, kSharpness: 0, hvp: 'forward', eps0: 1e-3 },
    emit: () => undefined,
    onStep: ({ gradient, theta: next }) => {
      const rows = sampler.nextIndices();
      if (gradient.step % params.every === 0) points.push({ step: gradient.step, theta, rows });
      theta = next.dataSync() as Float32Array;
    },
  });

  const probeOptions = {
    params: model.layout.size,
    kLyapunov: 0,
    kSharpness: 1,
    hvp: 'forward' as const,
    eps0: 1e-3,
  };
  const methods = [
    ...[1, 2, 3, 5].map((m) => ({ name: `tracking λ_max, ${m} rounds`, iterations: m, minCurvature: false })),
    ...[3, 10, 20].map((m) => ({
      name: `tracking λ_max and h_min, ${m} rounds`,
      iterations: m,
      minCurvature: true,
    })),
  ];
  const trackers = methods.map(
    (method) =>
      new TangentProbe({
        ...probeOptions,
        sharpnessIterations: method.iterations,
        minCurvature: method.minCurvature,
        convergeIterations: 30,
        // Every round counts: the comparison is at a fixed budget.
        sharpnessTolerance: 0,
        seed: 7,
      }),
  );
  const names = [...methods.map((m) => m.name), 'restarted'];
  const errors = Object.fromEntries(
    (['max', 'min', 'batch'] as const).map((side) => [
      side,
      new Map(names.map((name) => [name, [] as number[]])),
    ]),
  ) as Record<'max' | 'min' | 'batch', Map<string, number[]>>;
  const products = new Map(names.map((name) => [name, [] as number[]]));
  const truths: { max: number; min: number }[] = [];

  for (const [p, point] of points.entries()) {
    const batch = gatherBatch(dataset, point.rows);
    const x = batch.x.dataSync();
    const y = batch.y.dataSync();
    const at = Float64Array.from(point.theta);
    const rows = { x, y, size: BATCH };
    const dense = denseFromProducts(at.length, (e) => referenceHvp(TINY_NET, at, rows, e));
    const truth = extremeEigenvalues(dense);
    truths.push(truth);
    const g = mlpLossAndGradient(TINY_NET, at, x, y, BATCH).grad;
    const hg = denseTimes(dense, g);
    const batchTruth = dot(g, hg) / dot(g, g);
    const record = (name: string, probe: ReturnType<TangentProbe['measure']>): void => {
      const rel = (a: number | undefined, b: number): number => Math.abs((a ?? Number.NaN) - b) / Math.abs(b);
      errors.max.get(name)?.push(rel(probe.sharpness?.rayleigh[0]?.[0], truth.max));
      errors.min.get(name)?.push(rel(probe.minCurvature?.value, truth.min));
      errors.batch.get(name)?.push(rel(probe.batchSharpness, batchTruth));
      products.get(name)?.push(probe.hvps);
    };
    tf.tidy(() => {
      const thetaT = tf.tensor1d(point.theta);
      const gradAt = (t: tf.Tensor1D): tf.Tensor1D =>
        tf.grad((u: tf.Tensor) => model.loss(u as tf.Tensor1D, batch))(t) as tf.Tensor1D;
      const ctx = {
        gradAt,
        theta: thetaT,
        thetaNorm: Math.hypot(...point.theta),
        grad: gradAt(thetaT),
        lr: 0.5,
      };
      methods.forEach((method, i) => {
        // The first probe of a tracker converges (at most 30 rounds); it is not tracking.
        const last = (trackers[i] as TangentProbe).measure(ctx);
        if (p > 0) record(method.name, last);
      });
      const restarted = new TangentProbe({
        ...probeOptions,
        minCurvature: true,
        seed: 100 + p,
        convergeIterations: 100,
        sharpnessTolerance: 1e-3,
      });
      const once = restarted.measure(ctx);
      if (p > 0) record('restarted', once);
    });
    batch.x.dispose();
    batch.y.dispose();
  }
  model.dispose?.();

  const rows = names.map((name) => {
    const column = (side: 'max' | 'min' | 'batch', q: number): number =>
      round(quantile(errors[side].get(name) ?? [], q), 3);
    return {
      method: name,
      'products per estimate (median)': quantile(products.get(name) ?? [], 0.5),
      'λ_max error, median': column('max', 0.5),
      'λ_max error, p90': column('max', 0.9),
      'h_min error, median': column('min', 0.5),
      'h_min error, p90': column('min', 0.9),
      'batch sharpness error, median': column('batch', 0.5),
      estimates: errors.max.get(name)?.length ?? 0,
    };
  });
  return {
    suite: 'tracking',
    params: { model: 'mlp-49-8-10-tanh', params: model.layout.size, batch: BATCH, lr: 0.5, ...params },
    rows,
    notes: [
      `truth: float64 dense Hessians of each probe's minibatch; λ_max from ${round(Math.min(...truths.map((t) => t.max)), 3)} to ${round(Math.max(...truths.map((t) => t.max)), 3)}, h_min from ${round(Math.min(...truths.map((t) => t.min)), 3)} to ${round(Math.max(...truths.map((t) => t.min)), 3)} over the run`,
      'products are finite-difference Hessian-vector products (forward, eps0 1e-3), one gradient each',
    ],
  };
}
