import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { replayGolden } from '../../../scripts/replay-golden.js';
import { EstimateEvent, encodeEvent } from '../../../src/events/index.js';
import { EstimatesInOrder } from '../../../src/replay/replay.js';
import { replayLines } from '../../helpers/replay.js';
import { wireExamples } from '../events/fixtures.js';

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

  it("hands each estimate's event as its JSON line parses", async () => {
    const lines = read('events.jsonl').slice(0, -1).split('\n');
    const { estimates, estimateLines } = await replayLines(lines);
    assert.equal(estimates.length, estimateLines.length);
    estimates.forEach((event, i) => {
      assert.deepEqual(event, JSON.parse(estimateLines[i] ?? ''), `estimate ${i}`);
    });
  });

  it('parses an estimate with a non-finite number from its JSON, and refuses one out of order', () => {
    const made = new EstimatesInOrder();
    const estimate = { ...EstimateEvent.parse(wireExamples().estimate), sharpness: Number.NaN };
    made.record(estimate);
    made.record({ ...estimate, runId: 'other' });
    const json = encodeEvent(estimate);
    assert.deepEqual(made.next(estimate.runId, json), JSON.parse(json));
    assert.equal(
      (made.next('other', encodeEvent({ ...estimate, runId: 'other' })) as { sharpness: unknown }).sharpness,
      'NaN',
    );
    made.record(estimate);
    assert.throws(() => made.next('other', json), /out of the order it was made/);
  });
});
