import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_REGIME_THRESHOLDS } from '../../../src/dynamics/index.js';
import type { Probe } from '../../../src/events/index.js';
import { RunEstimator } from '../../../src/processor/run-estimator.js';
import { simulateQuadraticRun } from '../../../src/simulate/index.js';

const WINDOW = 9;

function exactProbes(lr: number): Probe[] {
  const probes: Probe[] = [];
  for (const e of simulateQuadraticRun({
    runId: 'q',
    spectrum: [3, 1, 0.5, 0.1],
    lr,
    steps: 40,
    batchSharpness: true,
  })) {
    if (e.type === 'gradient' && e.probe !== undefined) probes.push(e.probe);
  }
  return probes;
}

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

describe('processor > batch sharpness', () => {
  it("reports the window median of gᵀAg/gᵀg and lr times it, on a quadratic's exact probes", () => {
    const lr = 0.3;
    const probes = exactProbes(lr);
    const estimator = new RunEstimator(WINDOW, DEFAULT_REGIME_THRESHOLDS);
    probes.forEach((probe, i) => {
      assert.equal(estimator.addProbe(probe), 'accepted');
      const window = probes.slice(Math.max(0, i + 1 - WINDOW), i + 1).map((p) => p.batchSharpness!);
      const fields = estimator.snapshot(lr);
      assert.ok(Math.abs(fields.batchSharpness! - median(window)) < 1e-12);
      assert.ok(Math.abs(fields.batchStabilityRatio! - lr * median(window)) < 1e-12);
    });
    // Gradient descent on a quadratic turns g towards the slowest-decaying direction: along
    // it, g^T A g / g^T g tends to the eigenvalue of largest |1 - lr h| (h = 0.1 here).
    assert.ok(Math.abs(probes.at(-1)!.batchSharpness! - 0.1) < 1e-3, `${probes.at(-1)!.batchSharpness}`);
  });

  it('carries the window through a state snapshot, and restores snapshots written without it', () => {
    const probes = exactProbes(0.3);
    const a = new RunEstimator(WINDOW, DEFAULT_REGIME_THRESHOLDS);
    for (const p of probes.slice(0, 20)) a.addProbe(p);
    const b = RunEstimator.fromState(WINDOW, DEFAULT_REGIME_THRESHOLDS, a.state());
    for (const p of probes.slice(20)) {
      a.addProbe(p);
      b.addProbe(p);
    }
    assert.deepEqual(b.snapshot(0.3), a.snapshot(0.3));

    const older = a.state();
    delete older.batchSharpness;
    const c = RunEstimator.fromState(WINDOW, DEFAULT_REGIME_THRESHOLDS, older);
    assert.equal(c.snapshot(0.3).batchSharpness, undefined);
  });

  it('leaves estimates of probes without it as they were: no batch sharpness fields', () => {
    const estimator = new RunEstimator(WINDOW, DEFAULT_REGIME_THRESHOLDS);
    for (const probe of exactProbes(0.3)) {
      delete probe.batchSharpness;
      estimator.addProbe(probe);
    }
    const fields = estimator.snapshot(0.3);
    assert.equal('batchSharpness' in fields, false);
    assert.equal('batchStabilityRatio' in fields, false);
  });
});
