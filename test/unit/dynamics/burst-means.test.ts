import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { BurstMeans, type BurstMeansState } from '../../../src/dynamics/burst-means.js';
import { mulberry32 } from '../../../src/dynamics/random.js';
import { RollingMean } from '../../../src/dynamics/rolling-mean.js';
import { assertClose } from './support.js';

const meanOf = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('dynamics > BurstMeans', () => {
  it('is the mean of burst means over the last `capacity` bursts, with s/√B as the standard error', () => {
    const rng = mulberry32(61);
    const capacity = 6;
    const b = new BurstMeans(capacity, 2);
    const closed: number[][] = [];
    for (let burst = 0; burst < 20; burst++) {
      const size = 1 + Math.floor(rng() * 5);
      const samples = Array.from({ length: size }, () => [rng() - 0.5, 3 * rng()]);
      for (const s of samples) b.add(s);
      assert.equal(b.openCount, size);
      b.close();
      closed.push([meanOf(samples.map((s) => s[0]!)), meanOf(samples.map((s) => s[1]!))]);
      const window = closed.slice(-capacity);
      assert.equal(b.bursts, window.length);
      for (const c of [0, 1]) {
        const xs = window.map((w) => w[c]!);
        const m = meanOf(xs);
        assertClose(b.means[c]!, m, 1e-12, `burst ${burst} component ${c}`);
        if (xs.length >= 2) {
          const s = Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
          assertClose(b.standardErrors![c]!, s / Math.sqrt(xs.length), 1e-12, `SE ${burst}`);
        }
      }
    }
  });

  it('has no means before a burst closes and no standard error before two', () => {
    const b = new BurstMeans(4, 1);
    b.add([1]);
    assert.deepEqual(b.means, []);
    b.close();
    b.close(); // an empty burst changes nothing
    assert.deepEqual(b.means, [1]);
    assert.equal(b.standardErrors, undefined);
    assert.throws(() => {
      b.add([1, 2]);
    }, /expected 1 components, got 2/);
  });

  it('with bursts of one is a rolling mean', () => {
    const rng = mulberry32(62);
    const b = new BurstMeans(5, 1);
    const r = new RollingMean(5);
    for (let i = 0; i < 50; i++) {
      const x = rng();
      b.add([x]);
      b.close();
      r.push(x);
      assert.equal(b.means[0], r.mean);
    }
  });

  it('continues exactly from its state, an open burst included', () => {
    const rng = mulberry32(63);
    const a = new BurstMeans(4, 2);
    for (let i = 0; i < 23; i++) {
      a.add([rng(), rng()]);
      if (i % 3 === 2) a.close();
    }
    const b = BurstMeans.fromState(4, JSON.parse(JSON.stringify(a.state())) as BurstMeansState);
    for (let i = 0; i < 10; i++) {
      const s = [rng(), rng()];
      a.add(s);
      b.add(s);
      if (i % 4 === 1) {
        a.close();
        b.close();
      }
      assert.deepEqual(b.means, a.means);
      assert.deepEqual(b.standardErrors, a.standardErrors);
    }
  });
});
