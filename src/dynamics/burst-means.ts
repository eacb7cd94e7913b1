// Batch means over bursts: the window mean of k components (the Lyapunov exponents, their
// curvatures) where the samples come in bursts of consecutive steps, and its standard error.
import { RollingMean, type RollingMeanState } from './rolling-mean.js';

export interface BurstMeansState {
  /** One rolling window of burst means per component. */
  means: RollingMeanState[];
  /** The open burst: the sums of its samples so far, per component, and how many. */
  open?: { sums: number[]; count: number };
}

/**
 * Samples of one burst are consecutive steps of one trajectory, so they are correlated; the
 * means of whole bursts, far apart, are nearly independent (batch means, e.g. Flyvbjerg &
 * Petersen 1989). `add` puts a sample into the open burst, `close` ends it and its mean enters
 * a window of the last `capacity` bursts. `means` are the window means of the burst means,
 * `standardErrors` their standard errors, s/√B over the B bursts of the window (B ≥ 2).
 * A sample on its own (close after each add) is a burst of one: a plain rolling mean.
 */
export class BurstMeans {
  #means: RollingMean[];
  #open: { sums: number[]; count: number } | undefined;

  constructor(
    capacity: number,
    readonly k: number,
  ) {
    this.#means = Array.from({ length: k }, () => new RollingMean(capacity));
  }

  /** Bursts in the window. */
  get bursts(): number {
    return this.#means[0]?.size ?? 0;
  }

  /** Samples in the open burst. */
  get openCount(): number {
    return this.#open?.count ?? 0;
  }

  add(sample: readonly number[]): void {
    if (sample.length !== this.k) {
      throw new RangeError(`BurstMeans.add: expected ${this.k} components, got ${sample.length}`);
    }
    const open = (this.#open ??= { sums: new Array<number>(this.k).fill(0), count: 0 });
    for (let i = 0; i < this.k; i++) open.sums[i] = (open.sums[i] ?? 0) + (sample[i] ?? 0);
    open.count++;
  }

  /** Ends the open burst (nothing when it has no sample). */
  close(): void {
    const open = this.#open;
    this.#open = undefined;
    if (open === undefined || open.count === 0) return;
    for (let i = 0; i < this.#means.length; i++) this.#means[i]?.push((open.sums[i] ?? 0) / open.count);
  }

  /** Window means of the closed bursts; empty before the first burst closes. */
  get means(): number[] {
    if (this.bursts === 0) return [];
    const out = new Array<number>(this.#means.length);
    for (let i = 0; i < out.length; i++) out[i] = this.#means[i]?.mean ?? 0;
    return out;
  }

  /** s/√B of the burst means, per component; undefined with fewer than 2 bursts. */
  get standardErrors(): number[] | undefined {
    if (this.bursts < 2) return undefined;
    const out = new Array<number>(this.#means.length);
    for (let i = 0; i < out.length; i++) out[i] = this.#means[i]?.standardError ?? 0;
    return out;
  }

  state(): BurstMeansState {
    const state: BurstMeansState = { means: this.#means.map((m) => m.state()) };
    if (this.#open !== undefined) state.open = { sums: [...this.#open.sums], count: this.#open.count };
    return state;
  }

  static fromState(capacity: number, state: BurstMeansState): BurstMeans {
    const b = new BurstMeans(capacity, state.means.length);
    b.#means = state.means.map((m) => RollingMean.fromState(capacity, m));
    if (state.open !== undefined) b.#open = { sums: [...state.open.sums], count: state.open.count };
    return b;
  }
}
