import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { cholesky, choleskyDiagonal } from '../../../src/dynamics/cholesky.js';
import { identity, type Matrix, matMul, transpose } from '../../../src/dynamics/matrix.js';
import { mulberry32 } from '../../../src/dynamics/random.js';
import { assertAllClose, assertClose, assertMatrixClose, randomMatrix, rotatedSymmetric } from './support.js';

function factor(a: Matrix): Matrix {
  const result = cholesky(a);
  assert.ok(result.ok, `expected a factor, got ${JSON.stringify(result)}`);
  return result.l;
}

function randomSpd(k: number, rng: () => number): Matrix {
  const b = randomMatrix(k, k, rng);
  return matMul(b, transpose(b)).map((row, i) => row.map((v, j) => v + (i === j ? k : 0)));
}

describe('dynamics > cholesky', () => {
  it('factors the textbook matrix [[4,12,-16],[12,37,-43],[-16,-43,98]] into [[2],[6,1],[-8,5,3]]', () => {
    const l = factor([
      [4, 12, -16],
      [12, 37, -43],
      [-16, -43, 98],
    ]);
    assert.deepEqual(l, [
      [2, 0, 0],
      [6, 1, 0],
      [-8, 5, 3],
    ]);
  });

  it('reconstructs L·Lᵀ = A with L lower triangular and positive diagonal for random SPD of order 1..8', () => {
    const rng = mulberry32(1);
    for (let k = 1; k <= 8; k++) {
      const a = randomSpd(k, rng);
      const l = factor(a);
      assertMatrixClose(matMul(l, transpose(l)), a, 1e-13, `k=${k}`);
      l.forEach((row, i) => {
        row.forEach((v, j) => {
          if (j > i) assert.equal(v, 0);
          if (j === i) assert.ok(v > 0);
        });
      });
    }
  });

  it('reads only the lower triangle', () => {
    const l = factor([
      [4, NaN],
      [2, 5],
    ]);
    assert.deepEqual(l, [
      [2, 0],
      [1, 2],
    ]);
  });

  it('reports an indefinite matrix with the index of the failing pivot', () => {
    assert.deepEqual(
      cholesky([
        [1, 2],
        [2, 1],
      ]),
      { ok: false, reason: 'not-positive-definite', index: 1 },
    );
    assert.deepEqual(cholesky([[-1]]), { ok: false, reason: 'not-positive-definite', index: 0 });
    assert.deepEqual(
      cholesky([
        [1, 1],
        [1, 1],
      ]),
      { ok: false, reason: 'not-positive-definite', index: 1 },
    );
  });

  it('reports non-square and non-finite input', () => {
    assert.deepEqual(cholesky([[1, 2]]), { ok: false, reason: 'not-square' });
    assert.deepEqual(
      cholesky([
        [1, 0],
        [Infinity, 1],
      ]),
      { ok: false, reason: 'non-finite', index: 1 },
    );
  });
});

describe('dynamics > choleskyDiagonal', () => {
  it('equals the diagonal of the strict factor on a positive-definite matrix', () => {
    const rng = mulberry32(2);
    for (let k = 1; k <= 8; k++) {
      const a = randomSpd(k, rng);
      const l = factor(a);
      const { diag, degenerate } = choleskyDiagonal(a);
      assert.equal(degenerate, false);
      assertAllClose(
        diag,
        l.map((row, i) => row[i]!),
        1e-14,
      );
    }
  });

  it('marks the second of two equal columns as collapsed (0) and still measures the third', () => {
    // W = [a, a, b] with a = (1,1,0), b = (1,0,1): |R_11| = √2, R_22 = 0, |R_33| = ‖b − (b·a/a·a)a‖ = √1.5.
    const w = [
      [1, 1, 1],
      [1, 1, 0],
      [0, 0, 1],
    ];
    const { diag, degenerate } = choleskyDiagonal(matMul(transpose(w), w));
    assert.equal(degenerate, true);
    assertAllClose(diag, [Math.SQRT2, 0, Math.sqrt(1.5)], 1e-14);
    assert.ok(diag.every((d) => Number.isFinite(d)));
  });

  it('turns a pivot made negative by rounding into a collapsed direction', () => {
    const { diag, degenerate } = choleskyDiagonal([
      [1, 1],
      [1, 1 - 2 ** -52],
    ]);
    assert.deepEqual(diag, [1, 0]);
    assert.equal(degenerate, true);
  });

  it('returns zeros, degenerate, for the zero matrix', () => {
    assert.deepEqual(
      choleskyDiagonal([
        [0, 0],
        [0, 0],
      ]),
      { diag: [0, 0], degenerate: true },
    );
  });

  it('stays finite and keeps the determinant on a Gram matrix of condition 1e12', () => {
    const spectrum = [1, 1e-3, 1e-6, 1e-9, 1e-12];
    const { a } = rotatedSymmetric(spectrum, mulberry32(5));
    const { diag, degenerate } = choleskyDiagonal(a);
    assert.equal(degenerate, false);
    assert.ok(diag.every((d) => Number.isFinite(d) && d > 0));
    const logDet = diag.reduce((s, d) => s + 2 * Math.log(d), 0);
    assertClose(
      logDet,
      spectrum.reduce((s, h) => s + Math.log(h), 0),
      1e-3,
      'log det',
    );
  });

  it('applies relTol relative to the trace', () => {
    const g = [
      [1, 0],
      [0, 1e-10],
    ];
    assert.deepEqual(choleskyDiagonal(g), { diag: [1, 1e-5], degenerate: false });
    assert.deepEqual(choleskyDiagonal(g, 1e-9), { diag: [1, 0], degenerate: true });
  });

  it('throws on non-square, non-finite input and an invalid relTol', () => {
    assert.throws(() => choleskyDiagonal([[1, 2]]), RangeError);
    assert.throws(() => choleskyDiagonal([[NaN]]), TypeError);
    assert.throws(() => choleskyDiagonal(identity(2), -1), RangeError);
    assert.throws(() => choleskyDiagonal(identity(2), NaN), RangeError);
  });
});
