import assert from 'node:assert/strict';
import type { EstimateEvent } from '../../src/events/index.js';

/**
 * Asserts that a live estimate carries the numbers of the replayed one: everything but `ts`
 * (live processors stamp wall time, replay event time).
 */
export function sameEstimate(live: EstimateEvent | undefined, replayed: EstimateEvent): void {
  assert.ok(live !== undefined, `no live estimate for ${replayed.runId} step ${replayed.step}`);
  assert.deepEqual({ ...live, ts: 0 }, { ...replayed, ts: 0 }, `${replayed.runId} step ${replayed.step}`);
}
