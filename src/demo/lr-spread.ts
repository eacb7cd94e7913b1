/** How far the outer runs of `--runs N` sit from `--lr`, as a factor either way. */
export const DEFAULT_LR_SPAN = 40;
export const MAX_DEMO_RUNS = 8;

/**
 * The learning rates of N side-by-side runs: log-spaced from `lr / span` to `lr · span`,
 * so that with an odd N the middle run trains at `lr` itself; one run is `lr`. With the demo's
 * defaults (lr 0.5, three runs) that is 0.0125 (too slow), 0.5 (about 1/λ_max of the MNIST MLP)
 * and 20 (η·λ_max well above 2: unstable until the controller brakes it). Rounded to three
 * significant digits so that run ids stay readable.
 */
export function spreadLearningRates(lr: number, runs: number, span: number = DEFAULT_LR_SPAN): number[] {
  if (!(lr > 0 && Number.isFinite(lr))) throw new RangeError(`lr must be a positive number, got ${lr}`);
  if (!Number.isSafeInteger(runs) || runs < 1)
    throw new RangeError(`runs must be a positive integer, got ${runs}`);
  if (!(span >= 1 && Number.isFinite(span)))
    throw new RangeError(`span must be a finite number ≥ 1, got ${span}`);
  if (runs === 1) return [lr];
  return Array.from({ length: runs }, (_, i) => {
    const exponent = (2 * i) / (runs - 1) - 1;
    return Number((lr * span ** exponent).toPrecision(3));
  });
}
