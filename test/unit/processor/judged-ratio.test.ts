import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_REGIME_THRESHOLDS } from '../../../src/dynamics/index.js';
import type { Probe } from '../../../src/events/index.js';
import { RunEstimator } from '../../../src/processor/run-estimator.js';
import { RegimeAlerts } from '../../../src/alerts/index.js';
import { estimateAt } from '../../helpers/events.js';

const probe = (lambdaMax: number, batchSharpness?: number): Probe => ({
  eps: 1e-3,
  hvps: 2,
  sharpness: { rayleigh: [[lambdaMax]] },
  ...(batchSharpness === undefined ? {} : { batchSharpness }),
});

function regimeAfter(lr: number, probes: Probe[]): string {
  const estimator = new RunEstimator(5, DEFAULT_REGIME_THRESHOLDS);
  for (const p of probes) estimator.addProbe(p);
  return estimator.snapshot(lr).regime;
}

describe('processor > the stability side is judged on η·BS when the probes measure it', () => {
  it("is not unstable when a minibatch's λ_max stands past 2/η but the step along g is stable", () => {
    // η·λ_max = 2.5, η·BS = 0.9: healthy SGD as npm start shows it.
    assert.equal(regimeAfter(0.5, [probe(5, 1.8), probe(5, 1.8), probe(5, 1.8)]), 'converging');
  });

  it('is unstable past η·BS = 2, and at the edge from 1.8, whatever λ_max says', () => {
    assert.equal(regimeAfter(0.5, [probe(5, 4.4), probe(5, 4.4), probe(5, 4.4)]), 'unstable');
    assert.equal(regimeAfter(0.5, [probe(5, 3.8), probe(5, 3.8), probe(5, 3.8)]), 'edge');
  });

  it('judges η·λ_max when the probes carry no batch sharpness, as before', () => {
    assert.equal(regimeAfter(0.5, [probe(5), probe(5), probe(5)]), 'unstable');
    assert.equal(regimeAfter(0.5, [probe(3), probe(3), probe(3)]), 'converging');
  });

  it('names the ratio it judged in the critical alert', () => {
    const alerts = new RegimeAlerts();
    const unstable = {
      lr: 0.5,
      regime: 'unstable',
      sharpness: 5,
      stabilityRatio: 2.5,
      batchSharpness: 4.4,
      batchStabilityRatio: 2.2,
    } as const;
    // 2.2 is not far past the bound: the alert waits for a second estimate.
    assert.deepEqual(alerts.observe(estimateAt(5, unstable)), []);
    const fired = alerts.observe(estimateAt(10, unstable));
    assert.equal(fired.length, 1);
    assert.match(fired[0]?.message ?? '', /unstable: η·BS = 2\.20 > 2 \(η 0\.500, BS 4\.40, λ_max 5\.00\)/);
    assert.equal(fired[0]?.value, 2.2);
  });
});
