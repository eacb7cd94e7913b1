import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  bestRate,
  failedToTrain,
  firingSteps,
  instabilityEvent,
  quantile,
  relabel,
  scoreAlerts,
  type RelabelledEstimate,
  smoothedLoss,
  type ScoredAlert,
} from '../../../bench/suites/alert-scoring.js';
import type { Regime } from '../../../src/dynamics/index.js';

const LABEL = { halfLifeSteps: 10, warmupSteps: 50, factor: 3, failedShare: 0.5 };

describe('bench > alert-scoring > smoothedLoss', () => {
  it('halves the distance to a new level every half-life', () => {
    const s = smoothedLoss([0, ...new Array<number>(20).fill(1)], 10);
    assert.equal(s[0], 0);
    assert.ok(Math.abs((s[10] ?? NaN) - 0.5) < 1e-12);
    assert.ok(Math.abs((s[20] ?? NaN) - 0.75) < 1e-12);
  });
});

describe('bench > alert-scoring > instabilityEvent', () => {
  it('finds no event in a decreasing loss', () => {
    assert.equal(
      instabilityEvent(
        Array.from({ length: 300 }, (_, t) => 2 / (1 + t / 20)),
        LABEL,
      ),
      undefined,
    );
  });

  it('labels the first non-finite loss, even during the warm-up', () => {
    assert.equal(instabilityEvent([2, 1.5, Number.NaN, Number.POSITIVE_INFINITY], LABEL), 2);
    assert.equal(instabilityEvent([2, 1.5, Number.POSITIVE_INFINITY], LABEL), 2);
  });

  it('labels the first step whose EMA exceeds 3x its minimum since the warm-up', () => {
    // Flat at 1, then 10 from step 100: the EMA passes 3 when 1 + 9(1 − 2^(−(k+1)/10)) > 3,
    // i.e. at the k = 3rd step of the jump (1 − 2^(−0.4) = 0.242 > 2/9; 2^(−0.3) gives 0.188).
    const losses = [...new Array<number>(100).fill(1), ...new Array<number>(50).fill(10)];
    assert.equal(instabilityEvent(losses, LABEL), 103);
  });

  it('ignores a spike inside the warm-up and compares with the minimum from the warm-up on', () => {
    const losses = [
      ...new Array<number>(20).fill(1),
      ...new Array<number>(20).fill(50),
      ...new Array<number>(200).fill(1),
    ];
    // At step 50 the EMA is still decaying from ~50, and its minimum is taken from there: no event.
    assert.equal(instabilityEvent(losses, LABEL), undefined);
  });
});

describe('bench > alert-scoring > failedToTrain', () => {
  it('tells a run that learned from one whose loss stays near its start', () => {
    const learned = Array.from({ length: 300 }, (_, t) => 2.3 / (1 + t / 20));
    assert.equal(failedToTrain(learned, LABEL), false);
    // Near ln 10 throughout, a little noise: the EMA ends at ~2.3, above half of 2.3.
    const stuck = Array.from({ length: 300 }, (_, t) => 2.3 + 0.05 * Math.sin(t));
    assert.equal(failedToTrain(stuck, LABEL), true);
    // Ends at 0.6 of the first loss: above the share, failed; at 0.4, learned.
    const flat = (x: number): number[] => [1, ...new Array<number>(299).fill(x)];
    assert.equal(failedToTrain(flat(0.6), LABEL), true);
    assert.equal(failedToTrain(flat(0.4), LABEL), false);
    assert.equal(failedToTrain([1, 0.2, Number.NaN], LABEL), true);
  });
});

describe('bench > alert-scoring > scoreAlerts', () => {
  it('scores a hand-made set of runs', () => {
    const runs = [
      // Event at 100: the alert at 60 leads it by 40 (in the horizon), 100 is at the event (lead 0)
      // but later than the first, 120 is after it, 10 is too early (not followed within 50).
      { steps: 200, event: 100, firings: [10, 60, 100, 120] },
      // Event at 80, nothing fired: a miss.
      { steps: 80, event: 80, firings: [] },
      // Event at 150 with one firing at 145: lead 5.
      { steps: 160, event: 150, firings: [145] },
      // No event: 2 false alarms over 500 steps, then 1 over 500.
      { steps: 500, event: undefined, firings: [30, 400] },
      { steps: 500, event: undefined, firings: [7] },
    ];
    const s = scoreAlerts(runs, 50);
    assert.equal(s.alerts, 8);
    assert.equal(s.truePositives, 3); // 60, 100, 145
    assert.equal(s.afterEvent, 1);
    assert.equal(s.precision, 3 / 8);
    assert.equal(s.precisionBeforeEvent, 3 / 7);
    assert.equal(s.events, 3);
    assert.equal(s.detected, 2);
    assert.equal(s.recall, 2 / 3);
    assert.deepEqual(s.leadTimes, [5, 40]);
    assert.equal(s.leadMedian, 22.5);
    assert.equal(s.leadQ1, 13.75);
    assert.equal(s.leadQ3, 31.25);
    assert.equal(s.quietRuns, 2);
    assert.equal(s.quietSteps, 1000);
    assert.equal(s.falseAlarms, 3);
    assert.equal(s.falseAlarmsPer1000, 3);
  });

  it('counts the horizon inclusively at both ends', () => {
    const s = scoreAlerts([{ steps: 100, event: 60, firings: [10] }], 50);
    assert.equal(s.truePositives, 1);
    assert.equal(s.recall, 1);
    assert.deepEqual(s.leadTimes, [50]);
    assert.equal(scoreAlerts([{ steps: 100, event: 61, firings: [10] }], 50).recall, 0);
  });

  it('gives NaN where there is nothing to divide by', () => {
    const s = scoreAlerts([], 50);
    assert.ok(Number.isNaN(s.precision) && Number.isNaN(s.recall) && Number.isNaN(s.leadMedian));
    assert.ok(Number.isNaN(s.falseAlarmsPer1000));
  });
});

describe('bench > alert-scoring > helpers', () => {
  it('interpolates quantiles between ranks', () => {
    assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
    assert.equal(quantile([7], 0.25), 7);
    assert.ok(Number.isNaN(quantile([], 0.5)));
  });

  it('keeps only the firing transitions of the selected alerts', () => {
    const alerts: ScoredAlert[] = [
      { name: 'A', severity: 'warning', state: 'firing', step: 5 },
      { name: 'A', severity: 'warning', state: 'resolved', step: 9 },
      { name: 'B', severity: 'critical', state: 'firing', step: 9 },
    ];
    assert.deepEqual(
      firingSteps(alerts, () => true),
      [5, 9],
    );
    assert.deepEqual(
      firingSteps(alerts, (a) => a.severity === 'critical'),
      [9],
    );
  });
});

describe('bench > alert-scoring > bestRate', () => {
  it('takes the lowest mean final loss among the rates with no event on any seed', () => {
    const rows = [
      { lr: 0.5, finals: [0.3, 0.31], events: [undefined, undefined] },
      { lr: 1, finals: [0.12, 0.15], events: [undefined, undefined] },
      // Lower on one seed, an event on the other: not a candidate.
      { lr: 2, finals: [0.05, Number.NaN], events: [undefined, 12] },
      { lr: 1.5, finals: [0.14, 0.16], events: [undefined, undefined] },
    ];
    assert.equal(bestRate(rows), 1);
  });

  it('says so when no rate trained without an event', () => {
    assert.throws(() => bestRate([{ lr: 4, finals: [2.3], events: [60] }]), /no scanned rate/);
  });
});

describe('bench > alert-scoring > relabel', () => {
  // An estimate with `window` probes in its window, judged on its batch ratio.
  const at = (window: number, ratio: number, regime: Regime, momentum?: number): RelabelledEstimate => ({
    regime,
    window,
    lyapunov: [],
    stabilityRatio: 99,
    batchStabilityRatio: ratio,
    ...(momentum === undefined ? {} : { momentum }),
  });

  it('judges the first two probes by the early ratio, both ways, and leaves later ones alone', () => {
    const got = relabel(
      [at(1, 6.5, 'unstable'), at(2, 9, 'unknown'), at(2, 1, 'converging'), at(3, 6.5, 'unstable')],
      {
        earlyRatio: 8,
      },
    );
    assert.deepEqual(
      got.map((e) => e.regime),
      ['unknown', 'unstable', 'converging', 'unstable'],
    );
    // With momentum μ the early ratio scales by 1 + μ: 8 × 1.9 = 15.2.
    assert.equal(relabel([at(1, 15, 'unstable', 0.9)], { earlyRatio: 8 })[0]?.regime, 'unknown');
  });

  it('from the third probe, keeps unstable only past the margin times the bound', () => {
    const got = relabel([at(3, 2.15, 'unstable'), at(4, 2.25, 'unstable'), at(1, 2.15, 'unstable')], {
      margin: 1.1,
    });
    assert.deepEqual(
      got.map((e) => e.regime),
      ['edge', 'unstable', 'unstable'],
    );
  });

  it('without a what-if, changes nothing', () => {
    const estimates = [at(1, 6.5, 'unstable')];
    assert.deepEqual(relabel(estimates, {}), estimates);
  });
});
