// Mean over the last `capacity` samples in O(1) per push.
import { RingBuffer } from './ring-buffer.js';

export class RollingMean {
  readonly #window: RingBuffer;
  #sum = 0;
  #pushesSinceResum = 0;

  constructor(capacity: number) {
    this.#window = new RingBuffer(capacity);
  }

  get capacity(): number {
    return this.#window.capacity;
  }

  get size(): number {
    return this.#window.size;
  }

  /**
   * Running sum updated by (x − evicted); every `capacity` pushes it is recomputed from the
   * window, so rounding left behind by evicted large values cannot accumulate (drift stays
   * bounded by one window's worth of rounding, however long the stream).
   */
  push(x: number): void {
    const evicted = this.#window.push(x);
    this.#sum += x - (evicted ?? 0);
    this.#pushesSinceResum++;
    if (this.#pushesSinceResum >= this.#window.capacity) {
      this.#sum = this.#window.sum();
      this.#pushesSinceResum = 0;
    }
  }

  /** undefined when empty. If the running sum overflowed, the mean is recomputed as Σ(x/size). */
  get mean(): number | undefined {
    const size = this.#window.size;
    if (size === 0) return undefined;
    const mean = this.#sum / size;
    if (Number.isFinite(mean)) return mean;
    return this.#window.toArray().reduce((s, v) => s + v / size, 0);
  }

  /**
   * s/√n of the window's values (the standard error of their mean); undefined with fewer than 2.
   * Sums oldest first, as a reduce over `state().values` would.
   */
  get standardError(): number | undefined {
    const n = this.#window.size;
    if (n < 2) return undefined;
    const mean = this.#window.sum() / n;
    return Math.sqrt(this.#window.sumOfSquaredDeviations(mean) / (n - 1) / n);
  }

  clear(): void {
    this.#window.clear();
    this.#sum = 0;
    this.#pushesSinceResum = 0;
  }

  /** Everything that determines later means, exactly (the running sum too, not recomputed). */
  state(): RollingMeanState {
    return { values: this.#window.toArray(), sum: this.#sum, pushesSinceResum: this.#pushesSinceResum };
  }

  /** A window that continues exactly as the one whose `state()` this is. */
  static fromState(capacity: number, state: RollingMeanState): RollingMean {
    if (state.values.length > capacity) {
      throw new RangeError(
        `RollingMean.fromState: ${state.values.length} values exceed capacity ${capacity}`,
      );
    }
    const mean = new RollingMean(capacity);
    for (const x of state.values) mean.#window.push(x);
    mean.#sum = state.sum;
    mean.#pushesSinceResum = state.pushesSinceResum;
    return mean;
  }
}

export interface RollingMeanState {
  values: number[];
  sum: number;
  pushesSinceResum: number;
}
