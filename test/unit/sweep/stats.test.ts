import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gaussian, mulberry32 } from '../../../src/dynamics/index.js';
import { fitLine, mean, median, pearson, quantile, tQuantile975 } from '../../../src/sweep/stats.js';

const close = (actual: number | undefined, expected: number, tol: number, what = ''): void => {
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected}`);
};

// Anscombe's quartet, data set I (Anscombe 1973, The American Statistician 27(1)); R's
// lm(y1 ~ x1) reports slope 0.5001, standard error 0.1179, intercept 3.0001, R² 0.6665.
const ANSCOMBE_X = [10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5];
const ANSCOMBE_Y = [8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68];

describe('sweep > stats > fitLine (ordinary least squares)', () => {
  it('recovers an exact line exactly, with a zero-width interval', () => {
    const xs = [0.5, 1, 2, 3, 5, 8];
    const fit = fitLine(
      xs,
      xs.map((x) => 1.25 - 0.75 * x),
    );
    assert.ok(fit !== undefined);
    close(fit.slope, -0.75, 1e-12, 'slope');
    close(fit.intercept, 1.25, 1e-12, 'intercept');
    close(fit.slopeCi95[0], -0.75, 1e-9, 'lower');
    close(fit.slopeCi95[1], -0.75, 1e-9, 'upper');
    close(fit.rSquared, 1, 1e-12, 'R²');
  });

  it("matches the textbook numbers of Anscombe's data set I", () => {
    const fit = fitLine(ANSCOMBE_X, ANSCOMBE_Y);
    assert.ok(fit !== undefined);
    assert.equal(fit.n, 11);
    close(fit.slope, 0.5001, 5e-5, 'slope');
    close(fit.intercept, 3.0001, 5e-5, 'intercept');
    close(fit.slopeStdError, 0.1179, 5e-5, 'standard error');
    close(fit.rSquared, 0.6665, 5e-5, 'R²');
    // slope ± t(0.975, 9) · SE = 0.5001 ± 2.262 · 0.1179
    close(fit.slopeCi95[0], 0.2334, 1e-4, 'lower');
    close(fit.slopeCi95[1], 0.7668, 1e-4, 'upper');
  });

  it('narrows the interval as points are added to the same noisy line', () => {
    const rng = mulberry32(11);
    const noisy = (n: number): number => {
      const xs = Array.from({ length: n }, (_, i) => i / (n - 1));
      const fit = fitLine(
        xs,
        xs.map((x) => 2 + 3 * x + 0.3 * gaussian(rng)),
      );
      assert.ok(fit !== undefined);
      if (n >= 100)
        assert.ok(fit.slopeCi95[0] < 3 && 3 < fit.slopeCi95[1], `3 in [${fit.slopeCi95.join(', ')}]`);
      return fit.slopeCi95[1] - fit.slopeCi95[0];
    };
    const widths = [5, 10, 40, 160].map(noisy);
    for (let i = 1; i < widths.length; i++)
      assert.ok((widths[i] ?? 0) < (widths[i - 1] ?? 0), widths.join(' > '));
  });

  it('needs two points with distinct x, and drops non-finite pairs', () => {
    assert.equal(fitLine([1], [2]), undefined);
    assert.equal(fitLine([1, 1, 1], [1, 2, 3]), undefined);
    const fit = fitLine([1, 2, NaN, 3], [2, 4, 5, Infinity]);
    assert.equal(fit?.n, 2);
    assert.deepEqual(fit?.slopeCi95, [2, 2]);
    assert.throws(() => fitLine([1, 2], [1]), RangeError);
  });
});

describe('sweep > stats > tQuantile975', () => {
  it("gives the table's values and approaches the normal quantile", () => {
    assert.equal(tQuantile975(1), 12.706);
    assert.equal(tQuantile975(9), 2.262);
    assert.equal(tQuantile975(30), 2.042);
    // Exact values: t(0.975; 50) = 2.0086, t(0.975; 100) = 1.9840, t(0.975; 1000) = 1.9623
    close(tQuantile975(50), 2.0086, 2e-3, 'df 50');
    close(tQuantile975(100), 1.984, 2e-3, 'df 100');
    close(tQuantile975(1000), 1.9623, 2e-3, 'df 1000');
    assert.throws(() => tQuantile975(0), RangeError);
  });
});

describe('sweep > stats > order statistics and correlation', () => {
  it('interpolates quantiles between order statistics (R type 7)', () => {
    assert.equal(quantile([4, 1, 3, 2], 0.25), 1.75);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([5, NaN, 1, 3]), 3);
    assert.equal(median([]), undefined);
    assert.equal(mean([1, 2, Infinity, 6]), 3);
  });

  it("gives Pearson's r of Anscombe's data set I (0.816)", () => {
    close(pearson(ANSCOMBE_X, ANSCOMBE_Y), 0.8164, 5e-5, 'r');
    assert.equal(pearson([1, 2], [3, 4]), undefined);
    assert.equal(pearson([1, 2, 3], [5, 5, 5]), undefined);
  });
});
