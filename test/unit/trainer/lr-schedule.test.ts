import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backend } from './support/backend-cpu.js';
import type { GradientEvent } from '../../../src/events/index.js';
import {
  createQuadratic,
  noData,
  scheduledLr,
  tf,
  train,
  type LrCommandSource,
  type ScheduleName,
} from '../../../src/trainer/index.js';
import { lyap } from '../../helpers/cli.js';

describe('trainer > scheduledLr', () => {
  it('keeps a constant rate', () => {
    assert.equal(scheduledLr('constant', 0.3, 77, 100), 0.3);
  });

  it('divides the step schedule by 10 at 50% and again at 75% of the run', () => {
    const lrs = [0, 49, 50, 74, 75, 99].map((s) => scheduledLr('step', 1, s, 100));
    assert.deepEqual(lrs, [1, 1, 0.1, 0.1, 0.1 ** 2, 0.1 ** 2]);
  });

  it('anneals the cosine schedule from η₀ through η₀/2 at mid-run, positive to the end', () => {
    assert.equal(scheduledLr('cosine', 2, 0, 100), 2);
    assert.ok(Math.abs(scheduledLr('cosine', 2, 50, 100) - 1) < 1e-12);
    const last = scheduledLr('cosine', 2, 99, 100);
    assert.ok(last > 0 && Math.abs(last - (1 - Math.cos(Math.PI / 100))) < 1e-12);
    for (let s = 1; s < 100; s++)
      assert.ok(scheduledLr('cosine', 2, s, 100) < scheduledLr('cosine', 2, s - 1, 100));
  });

  it('rejects rates, steps and lengths it cannot use', () => {
    assert.throws(() => scheduledLr('cosine', 0, 0, 10), RangeError);
    assert.throws(() => scheduledLr('step', 1, -1, 10), RangeError);
    assert.throws(() => scheduledLr('step', 1, 0, 0), RangeError);
  });
});

async function gradients(schedule: ScheduleName | undefined, commands?: LrCommandSource) {
  const seen: GradientEvent[] = [];
  const thetaNorms: number[] = [];
  await train({
    runId: 'schedule-test',
    model: createQuadratic({ spectrum: [1, 0.5], seed: 1 }),
    dataset: noData(),
    backend: backend.reportedName,
    lr: 0.4,
    ...(schedule === undefined ? {} : { schedule }),
    batchSize: 1,
    steps: 20,
    seed: 1,
    probe: { every: 0, kLyapunov: 1, kSharpness: 1, hvp: 'forward', eps0: 1e-3 },
    ...(commands === undefined ? {} : { commands }),
    emit: (e) => e.type === 'gradient' && seen.push(e),
    onStep: ({ theta }) => thetaNorms.push(tf.tidy(() => tf.norm(theta).dataSync()[0] ?? NaN)),
  });
  return { lrs: seen.map((g) => g.lr), thetaNorms, trajectory: seen };
}

describe('trainer > train > schedule', () => {
  it('uses the scheduled rate at every step (reported in the gradient events)', async () => {
    const { lrs } = await gradients('cosine');
    assert.deepEqual(
      lrs,
      Array.from({ length: 20 }, (_, s) => scheduledLr('cosine', 0.4, s, 20)),
    );
    assert.deepEqual((await gradients(undefined)).lrs, new Array<number>(20).fill(0.4));
  });

  it('gives way to a learning-rate command for the rest of the run', async () => {
    const { lrs } = await gradients('step', {
      take: (step) => (step === 5 ? { lr: 0.05, seq: 1 } : undefined),
    });
    assert.deepEqual(lrs.slice(0, 5), new Array<number>(5).fill(0.4));
    assert.deepEqual(lrs.slice(5), new Array<number>(15).fill(0.05));
  });

  it('hands onStep the parameters after the step', async () => {
    const { thetaNorms } = await gradients(undefined);
    assert.equal(thetaNorms.length, 20);
    // Gradient descent on a positive-definite quadratic with η·h ≤ 0.4 shrinks θ every step.
    for (let i = 1; i < 20; i++) assert.ok((thetaNorms[i] ?? NaN) < (thetaNorms[i - 1] ?? NaN));
  });
});

describe('cli > lyap train --schedule', () => {
  it('trains with the schedule it is given, and refuses one it does not know (exit 2)', async () => {
    const r = await lyap([
      'train',
      ...['--dataset', 'quadratic', '--steps', '4', '--lr', '0.1', '--schedule', 'step'],
      ...['--probe-every', '0', '--backend', 'cpu', '--out', '-'],
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lrs = r.stdout
      .split('\n')
      .filter((l) => l.includes('"type":"gradient"'))
      .map((l) => (JSON.parse(l) as GradientEvent).lr);
    assert.deepEqual(lrs, [0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1 ** 2]);
    const bad = await lyap(['train', '--schedule', 'linear']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--schedule/);
  });
});
