import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DEFAULT_REGIME_THRESHOLDS } from '../../../src/dynamics/index.js';
import type { Probe } from '../../../src/events/index.js';
import { RunEstimator, type RunEstimatorState } from '../../../src/processor/run-estimator.js';

/** A k = 1 Lyapunov step whose local exponent is x (G = e^{2x}) and curvature h. */
function step(x: number, h: number, burst?: { index: number; length: number; discard: number }): Probe {
  return {
    eps: 1e-3,
    hvps: 1,
    lyapunov: {
      eta: 0.1,
      gram: [[Math.exp(2 * x)]],
      rayleigh: [[h]],
      ...(burst === undefined ? {} : { burst }),
    },
  };
}

const withSharpness = (p: Probe): Probe => ({
  ...p,
  hvps: p.hvps + 2,
  sharpness: { rayleigh: [[4]] },
  batchSharpness: 3,
});

describe('processor > Lyapunov bursts', () => {
  it("counts a burst's steps after its discarded ones, averages bursts, and gives their standard error", () => {
    const e = new RunEstimator(10, DEFAULT_REGIME_THRESHOLDS);
    // Two bursts of 4 steps, the first 2 of each discarded (huge values that must not count).
    const bursts = [
      [9, 9, 0.1, 0.3],
      [-9, 9, 0.5, 0.7],
    ];
    const outcomes = bursts.flatMap((values) =>
      values.map((x, index) => {
        const p = step(x, index < 2 ? 100 : 0.5, { index, length: 4, discard: 2 });
        return e.addProbe(index === 0 ? withSharpness(p) : p);
      }),
    );
    // The probe that starts a burst (with sharpness) makes an estimate; the burst's later steps fold in.
    assert.deepEqual(outcomes, [
      'accepted',
      'folded',
      'folded',
      'folded',
      'accepted',
      'folded',
      'folded',
      'folded',
    ]);
    const s = e.snapshot(0.1);
    assert.ok(Math.abs(s.lyapunov[0]! - 0.4) < 1e-12, `mean of burst means 0.2 and 0.6: ${s.lyapunov[0]}`);
    assert.ok(Math.abs(s.curvature[0]! - 0.5) < 1e-12, 'discarded steps leave the curvature alone');
    // s of {0.2, 0.6} is 0.2√2, over √2 bursts: 0.2.
    assert.ok(Math.abs(s.lyapunovStdError![0]! - 0.2) < 1e-12, `SE ${s.lyapunovStdError?.[0]}`);
    assert.equal(s.window, 2);
  });

  it('reads probes without bursts as before: one probe, one sample, no standard error until two', () => {
    const e = new RunEstimator(10, DEFAULT_REGIME_THRESHOLDS);
    assert.equal(e.addProbe(step(0.2, 1)), 'accepted');
    assert.equal(e.snapshot(0.1).lyapunovStdError, undefined);
    assert.equal(e.addProbe(step(0.4, 1)), 'accepted');
    const s = e.snapshot(0.1);
    assert.ok(Math.abs(s.lyapunov[0]! - 0.3) < 1e-12);
    assert.ok(Math.abs(s.lyapunovStdError![0]! - 0.1) < 1e-12);
  });

  it('keeps a probe that only measured the batch sharpness (between bursts)', () => {
    const e = new RunEstimator(10, DEFAULT_REGIME_THRESHOLDS);
    assert.equal(e.addProbe({ eps: 1e-3, hvps: 1, batchSharpness: 2.5 }), 'accepted');
    assert.equal(e.snapshot(0.5).batchStabilityRatio, 1.25);
  });

  it('continues a burst under way exactly after a state snapshot', () => {
    const a = new RunEstimator(10, DEFAULT_REGIME_THRESHOLDS);
    const probes = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7].map((x, i) =>
      step(x, x, { index: i % 4, length: 4, discard: 1 }),
    );
    probes.slice(0, 6).forEach((p) => a.addProbe(p));
    const b = RunEstimator.fromState(
      10,
      DEFAULT_REGIME_THRESHOLDS,
      JSON.parse(JSON.stringify(a.state())) as RunEstimatorState,
    );
    for (const p of [
      probes[6]!,
      step(0.8, 0.8, { index: 3, length: 4, discard: 1 }),
      step(1, 1, { index: 0, length: 4, discard: 1 }),
    ]) {
      a.addProbe(p);
      b.addProbe(p);
    }
    assert.deepEqual(b.snapshot(0.1), a.snapshot(0.1));
    // Bursts: {0.2, 0.3, 0.4} and {0.6, 0.7, 0.8} (index 0 discarded).
    assert.ok(Math.abs(a.snapshot(0.1).lyapunov[0]! - 0.5) < 1e-12);
  });
});
