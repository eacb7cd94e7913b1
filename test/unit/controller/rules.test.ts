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

/** An estimate at rate 0.1 whose probe measured sharpness 8 and batch sharpness 4, loss 1. */
function estimate(step: number, extra: Partial<EstimateEvent> = {}): EstimateEvent {
  return estimateAt(step, {
    lr: 0.1,
    lyapunov: [0.01],
    sharpness: 8,
    stabilityRatio: 0.8,
    probeSharpness: 8,
    probeBatchSharpness: 4,
    loss: 1,
    ...extra,
  });
}

function control(config: ControllerConfigInput = {}): RunControl {
  return new RunControl(resolveControllerConfig({ mode: 'control', cooldownSteps: 5, ...config }));
}

/**
 * Runs the controller against a trainer that applies every command at the next estimate, on
 * the probes `make` gives for each (step, rate in force); returns the decisions by step.
 */
function drive(
  rc: RunControl,
  steps: number,
  startLr: number,
  make: (step: number, lr: number) => Partial<EstimateEvent>,
): { lr: number; decisions: [number, Decision][] } {
  let lr = startLr;
  const decisions: [number, Decision][] = [];
  for (let step = 0; step < steps; step++) {
    const d = rc.decide(estimate(step, { lr, ...make(step, lr) }), T + step);
    decisions.push([step, d]);
    if (d.kind === 'command') lr = d.lr;
  }
  return { lr, decisions };
}

const commands = (ds: [number, Decision][]): Extract<Decision, { kind: 'command' }>[] =>
  ds.flatMap(([, d]) => (d.kind === 'command' ? [d] : []));

describe('controller > rules', () => {
  it('edge: settles eta at targetRatio / BS, from far below and far above', () => {
    for (const start of [1e-3, 5]) {
      const { lr } = drive(control({ rule: 'edge', targetRatio: 1.5 }), 400, start, () => ({}));
      assert.ok(Math.abs(lr - 1.5 / 4) / (1.5 / 4) < 0.06, `from ${start}: lr ${lr}`);
    }
  });

  it('edge: reaches the fixed point when BS adapts to eta (BS = 2/eta^0.6, slope below 1)', () => {
    // Self-stabilisation in the measured range: log BS falls with slope 0.6 in log eta, so
    // eta·BS = r* has the unique solution eta = (r*/2)^(1/0.4).
    const bs = (lr: number): number => 2 / lr ** 0.6;
    const { lr } = drive(control({ rule: 'edge', targetRatio: 1 }), 800, 0.01, (_s, rate) => ({
      probeBatchSharpness: bs(rate),
    }));
    const fixed = 0.5 ** (1 / 0.4);
    // The deadband stops it within deadbandLog / (1 − 0.6) in log η of the fixed point.
    assert.ok(Math.abs(Math.log(lr / fixed)) <= 0.05 / 0.4 + 1e-9, `lr ${lr}, fixed point ${fixed}`);
  });

  it('edge: raises and cuts half the way in log eta; never raises past the edge eta·BS = 1.8 the regimes judge, and cuts all the way past it', () => {
    const rc = control({ rule: 'edge', targetRatio: 1.5, cooldownSteps: 0, maxLogStep: 10, guard: false });
    // Fresh probes ask for 1.5/4 = 0.375 from 0.1: half the way in log eta is sqrt(0.1·0.375).
    const half = commands(drive(rc, 3, 0.1, () => ({})).decisions)[0];
    assert.ok(half !== undefined && Math.abs(half.lr - Math.sqrt(0.1 * 0.375)) < 1e-12, `${half?.lr}`);
    // The window's batch sharpness (sharp minibatches the fresh mean has not seen) caps the raise
    // at 1.8/BS = 0.15 before the halving: sqrt(0.1·0.15).
    const capped = control({
      rule: 'edge',
      targetRatio: 1.5,
      cooldownSteps: 0,
      maxLogStep: 10,
      guard: false,
    });
    const c = commands(drive(capped, 3, 0.1, () => ({ batchSharpness: 12 })).decisions)[0];
    assert.ok(c !== undefined && Math.abs(c.lr - Math.sqrt(0.1 * 0.15)) < 1e-12, `${c?.lr}`);
    // Under the edge a cut goes half the way too (cutGain): from 1 towards 0.375, sqrt(0.375).
    const cutBelow = commands(
      drive(control({ rule: 'edge', targetRatio: 1.5, maxLogStep: 10 }), 3, 1, () => ({
        batchSharpness: 1.5,
      })).decisions,
    )[0];
    assert.ok(cutBelow !== undefined && Math.abs(cutBelow.lr - Math.sqrt(0.375)) < 1e-12, `${cutBelow?.lr}`);
    // Past the edge (the window's eta·BS = 1·4 >= 1.8) it goes all the way: from 1 to 0.375 at once.
    const cutPast = commands(
      drive(control({ rule: 'edge', targetRatio: 1.5, maxLogStep: 10 }), 3, 1, () => ({
        batchSharpness: 4,
      })).decisions,
    )[0];
    assert.ok(cutPast !== undefined && Math.abs(cutPast.lr - 0.375) < 1e-12, `${cutPast?.lr}`);
  });

  it('edge: with momentum mu it keeps the effective step eta/(1 - mu) at r*(1 + mu)/BS', () => {
    const { lr } = drive(control({ rule: 'edge', targetRatio: 1 }), 400, 0.1, () => ({ momentum: 0.5 }));
    // eta = r*(1 - mu^2)/BS = 0.75/4
    assert.ok(Math.abs(lr - 0.75 / 4) / (0.75 / 4) < 0.06, `lr ${lr}`);
  });

  it('edge: measures afresh after each rate change (probes at the old rate are forgotten)', () => {
    const rc = control({
      rule: 'edge',
      targetRatio: 1,
      minWindow: 3,
      cooldownSteps: 0,
      maxLogStep: 10,
      deadbandLog: 0,
      guard: false,
      raiseGain: 1,
    });
    // Three probes at lr 0.1 with BS 4, then the command applies; at the new rate BS reads 1.
    const first = drive(rc, 3, 0.1, () => ({}));
    const c = commands(first.decisions)[0];
    assert.ok(c !== undefined && Math.abs(c.lr - 0.25) < 1e-12, `first command ${c?.lr}`);
    const next = [3, 4].map((s) => rc.decide(estimate(s, { lr: 0.25, probeBatchSharpness: 1 }), T + s));
    assert.deepEqual(
      next.map((d) => d.kind),
      ['none', 'none'],
      'two fresh probes are not yet three',
    );
    const third = rc.decide(estimate(5, { lr: 0.25, probeBatchSharpness: 1 }), T + 5);
    assert.ok(
      third.kind === 'command' && Math.abs(third.lr - 1) < 1e-12,
      'target 1/1 from fresh probes only',
    );
  });

  it('edge with polyakRatio: the loss pins the rate where the batch sharpness does not (BS = 1.6/eta)', () => {
    // eta·BS = 1.6 at every rate, over r* = 1.5: the curvature alone cuts and cuts. The probes'
    // loss 1 over |g|^2 = 5 puts the Polyak step at 0.2, and the floor a·0.2 holds it there.
    const make = (_s: number, rate: number): Partial<EstimateEvent> => ({
      probeBatchSharpness: 1.6 / rate,
      loss: 1,
      gradNorm: Math.sqrt(5),
    });
    for (const start of [0.01, 1]) {
      const { lr } = drive(control({ rule: 'edge', targetRatio: 1.5, polyakRatio: 1 }), 800, start, make);
      assert.ok(Math.abs(Math.log(lr / 0.2)) <= 0.1, `from ${start}: lr ${lr}`);
    }
    const half = drive(control({ rule: 'edge', targetRatio: 1.5, polyakRatio: 0.5 }), 800, 1, make);
    assert.ok(Math.abs(Math.log(half.lr / 0.1)) <= 0.1, `polyakRatio 0.5: lr ${half.lr}`);
    // With momentum mu the floor is a·(1 − mu²)·L/|g|^2, like the edge target.
    const heavy = drive(control({ rule: 'edge', targetRatio: 1.5, polyakRatio: 1 }), 800, 1, (s, rate) => ({
      ...make(s, rate),
      momentum: 0.5,
      probeBatchSharpness: (1.6 * 0.75) / rate,
    }));
    assert.ok(Math.abs(Math.log(heavy.lr / 0.15)) <= 0.1, `with momentum: lr ${heavy.lr}`);
    // Off (the default), or without the gradient's norm, nothing stops the cuts.
    for (const [config, extra] of [
      [{}, {}],
      [{ polyakRatio: 1 }, { gradNorm: undefined }],
    ] as const) {
      const { lr } = drive(control({ rule: 'edge', targetRatio: 1.5, ...config }), 800, 1, (s, rate) => ({
        ...make(s, rate),
        ...extra,
      }));
      assert.ok(lr < 0.05, `${JSON.stringify(config)}: lr ${lr}`);
    }
  });

  it('edge with polyakRatio: a floor, never a cap; the edge target above it wins', () => {
    // BS 4 at every rate: the edge target 1.5/4 = 0.375 is above the Polyak step 0.2.
    const { lr } = drive(control({ rule: 'edge', targetRatio: 1.5, polyakRatio: 1 }), 400, 0.01, () => ({
      loss: 1,
      gradNorm: Math.sqrt(5),
    }));
    assert.ok(Math.abs(lr - 0.375) / 0.375 < 0.06, `lr ${lr}`);
  });

  it('gradient-newton: eta = (1 - mu)/BS from an EMA; no target while BS <= 0', () => {
    const { lr } = drive(control({ rule: 'gradient-newton' }), 400, 0.01, () => ({}));
    assert.ok(Math.abs(lr - 0.25) / 0.25 < 0.06, `lr ${lr}`);
    const heavy = drive(control({ rule: 'gradient-newton' }), 400, 0.01, () => ({ momentum: 0.5 }));
    assert.ok(Math.abs(heavy.lr - 0.125) / 0.125 < 0.06, `with momentum: lr ${heavy.lr}`);
    const flat = drive(control({ rule: 'gradient-newton' }), 50, 0.01, () => ({ probeBatchSharpness: -1 }));
    assert.equal(commands(flat.decisions).length, 0);
    assert.ok(flat.decisions.some(([, d]) => d.kind === 'none' && d.why === 'no-curvature'));
  });

  it('quasi-newton stays the baseline: alpha / lambda_max', () => {
    const { lr } = drive(control({ rule: 'quasi-newton', alpha: 1 }), 400, 0.01, () => ({}));
    assert.ok(Math.abs(lr - 1 / 8) / (1 / 8) < 0.06, `lr ${lr}`);
  });

  it('warm-up: answers the first measurement step (lr 0) at once, from max(lambda_max, BS)', () => {
    const rc = control({ rule: 'edge', targetRatio: 1 });
    const d = rc.decide(estimate(0, { lr: 0, window: 1 }), T);
    // edge: warmupRatio (3) / max(8, 4), past the stability edge 2/lambda_max: the catapult.
    assert.deepEqual(d, { kind: 'command', lr: 3 / 8, previousLr: 0, reason: 'warm-up', sharpness: 8 });
    const heavy = control({ rule: 'edge', warmupRatio: 3 }).decide(
      estimate(0, { lr: 0, window: 1, momentum: 0.9 }),
      T,
    );
    assert.ok(heavy.kind === 'command' && Math.abs(heavy.lr - (3 * 0.19) / 8) < 1e-12, JSON.stringify(heavy));
    // The other rules answer with their own target from that probe.
    const newton = control({ rule: 'gradient-newton' }).decide(estimate(0, { lr: 0, window: 1 }), T);
    assert.ok(newton.kind === 'command' && Math.abs(newton.lr - 1 / 8) < 1e-12, JSON.stringify(newton));
    assert.deepEqual(rc.decide(estimate(1, { lr: 0, window: 1 }), T + 1), {
      kind: 'none',
      why: 'not-converged',
    });
    const clamped = control({ rule: 'edge', lrMax: 0.05 }).decide(estimate(0, { lr: 0, window: 1 }), T);
    assert.ok(clamped.kind === 'command' && clamped.lr === 0.05);
    const off = control({ warmup: false }).decide(estimate(0, { lr: 0, window: 1 }), T);
    assert.equal(off.kind, 'none');
  });

  it('guard: a raise followed by a consistent loss rise is undone, and caps later raises', () => {
    const rc = control({ rule: 'edge', targetRatio: 1, minWindow: 2, guardEstimates: 3 });
    // At lr 0.1 the loss is flat at 1; at any higher rate it is 1.5.
    const run = drive(rc, 200, 0.1, (_s, lr) => ({ loss: lr > 0.1 + 1e-9 ? 1.5 : 1 }));
    const all = commands(run.decisions);
    const raise = all[0];
    const undo = all.find((c) => c.reason === 'guard');
    assert.ok(raise !== undefined && raise.reason === 'edge' && raise.lr > 0.1, 'raised first');
    assert.ok(undo !== undefined && undo.lr === 0.1 && undo.previousLr === raise.lr, 'then undone');
    const ceiling = Math.sqrt(0.1 * raise.lr);
    const later = all.slice(all.indexOf(undo) + 1).filter((c) => c.lr > 0.1);
    assert.ok(
      later.every((c) => c.lr <= ceiling * Math.exp(200 / 400) + 1e-12),
      `later raises stay under the relaxing ceiling ${ceiling}: ${later.map((c) => c.lr).join(', ')}`,
    );
  });

  it('guard: a raise the trainer never applies (advise mode) does not block later raises', () => {
    const rc = control({ rule: 'edge', targetRatio: 1, minWindow: 2, guardEstimates: 3 });
    // The run stays at 0.01 whatever is commanded; the target is 0.25, far above.
    const raises = commands(drive(rc, 100, 0.01, () => ({ lr: 0.01 })).decisions);
    assert.ok(raises.length >= 5, `${raises.length} commands: the controller keeps advising the raise`);
  });

  it('guard: noise around a falling loss undoes nothing', () => {
    const rc = control({ rule: 'edge', targetRatio: 1, minWindow: 2 });
    const noisy = [1, 0.6, 1.3, 0.8, 1.1, 0.7];
    const run = drive(rc, 300, 0.01, (s) => ({ loss: (noisy[s % noisy.length] ?? 1) * (1 - s / 600) }));
    assert.equal(commands(run.decisions).filter((c) => c.reason === 'guard').length, 0);
    assert.ok(Math.abs(run.lr - 0.25) / 0.25 < 0.06, `still reaches the target: ${run.lr}`);
  });

  it('horizon: the target decays as (1 - step/horizonSteps)', () => {
    const { decisions } = drive(
      control({ rule: 'edge', targetRatio: 1, horizonSteps: 400, cutGain: 1 }),
      300,
      0.25,
      () => ({}),
    );
    const last = commands(decisions).at(-1);
    const [step] = decisions.filter(([, d]) => d === last)[0] ?? [0];
    assert.ok(
      last !== undefined && Math.abs(last.lr - 0.25 * (1 - step / 400)) < 1e-12,
      `${last?.lr} at ${step}`,
    );
  });

  it('brakes on a positive exponent only past the edge, never below it', () => {
    const below = drive(control({ rule: 'edge' }), 40, 0.1, (s) => ({
      lyapunov: [0.05],
      exponentSide: 'stability',
      stabilityRatio: 1.5,
      loss: 1 + 0.1 * s,
    }));
    assert.equal(commands(below.decisions).filter((c) => c.reason === 'brake').length, 0);
    const past = drive(control({ rule: 'edge' }), 40, 0.1, (s) => ({
      lyapunov: [0.05],
      exponentSide: 'stability',
      stabilityRatio: 2.5,
      loss: 1 + 0.1 * s,
    }));
    assert.ok(commands(past.decisions).some((c) => c.reason === 'brake'));
  });
});
