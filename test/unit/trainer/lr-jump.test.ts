import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backend } from './support/backend-cpu.js';
import type { GradientEvent } from '../../../src/events/index.js';
import {
  createQuadratic,
  lrJumpFactor,
  lrJumpProblem,
  noData,
  scheduledLr,
  train,
  type LrCommandSource,
  type LrJump,
  type ScheduleName,
} from '../../../src/trainer/index.js';
import { lyap } from '../../helpers/cli.js';

describe('trainer > lrJumpFactor', () => {
  it('is 1 before the jump step and the factor from it on', () => {
    const jump = { atStep: 3, factor: 4 };
    assert.deepEqual(
      [0, 2, 3, 4, 100].map((s) => lrJumpFactor(jump, s)),
      [1, 1, 4, 4, 4],
    );
    assert.equal(lrJumpFactor(undefined, 50), 1);
  });

  it('with a ramp, reaches the factor geometrically over rampSteps steps, then holds it', () => {
    const ramp = { atStep: 3, factor: 16, rampSteps: 4 };
    const got = [0, 2, 3, 4, 5, 6, 7, 50].map((s) => lrJumpFactor(ramp, s));
    const want = [1, 1, 2, 4, 8, 16, 16, 16];
    got.forEach((x, i) => {
      assert.ok(Math.abs(x - (want[i] ?? NaN)) < 1e-12, `step ${i}: ${x}`);
    });
    // A ramp of 0 or 1 step is the jump at once.
    for (const rampSteps of [0, 1]) assert.equal(lrJumpFactor({ ...ramp, rampSteps }, 3), 16);
  });

  it('names what is wrong with a jump it cannot use', () => {
    assert.equal(lrJumpProblem({ atStep: 0, factor: 0.5 }), undefined);
    assert.match(lrJumpProblem({ atStep: -1, factor: 2 }) ?? '', /atStep -1/);
    assert.match(lrJumpProblem({ atStep: 1.5, factor: 2 }) ?? '', /atStep 1.5/);
    assert.match(lrJumpProblem({ atStep: 1, factor: 0 }) ?? '', /factor 0/);
    assert.match(lrJumpProblem({ atStep: 1, factor: Number.POSITIVE_INFINITY }) ?? '', /factor Infinity/);
    assert.match(lrJumpProblem({ atStep: 1, factor: 2, rampSteps: 2.5 }) ?? '', /rampSteps 2.5/);
    assert.equal(lrJumpProblem({ atStep: 1, factor: 2, rampSteps: 10 }), undefined);
  });
});

async function lrs(options: { jump?: LrJump; schedule?: ScheduleName; commands?: LrCommandSource }) {
  const seen: GradientEvent[] = [];
  await train({
    runId: 'lr-jump-test',
    model: createQuadratic({ spectrum: [1, 0.5], seed: 1 }),
    dataset: noData(),
    backend: backend.reportedName,
    lr: 0.2,
    ...(options.schedule === undefined ? {} : { schedule: options.schedule }),
    ...(options.jump === undefined ? {} : { lrJump: options.jump }),
    batchSize: 1,
    steps: 12,
    seed: 1,
    probe: { every: 0, kLyapunov: 1, kSharpness: 1, hvp: 'forward', eps0: 1e-3 },
    ...(options.commands === undefined ? {} : { commands: options.commands }),
    emit: (e) => e.type === 'gradient' && seen.push(e),
  });
  return seen.map((g) => g.lr);
}

describe('trainer > train > lrJump', () => {
  it('multiplies the rate from the jump step on (reported in the gradient events)', async () => {
    assert.deepEqual(await lrs({ jump: { atStep: 5, factor: 4 } }), [
      ...new Array<number>(5).fill(0.2),
      ...new Array<number>(7).fill(0.2 * 4),
    ]);
    assert.deepEqual(await lrs({ jump: { atStep: 0, factor: 0.5 } }), new Array<number>(12).fill(0.1));
  });

  it('composes with the schedule', async () => {
    assert.deepEqual(
      await lrs({ schedule: 'step', jump: { atStep: 3, factor: 10 } }),
      Array.from({ length: 12 }, (_, s) => scheduledLr('step', 0.2, s, 12) * (s >= 3 ? 10 : 1)),
    );
  });

  it('gives way to a learning-rate command for the rest of the run', async () => {
    const got = await lrs({
      jump: { atStep: 4, factor: 3 },
      commands: { take: (step) => (step === 7 ? { lr: 0.05, seq: 1 } : undefined) },
    });
    assert.deepEqual(got, [
      ...new Array<number>(4).fill(0.2),
      ...new Array<number>(3).fill(0.2 * 3),
      ...new Array<number>(5).fill(0.05),
    ]);
  });

  it('refuses a jump it cannot use', async () => {
    await assert.rejects(lrs({ jump: { atStep: -2, factor: 2 } }), /lrJump.atStep -2/);
    await assert.rejects(lrs({ jump: { atStep: 2, factor: -1 } }), /lrJump.factor -1/);
  });
});

/** The rate of every step of `lyap train` on the quadratic, for `steps` steps at 0.1 with `--lr-jump jump`. */
async function trainedLrs(steps: number, jump: string): Promise<number[]> {
  const r = await lyap([
    'train',
    ...['--dataset', 'quadratic', '--steps', String(steps), '--lr', '0.1', '--lr-jump', jump],
    ...['--probe-every', '0', '--backend', 'cpu', '--out', '-'],
  ]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter((l) => l.includes('"type":"gradient"'))
    .map((l) => (JSON.parse(l) as GradientEvent).lr);
}

describe('cli > lyap train --lr-jump', () => {
  it('jumps the rate at the step it is given', async () => {
    assert.deepEqual(await trainedLrs(4, '2:3'), [0.1, 0.1, 0.1 * 3, 0.1 * 3]);
  });

  it('ramps the rate over the steps it is given (STEP:FACTOR:RAMP)', async () => {
    assert.deepEqual(await trainedLrs(5, '1:4:2'), [0.1, 0.1 * 2, 0.1 * 4, 0.1 * 4, 0.1 * 4]);
  });

  it('rejects a bad value with one clear error line and exit code 2', async () => {
    for (const value of [
      '150',
      '-1:2',
      '1.5:2',
      '3:0',
      '3:-2',
      '3:x',
      ':2',
      '3:',
      '3:2:x',
      '3:2:1.5',
      '3:2:',
    ]) {
      const bad = await lyap(['train', '--lr-jump', value]);
      assert.equal(bad.code, 2, value);
      assert.match(
        bad.stderr,
        new RegExp(
          `--lr-jump must be STEP:FACTOR or STEP:FACTOR:RAMP, a non-negative integer step, a positive factor and a ramp of a non-negative integer number of steps, got '${value}'`,
        ),
      );
      // The error is one line (commander adds its usual "(run with --help for usage)" hint).
      assert.match(bad.stderr.split('\n')[0] ?? '', /--lr-jump must be STEP:FACTOR/);
    }
  });
});
