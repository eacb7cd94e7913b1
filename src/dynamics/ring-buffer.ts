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
    return Array.from(
      { length: this.#size },
      (_, i) => this.#data[(this.#start + i) % this.#data.length] ?? 0,
    );
  }

  clear(): void {
    this.#start = 0;
    this.#size = 0;
  }
}
