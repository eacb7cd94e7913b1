import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  resolveControllerConfig,
  RunControl,
  type ControllerConfigInput,
  type Decision,
} from '../../../src/controller/index.js';
import type { EstimateEvent } from '../../../src/events/index.js';
import { estimateAt, T0 } from '../../helpers/events.js';

const T = T0;
const estimate = estimateAt;

/** The paper's rule, the baseline arm (test/unit/controller/rules.test.ts covers the others). */
function control(config: ControllerConfigInput = {}): RunControl {
  return new RunControl(resolveControllerConfig({ mode: 'control', rule: 'quasi-newton', ...config }));
}

/** Feeds estimates until a decision is a command; returns it and the step it came at. */
function firstCommand(
  rc: RunControl,
  from: number,
  make: (step: number) => EstimateEvent,
): [Decision, number] {
  for (let step = from; step < from + 1000; step++) {
    const d = rc.decide(make(step), T + step);
    if (d.kind === 'command') return [d, step];
  }
  throw new Error('no command');
}

describe('controller > RunControl (quasi-newton)', () => {
  it('waits for a converged estimate: enough probes in the window and a steady sharpness', () => {
    const rc = control();
    assert.deepEqual(rc.decide(estimate(0, { window: 2 }), T), { kind: 'none', why: 'not-converged' });
    const noisy = control();
    for (let s = 0; s < 10; s++) {
      const d = noisy.decide(estimate(s, { sharpness: s % 2 === 0 ? 5 : 15 }), T + s);
      assert.deepEqual(d, { kind: 'none', why: 'not-converged' }, `step ${s}`);
    }
  });

  it('moves eta towards alpha / lambda_max, at most a factor e^rho per command', () => {
    const [d] = firstCommand(control(), 0, (s) => estimate(s));
    assert.equal(d.kind, 'command');
    assert.ok(d.kind === 'command' && d.reason === 'quasi-newton');
    assert.ok(d.kind === 'command' && Math.abs(d.lr - 0.02) < 1e-15, 'doubled, not jumped to 0.1');
    assert.ok(d.kind === 'command' && d.previousLr === 0.01 && d.sharpness === 10);
  });

  it('reaches 1/lambda_max when the trainer applies each command, and then holds', () => {
    // Full raises: the count checks the ×2 limit (half raises are tested in rules.test.ts).
    const rc = control({ cooldownSteps: 10, raiseGain: 1 });
    let lr = 0.001;
    let commands = 0;
    for (let step = 0; step < 400; step++) {
      const d = rc.decide(estimate(step, { lr }), T + step);
      if (d.kind === 'command') {
        lr = d.lr;
        commands++;
      }
    }
    assert.ok(Math.abs(lr - 0.1) / 0.1 < 0.05, `lr ${lr}`);
    assert.ok(commands <= 8, `${commands} commands: ln(100)/ln(2) ≈ 7 steps of at most ×2`);
  });

  it('scales the target by alpha and clamps to [lrMin, lrMax]', () => {
    const half = control({ alpha: 0.5, maxLogStep: 10, raiseGain: 1 });
    const [d] = firstCommand(half, 0, (s) => estimate(s));
    assert.ok(d.kind === 'command' && Math.abs(d.lr - 0.05) < 1e-15);
    const capped = control({ maxLogStep: 10, lrMax: 0.03, raiseGain: 1 });
    const [c] = firstCommand(capped, 0, (s) => estimate(s));
    assert.ok(c.kind === 'command' && c.lr === 0.03);
  });

  it('stays quiet within the deadband and during the cool-down', () => {
    const rc = control({ cooldownSteps: 50 });
    for (let s = 0; s < 20; s++) {
      const d = rc.decide(estimate(s, { lr: 0.1 }), T + s);
      assert.equal(d.kind, 'none');
    }
    const cool = control({ cooldownSteps: 50 });
    const [, at] = firstCommand(cool, 0, (s) => estimate(s));
    assert.deepEqual(cool.decide(estimate(at + 1), T + at + 1), { kind: 'none', why: 'cooldown' });
    const [, next] = firstCommand(cool, at + 2, (s) => estimate(s));
    assert.equal(next, at + 50);
  });

  it('never acts on a stale estimate', () => {
    const rc = control({ stalenessMs: 1_000 });
    for (let s = 0; s < 20; s++) {
      assert.deepEqual(rc.decide(estimate(s), T + s + 1_001), { kind: 'none', why: 'stale' });
    }
  });

  it('brakes at once on divergence, and not again within the brake cool-down', () => {
    const rc = control({ brakeFactor: 0.25, brakeCooldownSteps: 5 });
    const d = rc.decide(estimate(0, { regime: 'diverged', lr: 0.4, window: 0 }), T);
    assert.deepEqual(d, { kind: 'command', lr: 0.1, previousLr: 0.4, reason: 'brake' });
    assert.deepEqual(rc.decide(estimate(3, { regime: 'diverged', lr: 0.4 }), T + 3), {
      kind: 'none',
      why: 'diverged-braked-recently',
    });
    assert.equal(rc.decide(estimate(5, { regime: 'diverged', lr: 0.1 }), T + 5).kind, 'command');
  });

  it('brakes on a sustained positive exponent past the edge with rising loss, not with a falling loss', () => {
    const rising = control();
    const [d, at] = firstCommand(rising, 0, (s) =>
      estimate(s, { lyapunov: [0.05], loss: 1 + 0.1 * s, sharpness: 100 - s * 10, stabilityRatio: 2.5 }),
    );
    assert.ok(d.kind === 'command' && d.reason === 'brake' && d.lr === 0.005);
    assert.equal(at, 4, 'after 5 estimates in a row');
    const falling = control();
    for (let s = 0; s < 10; s++) {
      const e = estimate(s, { lyapunov: [0.05], loss: 1 - 0.05 * s, lr: 0.1 });
      const out = falling.decide(e, T + s);
      assert.ok(out.kind === 'none' || out.reason !== 'brake', `step ${s}`);
    }
  });

  it('ignores an estimate that is not newer than the last one', () => {
    const rc = control();
    rc.decide(estimate(5), T + 5);
    assert.deepEqual(rc.decide(estimate(5), T + 5), { kind: 'none', why: 'out-of-order' });
  });
});
