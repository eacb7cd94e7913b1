import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { smoothedLoss, stepsToTarget } from '../../../src/sweep/smoothed-loss.js';

describe('sweep > smoothedLoss and stepsToTarget', () => {
  it('halves the distance to a new level every half-life', () => {
    const s = smoothedLoss([2, 0, 0, 0, 0], 1);
    assert.deepEqual(s, [2, 1, 0.5, 0.25, 0.125]);
  });

  it('finds the first step at which the smoothed loss reaches the target', () => {
    const s = smoothedLoss([2, 0, 0, 0, 0], 1);
    assert.equal(stepsToTarget(s, 0.5), 2);
    assert.equal(stepsToTarget(s, 2), 0);
    assert.equal(stepsToTarget(s, 0.1), undefined);
  });

  it('is not fooled by one lucky minibatch (the raw loss would be)', () => {
    const losses = [1, 1, 0.1, 1, 1, 1];
    assert.equal(stepsToTarget(losses, 0.5), 2);
    assert.equal(stepsToTarget(smoothedLoss(losses, 4), 0.5), undefined);
  });

  it('ends at the first non-finite loss (a diverged run)', () => {
    assert.deepEqual(smoothedLoss([1, 1, NaN, 0], 1), [1, 1]);
  });
});
