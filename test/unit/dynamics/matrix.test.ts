import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  column,
  diag,
  dot,
  frobeniusNorm,
  identity,
  isFiniteMatrix,
  isSquare,
  matMul,
  matVec,
  norm,
  shape,
  symmetrize,
  transpose,
  zeros,
} from '../../../src/dynamics/matrix.js';

describe('dynamics > matrix', () => {
  it('multiplies a 2×3 by a 3×2 matrix as computed by hand', () => {
    const a = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const b = [
      [7, 8],
      [9, 10],
      [11, 12],
    ];
    assert.deepEqual(matMul(a, b), [
      [58, 64],
      [139, 154],
    ]);
  });

  it('rejects matMul and matVec with mismatched inner dimensions', () => {
    assert.throws(() => matMul([[1, 2]], [[1, 2]]), RangeError);
    assert.throws(() => matVec([[1, 2]], [1, 2, 3]), RangeError);
    assert.throws(() => dot([1], [1, 2]), RangeError);
  });

  it('transposes, multiplies a vector and takes dot products', () => {
    assert.deepEqual(transpose([[1, 2, 3]]), [[1], [2], [3]]);
    assert.deepEqual(
      matVec(
        [
          [1, 2],
          [3, 4],
        ],
        [1, -1],
      ),
      [-1, -1],
    );
    assert.equal(dot(new Float64Array([1, 2, 3]), [4, 5, 6]), 32);
    assert.deepEqual(
      column(
        [
          [1, 2],
          [3, 4],
        ],
        1,
      ),
      [2, 4],
    );
  });

  it('builds identity, zeros and diagonal matrices', () => {
    assert.deepEqual(identity(2), [
      [1, 0],
      [0, 1],
    ]);
    assert.deepEqual(zeros(1, 3), [[0, 0, 0]]);
    assert.deepEqual(diag([2, -1]), [
      [2, 0],
      [0, -1],
    ]);
    assert.throws(() => zeros(-1, 2), RangeError);
    assert.throws(() => identity(1.5), RangeError);
  });

  it('symmetrizes to (A + Aᵀ)/2 without overflow near the float64 limit', () => {
    assert.deepEqual(
      symmetrize([
        [1, 2],
        [4, 3],
      ]),
      [
        [1, 3],
        [3, 3],
      ],
    );
    assert.deepEqual(
      symmetrize([
        [0, 1.5e308],
        [1.5e308, 0],
      ]),
      [
        [0, 1.5e308],
        [1.5e308, 0],
      ],
    );
    assert.throws(() => symmetrize([[1, 2]]), RangeError);
  });

  it('computes the Euclidean norm 5 of (3, 4) at every scale without overflow or underflow', () => {
    for (const scale of [1, 1e-200, 1e200, 1e-160, 1e154]) {
      const n = norm([3 * scale, 4 * scale]);
      assert.ok(Math.abs(n - 5 * scale) <= 1e-15 * 5 * scale, `scale ${scale}: ${n}`);
    }
    assert.equal(norm([]), 0);
    assert.equal(
      frobeniusNorm([
        [1, 2],
        [2, 4],
      ]),
      5,
    );
  });

  it('reports shape, squareness and finiteness', () => {
    assert.deepEqual(shape([[1, 2, 3]]), { rows: 1, cols: 3 });
    assert.throws(() => shape([[1, 2], [3]]), RangeError);
    assert.equal(
      isSquare([
        [1, 2],
        [3, 4],
      ]),
      true,
    );
    assert.equal(isSquare([[1, 2]]), false);
    assert.equal(
      isFiniteMatrix([
        [1, 2],
        [3, 4],
      ]),
      true,
    );
    assert.equal(isFiniteMatrix([[1, NaN]]), false);
    assert.equal(isFiniteMatrix([[Infinity]]), false);
  });
});
