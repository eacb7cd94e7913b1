import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DEFAULT_REGIME_THRESHOLDS } from '../../../src/dynamics/index.js';
import type { GradientEvent, LyapEvent } from '../../../src/events/index.js';
import { RunEstimator } from '../../../src/processor/run-estimator.js';
import {
  createQuadratic,
  denseLyapunovBursts,
  loadMnist,
  lyapunovBursts,
  lyapunovBurstsProblem,
  type LyapunovBursts,
  noData,
  train,
} from '../../../src/trainer/index.js';
import { backend } from './support/backend-cpu.js';
import { estimatedExponent, recordRun, referenceLocalExponents } from './support/tangent-reference.js';
import { createTinyMlp, TINY_NET } from './support/tiny-mlp.js';

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('trainer > Lyapunov bursts', () => {
  it('carries the subspace through K consecutive steps every N, the burst starting on a probe', async () => {
    const events: LyapEvent[] = [];
    await train({
      runId: 'bursts',
      model: createQuadratic({ spectrum: [4, 1, -0.3], seed: 5 }),
      dataset: noData(),
      backend: backend.reportedName,
      lr: 0.1,
      batchSize: 1,
      steps: 45,
      seed: 3,
      probe: {
        every: 5,
        kLyapunov: 1,
        kSharpness: 1,
        hvp: 'forward',
        eps0: 1e-3,
        lyapunovEvery: 20,
        lyapunovBurst: 7,
        lyapunovDiscard: 3,
      },
      emit: (e) => events.push(e),
    });
    const gradients = events.filter((e): e is GradientEvent => e.type === 'gradient');
    const lyapunovSteps = gradients.filter((g) => g.probe?.lyapunov !== undefined).map((g) => g.step);
    assert.deepEqual(lyapunovSteps, [0, 1, 2, 3, 4, 5, 6, 20, 21, 22, 23, 24, 25, 26, 40, 41, 42, 43, 44]);
    const probed = gradients.filter((g) => g.probe?.sharpness !== undefined).map((g) => g.step);
    assert.deepEqual(probed, [0, 5, 10, 15, 20, 25, 30, 35, 40]);
    const at = (step: number) => gradients.find((g) => g.step === step)?.probe;
    assert.deepEqual(at(22)?.lyapunov?.burst, { index: 2, length: 7, discard: 3 });
    assert.equal(at(22)?.sharpness, undefined, 'a burst step between probes measures only the subspace');
    assert.equal(at(22)?.hvps, 1);
    assert.deepEqual(
      at(25)?.lyapunov?.burst,
      { index: 5, length: 7, discard: 3 },
      'a probe inside a burst carries it on',
    );
    assert.equal(at(25)?.hvps, 3);
    assert.equal(at(10)?.lyapunov, undefined, 'a probe between bursts leaves the subspace alone');
    assert.equal(at(10)?.hvps, 2);
    const start = events.find((e) => e.type === 'run');
    assert.deepEqual(start?.type === 'run' ? start.config.probe : undefined, {
      every: 5,
      kLyapunov: 1,
      kSharpness: 1,
      hvp: 'forward',
      lyapunovEvery: 20,
      lyapunovBurst: 7,
      lyapunovDiscard: 3,
    });
  });

  it('measures the exponent log(1 + η|λ_min|) of a quadratic to 1e-3 through bursts', async () => {
    const lr = 0.1;
    const events: LyapEvent[] = [];
    await train({
      runId: 'bursts-quadratic',
      model: createQuadratic({ spectrum: [4, 2, 1, 0.5, -0.3], seed: 5 }),
      dataset: noData(),
      backend: backend.reportedName,
      lr,
      batchSize: 1,
      // The dense schedule (8 steps every 40): 37 bursts before the loss overflows float32 (the
      // run diverges along the negative direction), the window keeps the last 20, the subspace
      // aligned by then. The default's bursts (4 every 80) give only 18 in that time, the first
      // ones taken before the subspace aligned still in the window.
      steps: 1600,
      seed: 11,
      probe: {
        every: 10,
        kLyapunov: 1,
        kSharpness: 1,
        hvp: 'forward',
        eps0: 1e-3,
        ...denseLyapunovBursts(10),
      },
      emit: (e) => events.push(e),
    });
    const estimator = new RunEstimator(20, DEFAULT_REGIME_THRESHOLDS);
    for (const e of events) if (e.type === 'gradient' && e.probe !== undefined) estimator.addProbe(e.probe);
    const s = estimator.snapshot(lr);
    const truth = Math.log(1 + lr * 0.3);
    assert.ok(Math.abs(s.lyapunov[0]! - truth) / truth < 1e-3, `exponent ${s.lyapunov[0]} vs ${truth}`);
    assert.ok(Math.abs(s.curvature[0]! + 0.3) / 0.3 < 1e-3, `curvature ${s.curvature[0]}`);
    assert.equal(s.exponentSide, 'negative-curvature');
  });

  // The 490-parameter tanh MLP at η = 8, where the top exponent (~0.43 per step) is defined
  // whatever the start vector (two float64 references agree to 1e-9). The truth carries a float64
  // tangent vector through the exact Jacobian of every step; the trajectory is the trainer's own.
  const dataset = loadMnist({ limit: 2048, downsample: 4 });
  const runWith = (
    model: ReturnType<typeof createTinyMlp>,
    seed: number,
    probe: Partial<LyapunovBursts> & { every: number },
    steps = 2000,
  ) =>
    recordRun({
      model,
      dataset,
      lr: 8,
      batchSize: 32,
      steps,
      seed,
      probe: { kLyapunov: 1, kSharpness: 0, hvp: 'forward', eps0: 1e-3, batchSharpness: false, ...probe },
    });
  const warmup = 200;

  it(
    'carried through every step, is within 5 % of a float64 tangent vector carried through the exact Jacobians',
    { timeout: 240_000 },
    async () => {
      const model = createTinyMlp();
      const run = await runWith(model, 3, { every: 1 });
      const truth = mean(referenceLocalExponents(TINY_NET, dataset, run, 11).slice(warmup));
      const estimate = estimatedExponent(run.gradients, warmup);
      const error = (estimate.mean - truth) / Math.abs(truth);
      console.log(
        `# every step: ${estimate.mean.toFixed(4)} vs float64 ${truth.toFixed(4)}: ${(100 * error).toFixed(2)} %`,
      );
      // npm run bench -- --only lyapunov --seeds 1,2,3,4,5,6: at most 2.3 % over six seeds, 3,000 steps.
      assert.ok(Math.abs(error) <= 0.05, `relative error ${error}`);
      model.dispose?.();
    },
  );

  it(
    'sampled by the default bursts, is within two of its standard errors of the truth on every seed',
    { timeout: 240_000 },
    async () => {
      // Sampling 2 of every 80 steps (a burst of 4, 2 discarded), the estimate is as good as the
      // steps it sees: the local exponents vary a lot from step to step, and the processor's
      // batch-means standard error (about 20 % here) says how far it can be. Over six seeds of
      // 3,000 steps the error was at most 1.19 standard errors (RMS 12.1 % at η = 8,
      // docs/benchmarks.md); a biased estimate or an understated error fails this. 4,000 steps:
      // about 47 bursts after the warm-up.
      const model = createTinyMlp();
      for (const seed of [1, 2, 3, 4]) {
        const run = await runWith(model, seed, { every: 10, ...lyapunovBursts(10) }, 4000);
        const truth = mean(referenceLocalExponents(TINY_NET, dataset, run, 11).slice(warmup));
        const estimate = estimatedExponent(run.gradients, warmup);
        const stdError = estimate.stdError ?? Number.NaN;
        const z = Math.abs(estimate.mean - truth) / stdError;
        console.log(
          `# seed ${seed}: ${estimate.mean.toFixed(4)} ± ${stdError.toFixed(4)} (${estimate.bursts} bursts) vs float64 ${truth.toFixed(4)}: ${((100 * (estimate.mean - truth)) / Math.abs(truth)).toFixed(1)} %, ${z.toFixed(2)} standard errors`,
        );
        assert.ok(estimate.bursts >= 40, `${estimate.bursts} bursts`);
        assert.ok(
          stdError > 0 && stdError < 0.25 * Math.abs(truth),
          `seed ${seed}: standard error ${stdError}`,
        );
        assert.ok(z <= 2, `seed ${seed}: ${z} standard errors off`);
      }
      model.dispose?.();
    },
  );

  it('defaults to a burst of 4 every 8 probes, half discarded, and says what does not fit', () => {
    assert.deepEqual(lyapunovBursts(10), { lyapunovEvery: 80, lyapunovBurst: 4, lyapunovDiscard: 2 });
    assert.deepEqual(lyapunovBursts(1), { lyapunovEvery: 8, lyapunovBurst: 4, lyapunovDiscard: 2 });
    assert.deepEqual(denseLyapunovBursts(10), { lyapunovEvery: 40, lyapunovBurst: 8, lyapunovDiscard: 4 });
    assert.deepEqual(denseLyapunovBursts(1), { lyapunovEvery: 4, lyapunovBurst: 4, lyapunovDiscard: 2 });
    assert.equal(lyapunovBurstsProblem(10, lyapunovBursts(10)), undefined);
    assert.match(lyapunovBurstsProblem(10, { lyapunovEvery: 25 }) ?? '', /multiple of 10/);
    assert.match(lyapunovBurstsProblem(10, { lyapunovEvery: 20, lyapunovBurst: 30 }) ?? '', /does not fit/);
    assert.match(lyapunovBurstsProblem(10, { lyapunovBurst: 4, lyapunovDiscard: 4 }) ?? '', /keeps none/);
  });
});
