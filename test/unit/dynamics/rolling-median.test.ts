import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { mulberry32 } from '../../../src/dynamics/random.js';
import { RollingMedian } from '../../../src/dynamics/rolling-median.js';

function bruteMedian(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

describe('dynamics > RollingMedian', () => {
  it('gives known medians: the middle value, or the mean of the two middle values', () => {
    const median = new RollingMedian(5);
    assert.equal(median.median, undefined);
    const seen = [5, 1, 4, 2, 3].map((x) => {
      median.push(x);
      return median.median;
    });
    assert.deepEqual(seen, [5, 3, 4, 3, 3]);
    median.push(100);
    // window 1, 4, 2, 3, 100
    assert.equal(median.median, 3);
  });

  it('matches brute-force recomputation over a long random sequence with repeated values', () => {
    const rng = mulberry32(61);
    for (const capacity of [1, 2, 8, 31]) {
      const median = new RollingMedian(capacity);
      const xs: number[] = [];
      for (let i = 0; i < 3000; i++) {
        const x = Math.floor(rng() * 20) - 10 + (rng() < 0.5 ? 0 : rng());
        xs.push(x);
        median.push(x);
        assert.equal(median.median, bruteMedian(xs.slice(-capacity)), `capacity ${capacity}, push ${i}`);
      }
      assert.equal(median.size, capacity);
    }
  });

  it('averages two middle values near the float64 limit without overflow', () => {
    const median = new RollingMedian(2);
    median.push(1.5e308);
    median.push(1.7e308);
    assert.equal(median.median, 1.6e308);
  });

  it('rejects non-finite pushes and empties on clear', () => {
    const median = new RollingMedian(3);
    assert.throws(() => {
      median.push(Infinity);
    }, TypeError);
    median.push(1);
    median.clear();
    assert.equal(median.median, undefined);
    assert.equal(median.size, 0);
  });
});
