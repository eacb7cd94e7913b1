import { median } from '../../src/sweep/stats.js';
import { loadMnist, selectBackend } from '../../src/trainer/index.js';
import {
  estimatedExponent,
  recordRun,
  referenceLocalExponents,
} from '../../test/unit/trainer/support/tangent-reference.js';
import { createTinyMlp, TINY_NET } from '../../test/unit/trainer/support/tiny-mlp.js';
import type { SuiteResult } from './types.js';

const BATCH = 32;

/** A probe schedule for the Lyapunov subspace: every N steps, a burst of K, the first D discarded. */
interface Scheme {
  every: number;
  burst: number;
  discard: number;
}

const round = (x: number, digits = 3): number => Number(x.toPrecision(digits));
const percent = (x: number): string => `${(100 * x).toFixed(1)} %`;

const schemeName = (s: Scheme): string =>
  s.burst === 1 ? `1 step every ${s.every}` : `${s.burst} every ${s.every}, discard ${s.discard}`;

/** A scheme's relative errors over the seeds: RMS, mean, how many within 5 %, the largest |error| in standard errors. */
function overSeeds(list: readonly { error: number; stdError: number | undefined }[]): string {
  const rms = Math.sqrt(mean(list.map((e) => e.error ** 2)));
  const z = list.flatMap((e) =>
    e.stdError === undefined || e.stdError === 0 ? [] : [Math.abs(e.error) / e.stdError],
  );
  return (
    `relative error over ${list.length} seeds: RMS ${percent(rms)}, mean ${percent(mean(list.map((e) => e.error)))}, ` +
    `within 5 % ${list.filter((e) => Math.abs(e.error) <= 0.05).length}/${list.length}, median std error ` +
    `${percent(median(list.flatMap((e) => (e.stdError === undefined ? [] : [e.stdError]))) ?? Number.NaN)}, largest |error| ` +
    (z.length === 0 ? '-' : `${Math.max(...z).toFixed(2)} std errors`)
  );
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * How well the probe's top Lyapunov exponent matches the truth during real minibatch training.
 * A 49-8-10 tanh MLP (490 parameters) trains on 7×7 MNIST (batch 32) with the trainer itself,
 * at several constant rates. The truth carries a float64 tangent vector through every step's
 * exact Jacobian I − ηH_t on that step's minibatch (two start vectors: their spread shows how far
 * the finite-time exponent is defined at all). Each scheme runs the trainer's probe (k_L = 1,
 * forward differences, no sharpness) and the processor's RunEstimator averages its probes after
 * warm-up: one step per probe (burst 1, the old default) and bursts of K consecutive steps every
 * N, the first D of each discarded. Reported: the estimate, its batch-means standard error, the
 * relative error against the truth, and the Lyapunov products per training step (K/N).
 */
export async function lyapunovSuite(params: {
  /** Training seeds (minibatch order, initialisation); the same reference start vectors for each. */
  seeds: readonly number[];
  steps: number;
  warmup: number;
  rates: number[];
  schemes: Scheme[];
}): Promise<SuiteResult> {
  await selectBackend({ requested: 'cpu' });
  const dataset = loadMnist({ limit: 2048, downsample: 4 });
  const model = createTinyMlp();
  const rows: Record<string, number | string>[] = [];
  const errors = new Map<string, { error: number; stdError: number | undefined }[]>();
  for (const lr of params.rates)
    for (const seed of params.seeds) {
      const common = { model, dataset, lr, batchSize: BATCH, steps: params.steps, seed };
      let truth: number | undefined;
      let spread = 0;
      for (const scheme of params.schemes) {
        const run = await recordRun({
          ...common,
          probe: {
            every: scheme.every,
            kLyapunov: 1,
            kSharpness: 0,
            hvp: 'forward',
            eps0: 1e-3,
            batchSharpness: false,
            lyapunovBurst: scheme.burst,
            lyapunovDiscard: scheme.discard,
          },
        });
        if (truth === undefined) {
          const after = (seed: number): number =>
            mean(referenceLocalExponents(TINY_NET, dataset, run, seed).slice(params.warmup));
          const [a, b] = [after(11), after(12)];
          truth = a;
          spread = Math.abs(a - b) / Math.abs(a);
        }
        const estimate = estimatedExponent(run.gradients, params.warmup);
        const name = schemeName(scheme);
        const error = (estimate.mean - truth) / Math.abs(truth);
        const stdError = estimate.stdError === undefined ? undefined : estimate.stdError / Math.abs(truth);
        const key = `η ${lr}, ${name}`;
        errors.set(key, [...(errors.get(key) ?? []), { error, stdError }]);
        rows.push({
          lr,
          seed,
          'truth (float64, every step)': round(truth, 4),
          'truth: spread of 2 starts': round(spread, 2),
          scheme: name,
          'products/step': round(scheme.burst / scheme.every, 2),
          estimate: round(estimate.mean, 4),
          'std error': estimate.stdError === undefined ? '-' : round(estimate.stdError, 2),
          'relative error': round(error, 2),
        });
      }
    }
  model.dispose?.();
  return {
    suite: 'lyapunov',
    params: {
      model: 'mlp-49-8-10-tanh',
      params: model.layout.size,
      batch: BATCH,
      steps: params.steps,
      warmup: params.warmup,
      seeds: params.seeds.join(','),
    },
    rows,
    notes: [
      ...(params.seeds.length > 1 ? [...errors].map(([key, list]) => `${key}: ${overSeeds(list)}`) : []),
      "truth: a float64 tangent vector through every step (exact Jacobians of each minibatch); estimates: the trainer's probe through the processor's RunEstimator, steps after warm-up",
      'products/step: Lyapunov Hessian-vector products per training step (one gradient each)',
    ],
  };
}
