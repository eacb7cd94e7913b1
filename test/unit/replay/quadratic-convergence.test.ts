import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEvent } from '../../../src/events/index.js';
import { interleave, jitter, simulateQuadraticRun } from '../../../src/simulate/index.js';
import { lastEstimate, relErr, replayLines } from '../../helpers/replay.js';

// Known spectrum, rotated into a random basis by the simulator; 2/h_max = 0.25.
const SPECTRUM = [8, 5, 3, 1, 0.5, 0.2, -0.5, -1.5];
const H_MAX = 8;
const TOL = 1e-3;

/** The k most expanding directions of J = I − ηH: curvatures h and exponents log|1 − ηh|. */
function dominant(eta: number, k: number): { h: number[]; lambda: number[] } {
  const h = [...SPECTRUM].sort((a, b) => Math.abs(1 - eta * b) - Math.abs(1 - eta * a)).slice(0, k);
  return { h, lambda: h.map((x) => Math.log(Math.abs(1 - eta * x))) };
}

const CASES = [
  { runId: 'k1-below', k: 1, eta: 0.1 },
  { runId: 'k3-below', k: 3, eta: 0.1 },
  { runId: 'k1-above', k: 1, eta: 0.33 },
  { runId: 'k3-above', k: 3, eta: 0.33 },
];

function stream(): string[] {
  const runs = CASES.map((c, i) =>
    simulateQuadraticRun({
      runId: c.runId,
      spectrum: SPECTRUM,
      lr: c.eta,
      steps: 600,
      kLyapunov: c.k,
      kSharpness: 1,
      seed: 100 + i,
    }),
  );
  return [...jitter(interleave(runs, 5), 3, 9)].map((e) => encodeEvent(e));
}

describe('replay > a simulated quadratic with a known spectrum', () => {
  it('recovers exponents, curvatures, sharpness and stability ratio to 1e-3 (k = 1, 3; eta both sides of 2/h_max)', async () => {
    const { estimates, deadLetters } = await replayLines(stream(), { windowProbes: 20, latenessSteps: 4 });
    assert.deepEqual(deadLetters, []);
    for (const c of CASES) {
      const e = lastEstimate(estimates, c.runId);
      const truth = dominant(c.eta, c.k);
      assert.equal(e.window, 20, `${c.runId}: window full`);
      assert.equal(e.lyapunov.length, c.k);
      for (let i = 0; i < c.k; i++) {
        const lambda = e.lyapunov[i] ?? NaN;
        const h = e.curvature[i] ?? NaN;
        assert.ok(
          relErr(lambda, truth.lambda[i] ?? NaN) <= TOL,
          `${c.runId} λ${i} ${lambda} vs ${truth.lambda[i]}`,
        );
        assert.ok(relErr(h, truth.h[i] ?? NaN) <= TOL, `${c.runId} h${i} ${h} vs ${truth.h[i]}`);
        const predicted = e.predictedLyapunov?.[i] ?? NaN;
        assert.ok(relErr(predicted, truth.lambda[i] ?? NaN) <= TOL, `${c.runId} predicted λ${i}`);
        const inverted = e.invertedCurvature?.[i] ?? NaN;
        assert.ok(relErr(inverted, truth.h[i] ?? NaN) <= TOL, `${c.runId} inverted h${i} ${inverted}`);
      }
      assert.ok(relErr(e.sharpness, H_MAX) <= TOL, `${c.runId} sharpness ${e.sharpness}`);
      assert.ok(relErr(e.stabilityRatio, c.eta * H_MAX) <= TOL, `${c.runId} ratio ${e.stabilityRatio}`);
    }
  });

  it('classifies the regimes: chaotic below 2/h_max with negative curvature, unstable above', async () => {
    const { estimates } = await replayLines(stream());
    assert.equal(lastEstimate(estimates, 'k1-below').regime, 'chaotic');
    assert.equal(lastEstimate(estimates, 'k1-above').regime, 'unstable');
  });

  it('emits exactly one estimate per probed step of every run', async () => {
    const { estimates } = await replayLines(stream());
    for (const c of CASES) {
      const steps = estimates.filter((e) => e.runId === c.runId).map((e) => e.step);
      assert.deepEqual(
        steps,
        Array.from({ length: 600 }, (_, i) => i),
      );
    }
  });

  it('is deterministic: the same input gives byte-identical output', async () => {
    const lines = stream();
    const a = await replayLines(lines);
    const b = await replayLines(lines);
    assert.ok(a.estimateLines.length > 0);
    assert.equal(a.estimateLines.join('\n'), b.estimateLines.join('\n'));
  });
});
