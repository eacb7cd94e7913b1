import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { lastEstimate, relErr, replayLines } from '../../helpers/replay.js';
import { EXAMPLE_RUNS, exampleLines } from '../../../scripts/example-runs.js';

// The closed forms docs/design.md quotes for the bundled example.
const EXPECTED = [
  { runId: 'quad-chaotic', h: -0.3, regime: 'chaotic' },
  { runId: 'quad-edge', h: -0.3, regime: 'edge' },
  { runId: 'quad-unstable', h: 4, regime: 'unstable' },
  { runId: 'quad-diverged', h: 4, regime: 'diverged' },
];

describe('replay > the bundled example (docs/design.md, a check by hand)', () => {
  it('is what scripts/example-runs.ts generates (run `npm run example` after changing it)', () => {
    assert.equal(readFileSync('examples/quadratic.jsonl', 'utf8'), exampleLines().join('\n') + '\n');
  });

  it('gives the closed-form exponent, sharpness and regime of each run, and dead-letters the three bad lines', async () => {
    const lines = readFileSync('examples/quadratic.jsonl', 'utf8').trimEnd().split('\n');
    const { estimates, deadLetters } = await replayLines(lines);
    assert.deepEqual(
      deadLetters.map((d) => d.line),
      [101, 601, 1101],
    );
    for (const x of EXPECTED) {
      const run = EXAMPLE_RUNS.find((r) => r.runId === x.runId);
      const eta = run?.lr ?? NaN;
      const e = lastEstimate(estimates, x.runId);
      assert.equal(e.regime, x.regime, x.runId);
      assert.ok(relErr(e.lyapunov[0] ?? NaN, Math.log(Math.abs(1 - eta * x.h))) <= 1e-3, `${x.runId} λ`);
      assert.ok(relErr(e.sharpness, 4) <= 1e-3, `${x.runId} sharpness`);
      assert.ok(relErr(e.stabilityRatio, eta * 4) <= 1e-3, `${x.runId} ratio`);
    }
  });
});
