// Small statistics for the sweep's analysis, in float64: order statistics, ordinary least
// squares with a Student-t confidence interval, and Pearson's correlation.

/** The q-quantile (0 ≤ q ≤ 1) by linear interpolation between order statistics (R's type 7); undefined when empty. */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is not in [0, 1]`);
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const below = sorted[lo] ?? NaN;
  const above = sorted[Math.min(lo + 1, sorted.length - 1)] ?? NaN;
  return below + (h - lo) * (above - below);
}

export function median(values: readonly number[]): number | undefined {
  return quantile(values, 0.5);
}

export function mean(values: readonly number[]): number | undefined {
  const finite = values.filter(Number.isFinite);
  return finite.length === 0 ? undefined : finite.reduce((a, b) => a + b, 0) / finite.length;
}

/**
 * Two-sided 97.5% quantiles of Student's t for 1–30 degrees of freedom, then 40, 60, 120
 * (Fisher and Yates's table; any statistics textbook's appendix).
 */
const T975: Readonly<Record<number, number>> = {
  1: 12.706,
  2: 4.303,
  3: 3.182,
  4: 2.776,
  5: 2.571,
  6: 2.447,
  7: 2.365,
  8: 2.306,
  9: 2.262,
  10: 2.228,
  11: 2.201,
  12: 2.179,
  13: 2.16,
  14: 2.145,
  15: 2.131,
  16: 2.12,
  17: 2.11,
  18: 2.101,
  19: 2.093,
  20: 2.086,
  21: 2.08,
  22: 2.074,
  23: 2.069,
  24: 2.064,
  25: 2.06,
  26: 2.056,
  27: 2.052,
  28: 2.048,
  29: 2.045,
  30: 2.042,
  40: 2.021,
  60: 2.0,
  120: 1.98,
};
const Z975 = 1.959964;

/**
 * The 0.975 quantile of Student's t with `df` degrees of freedom (the half-width factor of a
 * 95% confidence interval): the table for df ≤ 30, beyond it linear interpolation in 1/df
 * between 30, 40, 60, 120 and ∞ (the normal quantile), accurate to about 1e-3.
 */
export function tQuantile975(df: number): number {
  if (!Number.isInteger(df) || df < 1)
    throw new RangeError(`degrees of freedom ${df} is not a positive integer`);
  const exact = T975[df];
  if (exact !== undefined) return exact;
  const knots: [number, number][] = [
    [30, 2.042],
    [40, 2.021],
    [60, 2.0],
    [120, 1.98],
    [Infinity, Z975],
  ];
  for (let i = 0; i + 1 < knots.length; i++) {
    const [d0, t0] = knots[i] as [number, number];
    const [d1, t1] = knots[i + 1] as [number, number];
    if (df > d0 && df <= d1) {
      const w = (1 / d0 - 1 / df) / (1 / d0 - 1 / d1);
      return t0 + w * (t1 - t0);
    }
  }
  return Z975;
}

export interface LineFit {
  n: number;
  slope: number;
  intercept: number;
  /** Standard error of the slope, s/√Sxx with s² = RSS/(n − 2); 0 for n = 2. */
  slopeStdError: number;
  /** 95% confidence interval of the slope, slope ∓ t₀.₉₇₅(n − 2)·SE; the slope itself twice for n = 2. */
  slopeCi95: [number, number];
  rSquared: number;
}

/**
 * Ordinary least squares of y on x, `y = intercept + slope·x`. Needs at least two points with
 * distinct x (undefined otherwise); non-finite pairs are dropped first.
 */
export function fitLine(xs: readonly number[], ys: readonly number[]): LineFit | undefined {
  if (xs.length !== ys.length) throw new RangeError(`${xs.length} x values for ${ys.length} y values`);
  const pairs = xs
    .map((x, i) => [x, ys[i] ?? NaN] as const)
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const n = pairs.length;
  if (n < 2) return undefined;
  const mx = pairs.reduce((a, [x]) => a + x, 0) / n;
  const my = pairs.reduce((a, [, y]) => a + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const [x, y] of pairs) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
    syy += (y - my) ** 2;
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const rss = Math.max(
    0,
    pairs.reduce((a, [x, y]) => a + (y - intercept - slope * x) ** 2, 0),
  );
  const slopeStdError = n > 2 ? Math.sqrt(rss / (n - 2) / sxx) : 0;
  const half = n > 2 ? tQuantile975(n - 2) * slopeStdError : 0;
  return {
    n,
    slope,
    intercept,
    slopeStdError,
    slopeCi95: [slope - half, slope + half],
    rSquared: syy === 0 ? 1 : 1 - rss / syy,
  };
}

/** Pearson's correlation of the finite pairs; undefined with fewer than 3 or a constant side. */
export function pearson(xs: readonly number[], ys: readonly number[]): number | undefined {
  if (xs.length !== ys.length) throw new RangeError(`${xs.length} x values for ${ys.length} y values`);
  const pairs = xs
    .map((x, i) => [x, ys[i] ?? NaN] as const)
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (pairs.length < 3) return undefined;
  const mx = pairs.reduce((a, [x]) => a + x, 0) / pairs.length;
  const my = pairs.reduce((a, [, y]) => a + y, 0) / pairs.length;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (const [x, y] of pairs) {
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
    sxy += (x - mx) * (y - my);
  }
  return sxx === 0 || syy === 0 ? undefined : sxy / Math.sqrt(sxx * syy);
}

/** Median with undefined entries (not reached) counted as +∞; undefined when the median is one of them. */
export function medianWithMisses(values: readonly (number | null)[]): number | undefined {
  if (values.length === 0) return undefined;
  const m = median(values.map((v) => v ?? Infinity).map((v) => (Number.isFinite(v) ? v : Number.MAX_VALUE)));
  return m === undefined || m >= Number.MAX_VALUE / 2 ? undefined : m;
}
