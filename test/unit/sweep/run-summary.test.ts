import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { breakdownOf, lateStats, offEigenSine, summarizeRun } from '../../../src/sweep/run-summary.js';
import { estimate } from './support.js';

const close = (a: number | undefined, b: number, tol = 1e-12): void => {
  assert.ok(a !== undefined && Math.abs(a - b) <= tol, `${a} vs ${b}`);
};

describe('sweep > offEigenSine', () => {
  it('is 0 when the tangent vector is an eigenvector: G = (1 − ηr)²', () => {
    close(offEigenSine({ step: 0, eta: 0.1, gram: 0.64, rayleigh: 2 }), 0, 1e-6);
  });

  it('recovers sin∠(v, Hv) from G and r alone: H = diag(1, 3), v = (1, 1)/√2', () => {
    // r = 2, Hv = (1, 3)/√2, ‖Hv‖² = 5, sin² = 1 − r²/‖Hv‖² = 0.2; G = 1 − 2ηr + η²‖Hv‖² = 0.65
    close(offEigenSine({ step: 0, eta: 0.1, gram: 0.65, rayleigh: 2 }), Math.sqrt(0.2), 1e-12);
  });
});

describe('sweep > lateStats', () => {
  it('takes medians over the last half of the probes, diverged and empty-window estimates excluded', () => {
    const estimates = [
      ...Array.from({ length: 10 }, (_, s) =>
        estimate(s * 5, {
          sharpness: s,
          lyapunov: [s / 100],
          curvature: [-0.5],
          predictedLyapunov: [Math.log1p(0.05)],
        }),
      ),
      estimate(100, { window: 0, sharpness: 1000 }),
      estimate(105, { regime: 'diverged', sharpness: 1000 }),
    ];
    const probes = [
      { step: 0, eta: 0.1, gram: 100, rayleigh: 0 }, // before the late half: ignored
      { step: 25, eta: 0.1, gram: 0.64, rayleigh: 2 },
      { step: 45, eta: 0.1, gram: 0.65, rayleigh: 2 },
    ];
    const l = lateStats(estimates.reverse(), probes);
    assert.ok(l !== null);
    assert.equal(l.probes, 5);
    assert.equal(l.sharpness, 7);
    close(l.etaLambda, 0.7);
    close(l.topExponent, 0.07);
    assert.equal(l.curvature, -0.5);
    close(l.negativeCurvaturePrediction, Math.log1p(0.05));
    close(l.predictedExponent, Math.log1p(0.05));
    close(l.localExponent, (Math.log(0.8) + 0.5 * Math.log(0.65)) / 2);
    close(l.localPredicted, Math.log(0.8));
    close(l.offEigenSine, Math.sqrt(0.2) / 2, 1e-6);
  });

  it("adds the two sides' predictions, h_min and the batch sharpness where the estimates carry them", () => {
    const estimates = Array.from({ length: 4 }, (_, s) =>
      estimate(s * 5, {
        batchSharpness: 2 + s,
        predictedStabilityExponent: -0.1 * s,
        minCurvature: -s,
        predictedCurvatureExponent: 0.01 * s,
        exponentSide: s === 3 ? 'negative-curvature' : 'stability',
      }),
    );
    const probes = [{ step: 15, eta: 0.1, gram: 0.64, rayleigh: 2 }];
    const l = lateStats(estimates, probes);
    assert.ok(l !== null);
    // The late half: steps 10 and 15.
    close(l.batchSharpness, 4.5);
    close(l.stabilityPrediction, -0.25);
    close(l.minCurvature, -2.5);
    close(l.minCurvaturePrediction, 0.025);
    close(l.negativeSideShare, 0.5);
    const bare = lateStats([estimate(0), estimate(5)], [{ step: 5, eta: 0.1, gram: 0.64, rayleigh: 2 }]);
    assert.ok(bare !== null);
    assert.deepEqual(
      [
        'batchSharpness',
        'stabilityPrediction',
        'minCurvature',
        'minCurvaturePrediction',
        'negativeSideShare',
      ].filter((k) => k in bare),
      [],
    );
  });

  it('is null without a usable estimate', () => {
    assert.equal(lateStats([estimate(0, { window: 0 })], []), null);
  });
});

describe('sweep > summarizeRun', () => {
  const spec = {
    id: 'r',
    group: 'mlp-ce',
    arm: 'constant',
    model: 'mlp',
    loss: 'cross-entropy',
    lr: 0.1,
    seed: 1,
  } as const;

  it('reports steps to target, final smoothed loss and accuracy, and thins the series', () => {
    const losses = Array.from({ length: 1000 }, (_, s) => 2 * 0.99 ** s);
    const r = summarizeRun(
      spec,
      {
        status: 'completed',
        wallSeconds: 3,
        cpuSeconds: 2,
        finalLr: 0.1,
        commands: 0,
        applied: [],
        losses,
        probes: Array.from({ length: 300 }, (_, step) => ({ step, eta: 0.1, gram: 0.81, rayleigh: 1 })),
        estimates: Array.from({ length: 300 }, (_, i) => estimate(i)),
        evals: [
          { step: 1, accuracy: 0.1, loss: 2 },
          { step: 1000, accuracy: 0.95, loss: 0.1 },
        ],
      },
      { targetLoss: 0.5, lossHalfLifeSteps: 1e-9, spikeHorizonSteps: 50 },
    );
    // A half-life far below one step is no smoothing: 2·0.99^t ≤ 0.5 first at t = 138.
    assert.equal(r.stepsToTarget, 138);
    close(r.finalLoss ?? NaN, 2 * 0.99 ** 999, 1e-12);
    assert.equal(r.finalAccuracy, 0.95);
    assert.equal(r.stepsDone, 1000);
    assert.ok(r.series.step.length <= 101 && r.series.step.at(-1) === 299);
    assert.ok(r.lossCurve.step.length <= 201 && r.lossCurve.step.at(-1) === 999);
    assert.equal(r.late?.probes, 150);
  });

  it('records a diverged run with its loss up to the divergence and no target reached', () => {
    const r = summarizeRun(
      spec,
      {
        status: 'diverged',
        wallSeconds: 1,
        cpuSeconds: 1,
        finalLr: 0.1,
        commands: 0,
        applied: [],
        losses: [2, 3, 50, NaN],
        probes: [],
        estimates: [estimate(0), estimate(3, { regime: 'diverged' })],
        evals: [],
      },
      { targetLoss: 0.5, lossHalfLifeSteps: 1, spikeHorizonSteps: 50 },
    );
    assert.equal(r.status, 'diverged');
    assert.equal(r.breakdown, 'diverged');
    assert.equal(r.breakdownByCommand, false);
    assert.equal(r.stepsDone, 4);
    assert.equal(r.stepsToTarget, null);
    assert.equal(r.finalAccuracy, null);
    assert.deepEqual(r.series.step, [0]);
    assert.ok(Object.values(JSON.parse(JSON.stringify(r)) as object).every((v) => v !== undefined));
  });

  it('records the applied commands, the spikes after them, and a collapse that a raise caused', () => {
    // Smoothing off: the smoothed loss is the loss. Running minimum 1 up to step 3; the raise at
    // step 4 is followed by 2.5 at step 6 (a spike); the cut at step 8 by nothing above 2 × 1.
    const losses = [3, 2, 1.2, 1, 1.1, 1.5, 2.5, 2, 1.9, 1.5, 1.2, 1];
    const applied = [
      { step: 4, fromLr: 0.1, lr: 0.2 },
      { step: 8, fromLr: 0.2, lr: 0.1 },
    ];
    const r = summarizeRun(
      { ...spec, arm: 'controller', rule: 'edge' },
      {
        status: 'completed',
        wallSeconds: 1,
        cpuSeconds: 1,
        finalLr: 0.1,
        commands: 2,
        applied,
        losses,
        probes: [],
        estimates: [],
        evals: [
          { step: 3, accuracy: 0.5, loss: 1 },
          { step: 12, accuracy: 0.15, loss: 2 },
        ],
      },
      { targetLoss: 0.5, lossHalfLifeSteps: 1e-9, spikeHorizonSteps: 3 },
    );
    assert.deepEqual(
      r.appliedCommands.map((c) => [c.step, c.spike]),
      [
        [4, true],
        [8, false],
      ],
    );
    close(r.appliedCommands[0]?.peakRatio ?? NaN, 2.5, 1e-12);
    assert.equal(r.commandSpikes, 1);
    assert.equal(r.breakdown, 'collapsed');
    // The network had learned (accuracy 0.5 after 3 steps) when the rate was raised at step 4.
    assert.equal(r.breakdownByCommand, true);
    // Raised before it had learned anything, or only lowered: not the commands' doing.
    const unlearned = { ...r, evals: { step: [12], accuracy: [0.15], loss: [2] } };
    assert.equal(breakdownOf(unlearned, undefined).breakdownByCommand, false);
    const cutOnly = { ...r, appliedCommands: r.appliedCommands.slice(1) };
    assert.equal(breakdownOf(cutOnly, undefined).breakdownByCommand, false);
    // A divergence counts a raise before the diverging step.
    const diverged = { ...unlearned, status: 'diverged' as const };
    assert.equal(breakdownOf(diverged, 11).breakdownByCommand, true);
    assert.equal(breakdownOf(diverged, 4).breakdownByCommand, false);
  });
});
