import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Ewma } from '../../../src/dynamics/ewma.js';
import { mulberry32 } from '../../../src/dynamics/random.js';
import { assertClose } from './support.js';

describe('dynamics > Ewma', () => {
  it('initialises with the first value, then moves alpha of the way to each new one', () => {
    const ewma = new Ewma({ alpha: 0.25 });
    assert.equal(ewma.value, undefined);
    ewma.push(8);
    assert.equal(ewma.value, 8);
    ewma.push(0);
    assert.equal(ewma.value, 6);
  });

  it('matches the brute-force weighted sum x₀(1−α)ⁿ + Σ α(1−α)^(n−i) xᵢ over a long random sequence', () => {
    const rng = mulberry32(71);
    const alpha = 0.05;
    const ewma = new Ewma({ alpha });
    const xs: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const x = rng() * 10 - 5;
      xs.push(x);
      ewma.push(x);
      if (i % 97 !== 0) continue;
      const n = xs.length - 1;
      const brute = xs.reduce(
        (s, xi, j) => s + (j === 0 ? (1 - alpha) ** n : alpha * (1 - alpha) ** (n - j)) * xi,
        0,
      );
      assertClose(ewma.value!, brute, 1e-12, `push ${i}`);
    }
  });

  it('halves an old value’s weight after halfLife samples', () => {
    const ewma = new Ewma({ halfLife: 10 });
    assertClose((1 - ewma.alpha) ** 10, 0.5, 1e-15);
    ewma.push(1);
    for (let i = 0; i < 10; i++) ewma.push(0);
    assertClose(ewma.value!, 0.5, 1e-15);
    assert.ok(new Ewma({ halfLife: 1e300 }).alpha > 0);
  });

  it('rejects invalid options and non-finite pushes', () => {
    assert.throws(() => new Ewma({ alpha: 0 }), RangeError);
    assert.throws(() => new Ewma({ alpha: 1.5 }), RangeError);
    assert.throws(() => new Ewma({ halfLife: -1 }), RangeError);
    assert.throws(() => new Ewma({ alpha: 0.5, halfLife: 2 } as never), RangeError);
    const ewma = new Ewma({ alpha: 1 });
    assert.throws(() => {
      ewma.push(NaN);
    }, TypeError);
    ewma.push(3);
    ewma.clear();
    assert.equal(ewma.value, undefined);
  });
});
