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

  const methods = [1, 2, 3, 5, 10].map((m) => ({ name: `tracking, ${m} per probe`, iterations: m }));
  const trackers = methods.map(
    (method) =>
      new TangentProbe({
        sharpnessIterations: method.iterations,
        convergeIterations: 30,
        // Every iteration counts: the comparison is at a fixed number of products.
        sharpnessTolerance: 0,
        params: model.layout.size,
        kLyapunov: 0,
        kSharpness: 1,
        hvp: 'forward',
        eps0: 1e-3,
        seed: 7,
        batchSharpness: false,
      }),
  );
  const errors = new Map<string, number[]>([
    ...methods.map((m) => [m.name, []] as [string, number[]]),
    ['restarted', []],
  ]);
  const products = new Map<string, number[]>([
    ...methods.map((m) => [m.name, []] as [string, number[]]),
    ['restarted', []],
  ]);
  const truths: number[] = [];

  for (const [p, point] of points.entries()) {
    const batch = gatherBatch(dataset, point.rows);
    const x = batch.x.dataSync();
    const y = batch.y.dataSync();
    const at = Float64Array.from(point.theta);
    const rows = { x, y, size: BATCH };
    const dense = denseFromProducts(at.length, (e) => referenceHvp(TINY_NET, at, rows, e));
    const truth = extremeEigenvalues(dense).max;
    truths.push(truth);
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
      const top = (probe: ReturnType<TangentProbe['measure']>): number =>
        probe.sharpness?.rayleigh[0]?.[0] ?? Number.NaN;
      methods.forEach((method, i) => {
        const tracker = trackers[i]!;
        // The first probe of a tracker converges (at most 30 products); it is not tracking.
        const last = tracker.measure(ctx);
        if (p === 0) return;
        errors.get(method.name)?.push(Math.abs(top(last) - truth) / Math.abs(truth));
        products.get(method.name)?.push(last.hvps);
      });
      const restarted = new TangentProbe({
        params: model.layout.size,
        kLyapunov: 0,
        kSharpness: 1,
        hvp: 'forward',
        eps0: 1e-3,
        seed: 100 + p,
        batchSharpness: false,
        convergeIterations: 100,
        sharpnessTolerance: 1e-3,
      });
      const once = restarted.measure(ctx);
      if (p > 0) {
        errors.get('restarted')?.push(Math.abs(top(once) - truth) / Math.abs(truth));
        products.get('restarted')?.push(once.hvps);
      }
    });
    batch.x.dispose();
    batch.y.dispose();
  }
  model.dispose?.();

  const rows = [...errors.keys()].map((name) => {
    const e = errors.get(name) ?? [];
    const n = products.get(name) ?? [];
    return {
      method: name,
      'products per estimate (median)': quantile(n, 0.5),
      'relative error, median': round(quantile(e, 0.5), 3),
      'relative error, p90': round(quantile(e, 0.9), 3),
      estimates: e.length,
    };
  });
  return {
    suite: 'tracking',
    params: { model: 'mlp-49-8-10-tanh', params: model.layout.size, batch: BATCH, lr: 0.5, ...params },
    rows,
    notes: [
      `truth: float64 dense Hessians of each probe's minibatch; λ_max from ${round(Math.min(...truths), 3)} to ${round(Math.max(...truths), 3)} over the run`,
      'products are finite-difference Hessian-vector products (forward, eps0 1e-3), one gradient each',
    ],
  };
}
