// Checked element access under `noUncheckedIndexedAccess`. Shapes are validated on entry to every
// public function, so these throws only fire on a bug in this folder; they keep such a bug loud
// instead of silently reading `undefined` as NaN. Internal: not re-exported from index.ts.
import type { Matrix } from './matrix-type.js';

export function rowAt(a: Matrix, i: number): number[] {
  const row = a[i];
  if (row === undefined) throw new RangeError(`row ${i} is outside a ${a.length}-row matrix`);
  return row;
}

export function entry(a: Matrix, i: number, j: number): number {
  const value = rowAt(a, i)[j];
  if (value === undefined) throw new RangeError(`column ${j} is outside row ${i} of the matrix`);
  return value;
}

export function setEntry(a: Matrix, i: number, j: number, value: number): void {
  rowAt(a, i)[j] = value;
}

export function component(x: ArrayLike<number>, i: number): number {
  const value = x[i];
  if (value === undefined) throw new RangeError(`index ${i} is outside a vector of length ${x.length}`);
  return value;
}
