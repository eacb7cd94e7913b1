// Exponentially weighted moving average: smooths a stream without a window to store.
import { assertFiniteSample } from './guards.js';

export type EwmaOptions =
  | { readonly alpha: number; readonly halfLife?: never }
  | { readonly halfLife: number; readonly alpha?: never };

export class Ewma {
  readonly alpha: number;
  #value: number | undefined;

  /**
   * alpha ∈ (0, 1] is the weight of each new sample. halfLife h (in samples, > 0) gives
   * alpha = 1 − 2^(−1/h): after h samples an old value's weight (1 − alpha)^h has halved.
   */
  constructor(options: EwmaOptions) {
    if (Object.hasOwn(options, 'alpha') && Object.hasOwn(options, 'halfLife')) {
      throw new RangeError('Ewma: give alpha or halfLife, not both');
    }
    if (options.halfLife !== undefined) {
      const { halfLife } = options;
      if (!(Number.isFinite(halfLife) && halfLife > 0)) {
        throw new RangeError(`Ewma: halfLife must be finite and > 0, got ${halfLife}`);
      }
      // −expm1(−ln2/h) = 1 − 2^(−1/h) without cancellation, so long half-lives keep alpha > 0.
      this.alpha = -Math.expm1(-Math.LN2 / halfLife);
      if (!(this.alpha > 0)) throw new RangeError(`Ewma: halfLife ${halfLife} is too long for float64`);
    } else {
      const { alpha } = options;
      if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`Ewma: alpha must be in (0, 1], got ${alpha}`);
      this.alpha = alpha;
    }
  }

  /** The first sample initialises; then value ← value + alpha·(x − value). */
  push(x: number): void {
    assertFiniteSample('Ewma', x);
    if (this.#value === undefined) {
      this.#value = x;
      return;
    }
    const next = this.#value + this.alpha * (x - this.#value);
    this.#value = Number.isFinite(next) ? next : (1 - this.alpha) * this.#value + this.alpha * x;
  }

  get value(): number | undefined {
    return this.#value;
  }

  clear(): void {
    this.#value = undefined;
  }
}
