// Median over the last `capacity` samples: robust to the occasional wild probe (a sharpness
// estimate from a poorly converged power iteration) that would drag a mean.
import { RingBuffer } from './ring-buffer.js';

/** First index whose value is ≥ x (binary search in an ascending array). */
function lowerBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? 0) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class RollingMedian {
  readonly #window: RingBuffer;
  readonly #sorted: number[] = [];

  constructor(capacity: number) {
    this.#window = new RingBuffer(capacity);
  }

  get capacity(): number {
    return this.#window.capacity;
  }

  get size(): number {
    return this.#window.size;
  }

  /** A sorted copy of the window kept by binary-search insert and remove: O(capacity) per push. */
  push(x: number): void {
    const evicted = this.#window.push(x);
    if (evicted !== undefined) this.#sorted.splice(lowerBound(this.#sorted, evicted), 1);
    this.#sorted.splice(lowerBound(this.#sorted, x), 0, x);
  }

  /** undefined when empty; for an even size the mean of the two middle values (as a/2 + b/2: no overflow). */
  get median(): number | undefined {
    const n = this.#sorted.length;
    if (n === 0) return undefined;
    const upper = this.#sorted[n >>> 1] ?? 0;
    if (n % 2 === 1) return upper;
    return (this.#sorted[(n >>> 1) - 1] ?? 0) / 2 + upper / 2;
  }

  clear(): void {
    this.#window.clear();
    this.#sorted.length = 0;
  }

  /** The window's values, oldest first: all that determines later medians. */
  values(): number[] {
    return this.#window.toArray();
  }

  /** A window that continues exactly as the one whose `values()` these are. */
  static fromValues(capacity: number, values: readonly number[]): RollingMedian {
    if (values.length > capacity) {
      throw new RangeError(`RollingMedian.fromValues: ${values.length} values exceed capacity ${capacity}`);
    }
    const median = new RollingMedian(capacity);
    for (const x of values) median.push(x);
    return median;
  }
}
