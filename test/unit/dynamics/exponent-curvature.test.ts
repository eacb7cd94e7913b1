import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  invertExponent,
  predictedExponent,
  stabilityRatio,
} from '../../../src/dynamics/exponent-curvature.js';
import { LOCAL_EXPONENT_FLOOR } from '../../../src/dynamics/local-exponents.js';
import { assertClose } from './support.js';

describe('dynamics > predictedExponent', () => {
  it('is log|1 - eta*h| on both sides of eta*h = 1 and for negative curvature', () => {
    assert.equal(predictedExponent(0.1, 5), Math.log(0.5));
    assert.equal(predictedExponent(1, 3), Math.log(2));
    assert.equal(predictedExponent(0.5, -2), Math.log(2));
    assert.equal(predictedExponent(1, 0), 0);
  });

  it('returns the floor instead of -Infinity where eta*h = 1', () => {
    assert.equal(predictedExponent(0.5, 2), LOCAL_EXPONENT_FLOOR);
    assert.equal(predictedExponent(1, 1 - 1e-14), LOCAL_EXPONENT_FLOOR);
  });

  it('stays finite when eta*h overflows', () => {
    assertClose(predictedExponent(1e200, 1e200), 400 * Math.log(10), 1e-15);
  });
});

describe('dynamics > invertExponent', () => {
  it('round-trips h through log|1 - eta*h| on both branches and for negative curvature', () => {
    for (const eta of [0.01, 0.3, 1]) {
      for (const h of [0.5, 2, 3, 50, -0.7, -20, 0]) {
        if (eta * h === 1) continue;
        const lambda = predictedExponent(eta, h);
        assertClose(invertExponent(lambda, eta, h), h, 1e-12, `eta=${eta} h=${h}`);
      }
    }
  });

  it('takes the overshoot root (1 + e^λ)/η only when 1 − η·r < 0', () => {
    const lambda = Math.log(0.5);
    assertClose(invertExponent(lambda, 1, 0.9), 0.5, 1e-15);
    assertClose(invertExponent(lambda, 1, 1), 0.5, 1e-15);
    assertClose(invertExponent(lambda, 1, 1.2), 1.5, 1e-15);
  });

  it('always takes the first root for r ≤ 0', () => {
    assertClose(invertExponent(Math.log(3), 1, -2), -2, 1e-15);
    assertClose(invertExponent(Math.log(3), 0.5, -1e300), -4, 1e-15);
  });

  it('clamps an out-of-range result to ±Number.MAX_VALUE', () => {
    assert.equal(invertExponent(800, 1, 5), Number.MAX_VALUE);
    assert.equal(invertExponent(800, 1, -5), -Number.MAX_VALUE);
  });

  it('throws RangeError for eta ≤ 0 and non-finite arguments', () => {
    assert.throws(() => invertExponent(0, 0, 1), RangeError);
    assert.throws(() => invertExponent(0, -1, 1), RangeError);
    assert.throws(() => invertExponent(NaN, 1, 1), RangeError);
    assert.throws(() => invertExponent(0, 1, Infinity), RangeError);
    assert.throws(() => predictedExponent(0, 1), RangeError);
    assert.throws(() => predictedExponent(Infinity, 1), RangeError);
    assert.throws(() => predictedExponent(1, NaN), RangeError);
  });
});

describe('dynamics > stabilityRatio', () => {
  it('is eta times the sharpness, 2 at gradient descent’s bound', () => {
    assert.equal(stabilityRatio(0.5, 4), 2);
    assert.equal(stabilityRatio(0.1, -3), 0.1 * -3);
    assert.equal(stabilityRatio(1e200, 1e200), Number.MAX_VALUE);
  });

  it('throws RangeError for eta ≤ 0 and non-finite sharpness', () => {
    assert.throws(() => stabilityRatio(0, 1), RangeError);
    assert.throws(() => stabilityRatio(1, NaN), RangeError);
  });
});
