import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_REGIME_THRESHOLDS } from '../../../src/dynamics/index.js';
import type { Probe } from '../../../src/events/index.js';
import { RunEstimator } from '../../../src/processor/run-estimator.js';

const WINDOW = 5;
const probe = (hMin: number): Probe => ({
  eps: 1e-3,
  hvps: 3,
  sharpness: { rayleigh: [[2]] },
  minCurvature: { value: hMin, residual: 1e-3 },
});

describe('processor > h_min, the negative-curvature side', () => {
  it('reports the window median of h_min and log(1 + η·|h_min|), and carries it through a snapshot', () => {
    const values = [-0.2, -0.5, -0.1, -0.4, -0.3, -0.6, -0.25];
    const estimator = new RunEstimator(WINDOW, DEFAULT_REGIME_THRESHOLDS);
    for (const h of values.slice(0, 4)) estimator.addProbe(probe(h));
    const restored = RunEstimator.fromState(WINDOW, DEFAULT_REGIME_THRESHOLDS, estimator.state());
    for (const h of values.slice(4)) {
      estimator.addProbe(probe(h));
      restored.addProbe(probe(h));
    }
    const lr = 0.5;
    const fields = estimator.snapshot(lr);
    // The last five: −0.1, −0.4, −0.3, −0.6, −0.25 → median −0.3.
    assert.equal(fields.minCurvature, -0.3);
    assert.ok(Math.abs((fields.predictedCurvatureExponent ?? 0) - Math.log(1 + lr * 0.3)) < 1e-15);
    assert.deepEqual(restored.snapshot(lr), fields);
  });

  it('predicts no exploration for a positive h_min, and reports nothing without the field', () => {
    const estimator = new RunEstimator(WINDOW, DEFAULT_REGIME_THRESHOLDS);
    estimator.addProbe(probe(0.05));
    assert.equal(estimator.snapshot(1).predictedCurvatureExponent, 0);
    const without = new RunEstimator(WINDOW, DEFAULT_REGIME_THRESHOLDS);
    without.addProbe({ eps: 1e-3, hvps: 2, sharpness: { rayleigh: [[2]] } });
    assert.equal(without.snapshot(1).minCurvature, undefined);
    assert.equal(without.snapshot(1).predictedCurvatureExponent, undefined);
    const older = without.state();
    assert.equal(older.minCurvature, undefined, 'snapshots without it stay as they were');
  });
});
