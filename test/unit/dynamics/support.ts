// Independent test fixtures: orthogonal matrices built from explicit Givens rotations (so the
// truth never depends on the QR under test) and tolerance assertions.
import assert from 'node:assert/strict';

import { gaussian, identity, type Matrix, matMul, transpose } from '../../../src/dynamics/index.js';

export function assertClose(actual: number, expected: number, tolerance: number, label = ''): void {
  const scale = Math.max(1, Math.abs(expected));
  assert.ok(
    Number.isFinite(actual) && Math.abs(actual - expected) <= tolerance * scale,
    `${label} expected ${expected} ± ${tolerance * scale}, got ${actual}`,
  );
}

export function assertAllClose(
  actual: readonly number[],
  expected: readonly number[],
  tolerance: number,
  label = '',
): void {
  assert.equal(actual.length, expected.length, `${label} length`);
  expected.forEach((e, i) => {
    assertClose(actual[i]!, e, tolerance, `${label}[${i}]`);
  });
}

export function assertMatrixClose(actual: Matrix, expected: Matrix, tolerance: number, label = ''): void {
  assert.equal(actual.length, expected.length, `${label} rows`);
  expected.forEach((row, i) => {
    assertAllClose(actual[i]!, row, tolerance, `${label}[${i}]`);
  });
}

export function assertOrthonormalColumns(q: Matrix, tolerance: number, label = ''): void {
  const cols = q[0]?.length ?? 0;
  assertMatrixClose(matMul(transpose(q), q), identity(cols), tolerance, `${label} QᵀQ`);
}

/** A product of Givens rotations over every plane, twice, with random angles: orthogonal by construction. */
export function givensOrthogonal(n: number, rng: () => number): Matrix {
  let q = identity(n);
  for (let sweep = 0; sweep < 2; sweep++) {
    for (let i = 0; i < n - 1; i++) {
      for (let j = i + 1; j < n; j++) {
        const angle = 2 * Math.PI * rng();
        const g = identity(n);
        g[i]![i] = Math.cos(angle);
        g[j]![j] = Math.cos(angle);
        g[i]![j] = -Math.sin(angle);
        g[j]![i] = Math.sin(angle);
        q = matMul(q, g);
      }
    }
  }
  return q;
}

/** A = Q·diag(spectrum)·Qᵀ, exactly symmetric; column i of q is the eigenvector of spectrum[i]. */
export function rotatedSymmetric(spectrum: readonly number[], rng: () => number): { a: Matrix; q: Matrix } {
  const n = spectrum.length;
  const q = givensOrthogonal(n, rng);
  const a = identity(n).map((row, i) =>
    row.map((_, j) => spectrum.reduce((s, h, p) => s + q[i]![p]! * h * q[j]![p]!, 0)),
  );
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j]![i] = a[i]![j]!;
  return { a, q };
}

export function randomMatrix(rows: number, cols: number, rng: () => number): Matrix {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => gaussian(rng)));
}

export function columnsOf(a: Matrix, count: number): Matrix {
  return a.map((row) => row.slice(0, count));
}

export const descending = (values: readonly number[]): number[] => [...values].sort((x, y) => y - x);
