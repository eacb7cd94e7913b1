import { symmetricEigen, type Matrix } from '../../../../src/dynamics/index.js';
import type { Dataset } from '../../../../src/trainer/index.js';

/** XᵀX/n of the rows `indices` of a regression dataset, in float64: the exact least-squares Hessian. */
export function leastSquaresHessian(dataset: Dataset, indices: ArrayLike<number>): Matrix {
  const d = dataset.inputShape[0]!;
  const h: Matrix = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let r = 0; r < indices.length; r++) {
    const row = indices[r]!;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) h[i]![j]! += dataset.inputs[row * d + i]! * dataset.inputs[row * d + j]!;
    }
  }
  return h.map((row) => row.map((x) => x / indices.length));
}

export function eigenvalues(m: Matrix): number[] {
  return symmetricEigen(m).values;
}

export function matVec64(m: Matrix, v: ArrayLike<number>): Float64Array {
  return Float64Array.from(m, (row) => row.reduce((s, x, j) => s + x * v[j]!, 0));
}

export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < expected.length; i++) {
    num += (actual[i]! - expected[i]!) ** 2;
    den += expected[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

export function rel(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

export const allIndices = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);
