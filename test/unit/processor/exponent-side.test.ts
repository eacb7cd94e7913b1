import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_REGIME_THRESHOLDS } from '../../../src/dynamics/index.js';
import { RunEstimator } from '../../../src/processor/run-estimator.js';
import { simulateQuadraticRun } from '../../../src/simulate/index.js';

function lastEstimate(spectrum: number[], lr: number) {
  const estimator = new RunEstimator(10, DEFAULT_REGIME_THRESHOLDS);
  for (const e of simulateQuadraticRun({ runId: 'q', spectrum, lr, steps: 200, seed: 4 })) {
    if (e.type === 'gradient' && e.probe !== undefined) estimator.addProbe(e.probe);
  }
  return estimator.snapshot(lr);
}

describe('processor > which side the exponent is on', () => {
  it('says negative-curvature when 1 + η|λ_min| beats |1 − ηλ_max|, with both sides predicted', () => {
    // η = 0.1 on {4, 2, 1, −0.5}: |1 − 0.4| = 0.6 < 1.05 = 1 + 0.05.
    const e = lastEstimate([4, 2, 1, -0.5], 0.1);
    assert.equal(e.exponentSide, 'negative-curvature');
    assert.ok(Math.abs(e.lyapunov[0]! - Math.log(1.05)) < 1e-3, `λ₁ ${e.lyapunov[0]}`);
    assert.ok(Math.abs(e.predictedStabilityExponent! - Math.log(0.6)) < 1e-3);
    assert.ok(e.lyapunov[0]! > 0 && e.predictedStabilityExponent! < 0, 'a positive exponent on a stable run');
  });

  it('says stability when the sharpest direction expands (η·λ_max > 2), and the two agree', () => {
    // η = 0.6 on {4, 2, 1, −0.5}: |1 − 2.4| = 1.4 > 1.3 = 1 + 0.3.
    const e = lastEstimate([4, 2, 1, -0.5], 0.6);
    assert.equal(e.exponentSide, 'stability');
    assert.ok(Math.abs(e.lyapunov[0]! - Math.log(1.4)) < 1e-3, `λ₁ ${e.lyapunov[0]}`);
    assert.ok(Math.abs(e.predictedStabilityExponent! - e.lyapunov[0]!) < 1e-3);
  });
});
