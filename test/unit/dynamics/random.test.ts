import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { gaussian, mulberry32, randomOrthogonal } from '../../../src/dynamics/random.js';
import { assertOrthonormalColumns } from './support.js';

describe('dynamics > random', () => {
  it('repeats the same sequence for the same seed and differs for another seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xs = Array.from({ length: 100 }, () => a());
    assert.deepEqual(
      Array.from({ length: 100 }, () => b()),
      xs,
    );
    assert.notDeepEqual(
      Array.from({ length: 100 }, () => c()),
      xs,
    );
    assert.throws(() => mulberry32(0.5), RangeError);
  });

  it('draws uniformly from [0, 1): mean 1/2 and variance 1/12', () => {
    const rng = mulberry32(7);
    const n = 100_000;
    const xs = Array.from({ length: n }, () => rng());
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    const mean = xs.reduce((s, x) => s + x, 0) / n;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
    assert.ok(Math.abs(mean - 0.5) < 0.005, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1 / 12) < 0.002, `variance ${variance}`);
  });

  it('draws standard normals: mean 0, variance 1, 68% within one sigma', () => {
    const rng = mulberry32(11);
    const n = 100_000;
    const xs = Array.from({ length: n }, () => gaussian(rng));
    const mean = xs.reduce((s, x) => s + x, 0) / n;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
    const withinOne = xs.filter((x) => Math.abs(x) < 1).length / n;
    assert.ok(Math.abs(mean) < 0.02, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 0.02, `variance ${variance}`);
    assert.ok(Math.abs(withinOne - 0.6827) < 0.01, `within one sigma ${withinOne}`);
    assert.ok(xs.every((x) => Number.isFinite(x)));
  });

  it('gives orthogonal matrices whose entries have Haar moments E[q] = 0 and E[q²] = 1/n', () => {
    const rng = mulberry32(3);
    const n = 4;
    const samples = 2000;
    const sum = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    const sumSquares = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let s = 0; s < samples; s++) {
      const q = randomOrthogonal(n, rng);
      if (s < 10) assertOrthonormalColumns(q, 1e-14);
      q.forEach((row, i) => {
        row.forEach((x, j) => {
          sum[i]![j]! += x;
          sumSquares[i]![j]! += x * x;
        });
      });
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        assert.ok(Math.abs(sum[i]![j]! / samples) < 0.05, `E[q${i}${j}] = ${sum[i]![j]! / samples}`);
        assert.ok(Math.abs(sumSquares[i]![j]! / samples - 1 / n) < 0.03, `E[q${i}${j}²]`);
      }
    }
  });
});
