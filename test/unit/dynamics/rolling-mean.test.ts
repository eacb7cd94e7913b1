import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { mulberry32 } from '../../../src/dynamics/random.js';
import { RollingMean } from '../../../src/dynamics/rolling-mean.js';
import { assertClose } from './support.js';

const bruteMean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('dynamics > RollingMean', () => {
  it('is undefined when empty and the plain mean while filling', () => {
    const mean = new RollingMean(4);
    assert.equal(mean.mean, undefined);
    mean.push(1);
    mean.push(2);
    assert.equal(mean.mean, 1.5);
    assert.equal(mean.size, 2);
  });

  it('matches brute-force recomputation over the last `capacity` values of a long random sequence', () => {
    const rng = mulberry32(51);
    const capacity = 17;
    const mean = new RollingMean(capacity);
    const xs: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const x = (rng() - 0.5) * 100;
      xs.push(x);
      mean.push(x);
      assertClose(mean.mean!, bruteMean(xs.slice(-capacity)), 1e-12, `push ${i}`);
    }
  });

  it('gives s/√n of the window, bit for bit the two reduces over its values (oldest first)', () => {
    const rng = mulberry32(53);
    const mean = new RollingMean(7);
    assert.equal(mean.standardError, undefined);
    for (let i = 0; i < 40; i++) {
      mean.push((rng() - 0.3) * 10 ** (i % 5));
      const values = mean.state().values;
      const n = values.length;
      const m = values.reduce((s, x) => s + x, 0) / n;
      const ss = values.reduce((s, x) => s + (x - m) ** 2, 0);
      assert.equal(mean.standardError, n < 2 ? undefined : Math.sqrt(ss / (n - 1) / n), `push ${i}`);
    }
  });

  it('does not drift after 1e6 pushes that mixed in values of magnitude 1e8', () => {
    const rng = mulberry32(52);
    const capacity = 100;
    const mean = new RollingMean(capacity);
    for (let i = 0; i < 1_000_000; i++) mean.push(rng() * 1e8);
    const last: number[] = [];
    for (let i = 0; i < 3 * capacity + 7; i++) {
      const x = rng();
      last.push(x);
      mean.push(x);
    }
    assertClose(mean.mean!, bruteMean(last.slice(-capacity)), 1e-13);
  });

  it('recovers from a running sum that overflowed', () => {
    const mean = new RollingMean(2);
    mean.push(1.5e308);
    mean.push(1.5e308);
    assert.equal(mean.mean, 1.5e308);
    mean.push(-1.5e308);
    assert.equal(mean.mean, 0);
  });

  it('rejects non-finite pushes and empties on clear', () => {
    const mean = new RollingMean(2);
    assert.throws(() => {
      mean.push(NaN);
    }, TypeError);
    mean.push(3);
    mean.clear();
    assert.equal(mean.mean, undefined);
    mean.push(5);
    assert.equal(mean.mean, 5);
  });
});
