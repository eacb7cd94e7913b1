import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LR_SPAN, spreadLearningRates } from '../../../src/demo/lr-spread.js';

describe('demo > spreadLearningRates', () => {
  it('gives the demo defaults: too slow, about 1/λ_max, and unstable', () => {
    assert.deepEqual(spreadLearningRates(0.5, 3), [0.0125, 0.5, 20]);
  });

  it('is one run at lr itself', () => {
    assert.deepEqual(spreadLearningRates(0.3, 1), [0.3]);
  });

  it('log-spaces N rates from lr/span to lr·span, symmetric around lr', () => {
    const lrs = spreadLearningRates(1, 5);
    assert.equal(lrs.length, 5);
    assert.equal(lrs[0], 1 / DEFAULT_LR_SPAN);
    assert.equal(lrs[2], 1);
    assert.equal(lrs[4], DEFAULT_LR_SPAN);
    // Neighbours differ by the same factor, up to the rounding to three digits.
    const ratios = lrs.slice(1).map((x, i) => x / (lrs[i] ?? 1));
    for (const r of ratios) assert.ok(Math.abs(r / Math.sqrt(DEFAULT_LR_SPAN) - 1) < 0.01, String(r));
    assert.deepEqual(spreadLearningRates(1, 2), [0.025, 40]);
  });

  it('rounds to three significant digits and keeps the rates increasing', () => {
    const lrs = spreadLearningRates(0.37, 8);
    for (const x of lrs) assert.equal(x, Number(x.toPrecision(3)));
    for (let i = 1; i < lrs.length; i++) assert.ok((lrs[i] ?? 0) > (lrs[i - 1] ?? 0));
  });

  it('takes another span, and rejects values that cannot make rates', () => {
    assert.deepEqual(spreadLearningRates(1, 3, 10), [0.1, 1, 10]);
    assert.throws(() => spreadLearningRates(0, 3), RangeError);
    assert.throws(() => spreadLearningRates(Number.NaN, 3), RangeError);
    assert.throws(() => spreadLearningRates(1, 0), RangeError);
    assert.throws(() => spreadLearningRates(1, 2.5), RangeError);
    assert.throws(() => spreadLearningRates(1, 3, 0.5), RangeError);
  });
});
