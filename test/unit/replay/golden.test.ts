import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { replayGolden } from '../../../scripts/replay-golden.js';

const dir = new URL('../../fixtures/replay-golden/', import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, dir), 'utf8');

/** The first line where two texts differ, so a failure names the estimate that moved. */
function firstDifference(actual: string, expected: string): string {
  const a = actual.split('\n');
  const e = expected.split('\n');
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    if (a[i] !== e[i]) return `line ${i + 1}:\n  got      ${a[i]}\n  expected ${e[i]}`;
  }
  return 'no difference';
}

// The committed outputs are what the estimator gave before issue #15's speed-ups
// (scripts/replay-golden.ts made them): every number must stay exactly the same.
describe('replay > golden recording (test/fixtures/replay-golden)', () => {
  it('gives byte for byte the committed estimates and dead letters', async () => {
    const lines = read('events.jsonl').slice(0, -1).split('\n');
    const expectedEstimates = read('estimates.jsonl');
    const expectedDeadLetters = read('dead-letters.jsonl');
    assert.ok(expectedEstimates.length > 100_000, 'the committed estimates are there');
    const { estimates, deadLetters } = await replayGolden(lines);
    assert.ok(estimates === expectedEstimates, firstDifference(estimates, expectedEstimates));
    assert.ok(deadLetters === expectedDeadLetters, firstDifference(deadLetters, expectedDeadLetters));
  });
});
