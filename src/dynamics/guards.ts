// Argument checks shared by the rolling windows. Internal: not re-exported from index.ts.

export function assertCapacity(owner: string, capacity: number): void {
  if (!Number.isSafeInteger(capacity) || capacity < 1) {
    throw new RangeError(`${owner}: capacity must be a positive integer, got ${capacity}`);
  }
}

export function assertFiniteSample(owner: string, x: number): void {
  if (!Number.isFinite(x)) throw new TypeError(`${owner}.push: expected a finite number, got ${x}`);
}
