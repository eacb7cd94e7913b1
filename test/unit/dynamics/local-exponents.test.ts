import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { LOCAL_EXPONENT_FLOOR, localExponents } from '../../../src/dynamics/local-exponents.js';
import { diag, identity, type Matrix, matMul, transpose } from '../../../src/dynamics/matrix.js';
import { qr } from '../../../src/dynamics/qr.js';
import { mulberry32 } from '../../../src/dynamics/random.js';
import { assertAllClose, columnsOf, randomMatrix, rotatedSymmetric } from './support.js';

function stepJacobian(h: Matrix, eta: number): Matrix {
  return identity(h.length).map((row, i) => row.map((x, j) => x - eta * h[i]![j]!));
}

function gramOf(jv: Matrix): Matrix {
  return matMul(transpose(jv), jv);
}

const truth = (eta: number, h: number): number => Math.log(Math.abs(1 - eta * h));

describe('dynamics > localExponents', () => {
  it('matches log|1 - eta*h| on a diagonal quadratic', () => {
    const spectrum = [4, 1, -0.5];
    const eta = 0.1;
    const jv = stepJacobian(diag(spectrum), eta);
    const { exponents, degenerate } = localExponents(gramOf(jv));
    assert.equal(degenerate, false);
    assertAllClose(
      exponents,
      spectrum.map((h) => truth(eta, h)),
      1e-15,
    );
  });

  it('matches log|1 - eta*h_i| in V column order on a rotated quadratic, k = 1..4, eta below and above 2/h_max', () => {
    const rng = mulberry32(31);
    const spectrum = [5, 2, 0.3, -0.8, -2, 1.1, 0.05, 3.5];
    const { a: h, q } = rotatedSymmetric(spectrum, rng);
    for (const eta of [0.1, 0.3, 0.55]) {
      for (let k = 1; k <= 4; k++) {
        const v = columnsOf(q, k);
        const { exponents, degenerate } = localExponents(gramOf(matMul(stepJacobian(h, eta), v)));
        assert.equal(degenerate, false);
        assertAllClose(
          exponents,
          spectrum.slice(0, k).map((x) => truth(eta, x)),
          1e-12,
          `eta=${eta} k=${k}`,
        );
      }
    }
  });

  it('returns the floor, not -Infinity, where eta*h = 1', () => {
    const exact = localExponents(gramOf(stepJacobian(diag([2, 1]), 0.5)));
    assert.deepEqual(exact, { exponents: [LOCAL_EXPONENT_FLOOR, Math.log(0.5)], degenerate: true });

    const { a: h, q } = rotatedSymmetric([2, 1, -1], mulberry32(32));
    const { exponents, degenerate } = localExponents(gramOf(matMul(stepJacobian(h, 0.5), q)));
    assert.equal(degenerate, true);
    assertAllClose(exponents, [LOCAL_EXPONENT_FLOOR, Math.log(0.5), Math.log(1.5)], 1e-12);
  });

  it('floors a measurable but sub-1e-12 contraction without calling it degenerate', () => {
    assert.deepEqual(localExponents([[1e-26]]), { exponents: [LOCAL_EXPONENT_FLOOR], degenerate: false });
    assert.equal(LOCAL_EXPONENT_FLOOR, Math.log(1e-12));
  });

  it('equals log|R_ii| of the QR of JV for a non-orthogonal V', () => {
    const rng = mulberry32(33);
    const { a: h } = rotatedSymmetric([3, 1, -0.5, 0.2, 2], rng);
    const v = randomMatrix(5, 3, rng);
    const jv = matMul(stepJacobian(h, 0.2), v);
    const { r } = qr(jv);
    assertAllClose(
      localExponents(gramOf(jv)).exponents,
      r.map((row, i) => Math.log(row[i]!)),
      1e-12,
    );
  });

  it('throws on non-square and non-finite Gram matrices', () => {
    assert.throws(() => localExponents([[1, 0]]), RangeError);
    assert.throws(() => localExponents([[Infinity]]), TypeError);
  });
});
