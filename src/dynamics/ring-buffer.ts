// Fixed-capacity FIFO of finite numbers: the storage under every rolling window.
import { assertCapacity, assertFiniteSample } from './guards.js';

export class RingBuffer {
  readonly #data: Float64Array;
  #start = 0;
  #size = 0;

  constructor(capacity: number) {
    assertCapacity('RingBuffer', capacity);
    this.#data = new Float64Array(capacity);
  }

  get capacity(): number {
    return this.#data.length;
  }

  get size(): number {
    return this.#size;
  }

  get full(): boolean {
    return this.#size === this.#data.length;
  }

  /** Appends x; once full, overwrites and returns the oldest value. */
  push(x: number): number | undefined {
    assertFiniteSample('RingBuffer', x);
    const capacity = this.#data.length;
    if (this.#size < capacity) {
      this.#data[(this.#start + this.#size) % capacity] = x;
      this.#size++;
      return undefined;
    }
    const evicted = this.#data[this.#start];
    this.#data[this.#start] = x;
    this.#start = (this.#start + 1) % capacity;
    return evicted;
  }

  /** i = 0 is the oldest value, size − 1 the newest; negative i counts from the newest (−1), as Array.prototype.at. */
  at(i: number): number | undefined {
    if (!Number.isSafeInteger(i)) throw new RangeError(`RingBuffer.at: index must be an integer, got ${i}`);
    const offset = i < 0 ? this.#size + i : i;
    if (offset < 0 || offset >= this.#size) return undefined;
    return this.#data[(this.#start + offset) % this.#data.length];
  }

  toArray(): number[] {
    const out = new Array<number>(this.#size);
    for (let i = 0; i < this.#size; i++) out[i] = this.#data[(this.#start + i) % this.#data.length] ?? 0;
    return out;
  }

  /** Σ x, oldest first (the order `toArray().reduce((s, x) => s + x, 0)` adds in, without the copy). */
  sum(): number {
    let s = 0;
    for (let i = 0; i < this.#size; i++) s += this.#data[(this.#start + i) % this.#data.length] ?? 0;
    return s;
  }

  /** Σ (x − mean)², oldest first. */
  sumOfSquaredDeviations(mean: number): number {
    let s = 0;
    for (let i = 0; i < this.#size; i++)
      s += ((this.#data[(this.#start + i) % this.#data.length] ?? 0) - mean) ** 2;
    return s;
  }

  clear(): void {
    this.#start = 0;
    this.#size = 0;
  }
}
