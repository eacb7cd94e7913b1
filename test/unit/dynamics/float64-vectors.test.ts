import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { dot64, norm64 } from '../../../src/dynamics/float64-vectors.js';
import { gaussian, mulberry32 } from '../../../src/dynamics/random.js';

describe('dynamics > float64 vectors', () => {
  it('dot64 is xᵀy for every length, the tail past a multiple of four included', () => {
    for (let n = 0; n <= 9; n++) {
      // Integers: every partial sum is exact, so any order of summation gives the same number.
      const x = Float64Array.from({ length: n }, (_, i) => i + 1);
      const y = Float64Array.from({ length: n }, (_, i) => 2 * i - 3);
      const expected = x.reduce((sum, xi, i) => sum + xi * (y[i] as number), 0);
      assert.equal(dot64(x, y), expected, `n = ${n}`);
    }
  });

  it('dot64 of 10⁵ random entries agrees with an exactly rounded sum to 1e-13 of Σ|xᵢyᵢ|', () => {
    const rng = mulberry32(4);
    const n = 100_003;
    const x = Float64Array.from({ length: n }, () => gaussian(rng));
    const y = Float64Array.from({ length: n }, () => gaussian(rng));
    const terms = Array.from(x, (xi, i) => xi * (y[i] as number));
    const scale = terms.reduce((s, t) => s + Math.abs(t), 0);
    // Neumaier's compensated sum as the reference.
    let sum = 0;
    let compensation = 0;
    for (const t of terms) {
      const next = sum + t;
      compensation += Math.abs(sum) >= Math.abs(t) ? sum - next + t : t - next + sum;
      sum = next;
    }
    assert.ok(Math.abs(dot64(x, y) - (sum + compensation)) <= 1e-13 * scale);
    assert.ok(Math.abs(norm64(x) - Math.sqrt(dot64(x, x))) <= 1e-15 * norm64(x));
  });
});
