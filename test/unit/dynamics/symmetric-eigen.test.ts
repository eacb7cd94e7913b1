import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { column, diag, identity, type Matrix, matVec } from '../../../src/dynamics/matrix.js';
import { mulberry32 } from '../../../src/dynamics/random.js';
import { symmetricEigen } from '../../../src/dynamics/symmetric-eigen.js';
import {
  assertAllClose,
  assertOrthonormalColumns,
  descending,
  randomMatrix,
  rotatedSymmetric,
} from './support.js';

function assertEigenpairs(a: Matrix, values: number[], vectors: Matrix, tolerance: number): void {
  const scale = Math.max(...values.map(Math.abs), 1);
  values.forEach((lambda, i) => {
    const v = column(vectors, i);
    assertAllClose(
      matVec(a, v),
      v.map((x) => lambda * x),
      tolerance * scale,
      `A·v${i} = λv${i}`,
    );
  });
  assertOrthonormalColumns(vectors, tolerance);
}

const SPECTRA: readonly (readonly number[])[] = [
  [2.5],
  [3, -1],
  [4, 4, -2],
  [1, -1, 1, -1],
  [10, 3, 3, 3, -0.5],
  [5, 0, 0, -5, 2, 2e-6],
  [7, 6, -6, 1, 1, 1, 0.25],
  [100, 50, 10, -1, -1, -20, 0.5, 3],
];

describe('dynamics > symmetricEigen', () => {
  it('returns the diagonal of a diagonal matrix, descending, with signed unit vectors', () => {
    const { values, vectors } = symmetricEigen(diag([1, 3, -2]));
    assert.deepEqual(values, [3, 1, -2]);
    assert.deepEqual(vectors, [
      [0, 1, 0],
      [1, 0, 0],
      [0, 0, 1],
    ]);
  });

  it('matches the closed form (a+c)/2 ± √(((a−c)/2)² + b²) on a 2×2 matrix', () => {
    const [a, b, c] = [2, -1.5, -0.5];
    const root = Math.sqrt(((a - c) / 2) ** 2 + b * b);
    const m = [
      [a, b],
      [b, c],
    ];
    const { values, vectors } = symmetricEigen(m);
    assertAllClose(values, [(a + c) / 2 + root, (a + c) / 2 - root], 1e-15);
    assertEigenpairs(m, values, vectors, 1e-15);
  });

  it('recovers known spectra (negative, repeated, zero) of Q·diag(s)·Qᵀ for k = 1..8', () => {
    const rng = mulberry32(21);
    for (const spectrum of SPECTRA) {
      const { a } = rotatedSymmetric(spectrum, rng);
      const { values, vectors } = symmetricEigen(a);
      const scale = Math.max(...spectrum.map(Math.abs));
      assertAllClose(values, descending(spectrum), 1e-14 * scale, `k=${spectrum.length}`);
      assertEigenpairs(a, values, vectors, 1e-13);
    }
  });

  it('recovers the eigenvector of a simple eigenvalue up to the documented sign', () => {
    const rng = mulberry32(22);
    const { a, q } = rotatedSymmetric([3, 1, -2, 0.5], rng);
    const { vectors } = symmetricEigen(a);
    for (const [i, source] of [
      [0, 0],
      [1, 1],
      [2, 3],
      [3, 2],
    ] as const) {
      const expected = column(q, source);
      const largest = expected.reduce((m, x) => (Math.abs(x) > Math.abs(m) ? x : m), 0);
      assertAllClose(
        column(vectors, i),
        expected.map((x) => Math.sign(largest) * x),
        1e-13,
      );
    }
  });

  it('uses the symmetric part of a slightly asymmetric matrix', () => {
    const rng = mulberry32(23);
    const spectrum = [2, 0.5, -1, -3];
    const { a } = rotatedSymmetric(spectrum, rng);
    const noise = randomMatrix(4, 4, rng);
    const skewed = a.map((row, i) => row.map((x, j) => x + 1e-6 * (noise[i]![j]! - noise[j]![i]!)));
    assertAllClose(symmetricEigen(skewed).values, descending(spectrum), 1e-14);
  });

  it('is scale-invariant from 1e-150 to 1e150', () => {
    const rng = mulberry32(24);
    const spectrum = [3, -2, 1];
    for (const scale of [1e-150, 1e150]) {
      const { a } = rotatedSymmetric(
        spectrum.map((h) => h * scale),
        rng,
      );
      const { values } = symmetricEigen(a);
      assertAllClose(
        values.map((v) => v / scale),
        descending(spectrum),
        1e-14,
      );
    }
  });

  it('returns zeros and the identity for the zero matrix', () => {
    const { values, vectors } = symmetricEigen([
      [0, 0],
      [0, 0],
    ]);
    assert.deepEqual(values, [0, 0]);
    assert.deepEqual(vectors, identity(2));
  });

  it('throws RangeError for k > 8 or non-square input and TypeError for non-finite input', () => {
    assert.throws(() => symmetricEigen(identity(9)), RangeError);
    assert.throws(() => symmetricEigen([[1, 2]]), RangeError);
    assert.throws(() => symmetricEigen([[NaN]]), TypeError);
    assert.deepEqual(symmetricEigen([]), { values: [], vectors: [] });
  });
});
