import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  analyzeSweep,
  armSummaries,
  bestConstantLr,
  compareExponents,
  exponentByLr,
  medianWithMisses,
  sharpnessFit,
  sidesByLr,
} from '../../../src/sweep/analysis.js';
import { late, record } from './support.js';

const close = (a: number | undefined | null, b: number, tol = 1e-9): void => {
  assert.ok(a !== undefined && a !== null && Math.abs(a - b) <= tol, `${a} vs ${b}`);
};

describe('sweep > analysis > sharpnessFit', () => {
  it('finds slope 1 and coefficient 1 when λ_max = 1/η exactly', () => {
    const runs = [0.01, 0.02, 0.04, 0.08, 0.16].map((lr) => record({ lr }));
    const fit = sharpnessFit(runs);
    close(fit?.slope, 1);
    close(fit?.coefficient, 1);
    close(fit?.slopeCi95[0], 1);
    close(fit?.slopeCi95[1], 1);
  });

  it('finds λ_max = 0.5·(1/η)^0.8 and uses only completed constant-rate runs', () => {
    const lrs = [0.01, 0.03, 0.1, 0.3];
    const runs = [
      ...lrs.map((lr) => record({ lr }, { late: late({ sharpness: 0.5 * (1 / lr) ** 0.8 }) })),
      record({ lr: 1 }, { status: 'diverged', late: late({ sharpness: 1e6 }) }),
      record({ lr: 0.05, arm: 'controller', alpha: 1 }, { late: late({ sharpness: 1e6 }) }),
      record({ lr: 0.05, seed: 2 }, { status: 'failed', late: null }),
    ];
    const fit = sharpnessFit(runs);
    close(fit?.slope, 0.8);
    close(fit?.coefficient, 0.5);
    assert.deepEqual(
      fit?.runIds,
      runs.slice(0, 4).map((r) => r.id),
    );
  });

  it('leaves out collapsed runs (accuracy below twice chance, or the loss of a constant output)', () => {
    const runs = [
      ...[0.01, 0.1].map((lr) => record({ lr })),
      record({ lr: 0.05 }, { finalAccuracy: 0.1, late: late({ sharpness: 1 }) }),
      record({ lr: 0.5 }, { finalAccuracy: 0.22, finalLoss: 2.3, late: late({ sharpness: 0.1 }) }),
    ];
    assert.deepEqual(sharpnessFit(runs)?.runIds, [runs[0]?.id, runs[1]?.id]);
    close(sharpnessFit(runs)?.slope, 1);
    assert.equal(analyzeSweep(runs).counts.collapsed, 2);
  });

  it('is null with fewer than two usable runs', () => {
    assert.equal(sharpnessFit([record({ lr: 0.1 })]), null);
  });
});

describe('sweep > analysis > arms', () => {
  it('picks the constant rate with the lowest mean final loss among those that completed for every seed', () => {
    const runs = [
      record({ lr: 0.1, seed: 1 }, { finalLoss: 0.4 }),
      record({ lr: 0.1, seed: 2 }, { finalLoss: 0.6 }),
      record({ lr: 0.3, seed: 1 }, { finalLoss: 0.45 }),
      record({ lr: 0.3, seed: 2 }, { finalLoss: 0.46 }),
      record({ lr: 1, seed: 1 }, { finalLoss: 0.1 }),
      record({ lr: 1, seed: 2 }, { status: 'diverged', finalLoss: 5 }),
      record({ lr: 2, arm: 'controller', alpha: 1 }, { finalLoss: 0.01 }),
    ];
    assert.equal(bestConstantLr(runs), 0.3);
    assert.equal(bestConstantLr([record({ lr: 1 }, { status: 'diverged' })]), undefined);
  });

  it('takes the median steps to target with misses counted as never', () => {
    assert.equal(medianWithMisses([100, 200, null]), 200);
    assert.equal(medianWithMisses([100, null, null]), undefined);
    assert.equal(medianWithMisses([100, null]), undefined);
    assert.equal(medianWithMisses([100, 300]), 200);
  });

  it('summarises each arm over its seeds: constants by rate, then schedules, then controllers', () => {
    const arms = armSummaries([
      record({ lr: 0.1, arm: 'controller', alpha: 2, seed: 1 }, { stepsToTarget: 80 }),
      record({ lr: 0.3, seed: 1 }, { stepsToTarget: 120 }),
      record({ lr: 0.3, seed: 2 }, { stepsToTarget: null, status: 'diverged' }),
      record({ lr: 0.1, seed: 1 }, { stepsToTarget: 300, finalAccuracy: 0.8 }),
      record({ lr: 0.1, seed: 2 }, { stepsToTarget: 200, finalAccuracy: 0.9 }),
      record({ lr: 0.3, arm: 'schedule', schedule: 'cosine' }, { stepsToTarget: 90 }),
    ]);
    assert.deepEqual(
      arms.map((a) => a.label),
      ['η = 0.1', 'η = 0.3', 'cosine from η = 0.3', 'quasi-newton α = 2 from η = 0.1'],
    );
    const [slow, fast] = arms;
    assert.equal(slow?.medianStepsToTarget, 250);
    close(slow?.meanFinalAccuracy, 0.85);
    assert.equal(fast?.medianStepsToTarget, null);
    assert.equal(fast?.diverged, 1);
    assert.deepEqual(fast?.stepsToTarget, [120, null]);
  });
});

describe('sweep > analysis > compareExponents and analyzeSweep', () => {
  it('correlates the measured exponent with the predictions and measures the excess', () => {
    const runs = [1, 2, 3, 4].map((i) =>
      record(
        { lr: 0.1 * i },
        {
          late: late({
            topExponent: 0.02 * i,
            negativeCurvaturePrediction: 0.01 * i,
            predictedExponent: 0.01 * i,
            offEigenSine: 0.5,
          }),
        },
      ),
    );
    const e = compareExponents(runs);
    close(e.pearsonNegativeCurvature, 1);
    close(e.pearsonPredicted, 1);
    close(e.medianRatio, 2);
    close(e.medianExcess, 0.025);
    close(e.medianOffEigenSine, 0.5);
  });

  it("compares the exponent with each side's prediction over the constant-rate runs that carry it", () => {
    const runs = [1, 2, 3, 4].map((i) =>
      record(
        { lr: 0.1 * i },
        {
          late: late({
            topExponent: 0.02 * i,
            stabilityPrediction: -0.5 * i,
            // h_min tracked by three runs only
            ...(i < 4 ? { minCurvaturePrediction: 0.04 * i } : {}),
          }),
        },
      ),
    );
    // A controlled run far off both lines: left out, its rate moved.
    runs.push(
      record(
        { lr: 0.1, arm: 'controller', rule: 'edge' },
        { late: late({ topExponent: 5, stabilityPrediction: 5, minCurvaturePrediction: 5 }) },
      ),
    );
    const e = compareExponents(runs);
    assert.equal(e.stabilitySide.n, 4);
    close(e.stabilitySide.pearson, -1);
    close(e.stabilitySide.medianRatio, -0.04);
    assert.equal(e.negativeCurvatureSide.n, 3);
    close(e.negativeCurvatureSide.pearson, 1);
    close(e.negativeCurvatureSide.medianRatio, 0.5);
    close(e.negativeCurvatureSide.medianExcess, -0.04);
    const none = compareExponents([record({ lr: 0.1 })]);
    assert.deepEqual(none.negativeCurvatureSide, {
      n: 0,
      pearson: null,
      medianRatio: null,
      medianExcess: null,
    });
  });

  it('tabulates λ_max and the batch sharpness against 1/η, and both predictions, per constant rate', () => {
    const rows = sidesByLr([
      record(
        { lr: 0.1, seed: 1 },
        { late: late({ sharpness: 10, etaLambda: 1, batchSharpness: 4, minCurvature: -2 }) },
      ),
      record({ lr: 0.1, seed: 2 }, { late: late({ sharpness: 20, etaLambda: 2, batchSharpness: 6 }) }),
      record({ lr: 0.2 }, { late: late({ sharpness: 5, etaLambda: 1, negativeSideShare: 0.25 }) }),
    ]);
    assert.deepEqual(
      rows.map((r) => [r.lr, r.n, r.sharpness, r.batchSharpness, r.minCurvature]),
      [
        [0.1, 2, 15, 5, -2],
        [0.2, 1, 5, null, null],
      ],
    );
    close(rows[0]?.etaBatchSharpness, 0.5);
    assert.equal(rows[1]?.negativeSideShare, 0.25);
    // The batch sharpness's own log-log fit on 1/η, like λ_max's.
    const fit = sharpnessFit(
      [0.01, 0.02, 0.04, 0.08].map((lr) => record({ lr }, { late: late({ batchSharpness: 2 / lr }) })),
      (l) => l.batchSharpness,
    );
    close(fit?.slope, 1);
    close(fit?.coefficient, 2);
  });

  it('tabulates the excess of the measured exponent per constant rate, and scales it by η²/2', () => {
    const rows = exponentByLr([
      record({ lr: 0.1, seed: 1 }, { late: late({ localExponent: 0.003, localPredicted: 0.001 }) }),
      record({ lr: 0.1, seed: 2 }, { late: late({ localExponent: 0.005, localPredicted: 0.001 }) }),
      record({ lr: 0.2 }, { late: late({ localExponent: 0.01, localPredicted: -0.01, offEigenSine: 0.5 }) }),
      record({ lr: 0.2, arm: 'controller', alpha: 1 }, { late: late({ localExponent: 9 }) }),
    ]);
    assert.deepEqual(
      rows.map((r) => [r.lr, r.n]),
      [
        [0.1, 2],
        [0.2, 1],
      ],
    );
    close(rows[0]?.excess, 0.003);
    close(rows[0]?.excessOverHalfEta2, 0.6);
    close(rows[1]?.excessOverHalfEta2, 1);
    assert.equal(rows[1]?.offEigenSine, 0.5);
  });

  it('groups runs by model and loss and counts their outcomes', () => {
    const a = analyzeSweep([
      record({ lr: 0.1 }),
      record({ lr: 0.2 }),
      record(
        { lr: 0.1, group: 'cnn-mse', model: 'cnn', loss: 'mse' },
        { late: late({ sharpness: 3, etaLambda: 0.3 }), finalLoss: 0.1 },
      ),
      record({ lr: 0.4, group: 'cnn-mse', model: 'cnn', loss: 'mse' }, { status: 'diverged', late: null }),
      record({ lr: 0.8, group: 'cnn-mse', model: 'cnn', loss: 'mse' }, { status: 'failed', late: null }),
    ]);
    assert.deepEqual(a.counts, { runs: 5, completed: 3, collapsed: 0, diverged: 1, failed: 1, stopped: 0 });
    assert.deepEqual(
      a.groups.map((g) => [g.group, g.fit?.n ?? 0, g.etaLambda?.n ?? 0]),
      [
        ['mlp-ce', 2, 2],
        ['cnn-mse', 0, 1],
      ],
    );
    assert.equal(a.etaLambda?.n, 3);
    close(a.etaLambda?.median, 1);
  });
});
