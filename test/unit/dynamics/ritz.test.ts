import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { predictedExponent } from '../../../src/dynamics/exponent-curvature.js';
import { localExponents } from '../../../src/dynamics/local-exponents.js';
import { identity, type Matrix, matMul, transpose } from '../../../src/dynamics/matrix.js';
import { mulberry32 } from '../../../src/dynamics/random.js';
import { orderByExpansion, ritzValues } from '../../../src/dynamics/ritz.js';
import { symmetricEigen } from '../../../src/dynamics/symmetric-eigen.js';
import { assertAllClose, columnsOf, descending, givensOrthogonal, rotatedSymmetric } from './support.js';

const SPECTRUM = [3, 1, -0.5, 0.2, -2, 4, 0.7];

function rayleigh(h: Matrix, v: Matrix): Matrix {
  return matMul(matMul(transpose(v), h), v);
}

describe('dynamics > ritzValues', () => {
  it('returns the eigenvalues h, descending, when V spans eigenvectors of H', () => {
    const { a: h, q } = rotatedSymmetric(SPECTRUM, mulberry32(41));
    for (let k = 1; k <= 5; k++) {
      assertAllClose(
        ritzValues(rayleigh(h, columnsOf(q, k))),
        descending(SPECTRUM.slice(0, k)),
        1e-13,
        `k=${k}`,
      );
    }
  });

  it('does not depend on the basis chosen inside the subspace', () => {
    const rng = mulberry32(42);
    const { a: h, q } = rotatedSymmetric(SPECTRUM, rng);
    const v = matMul(columnsOf(q, 4), givensOrthogonal(4, rng));
    assertAllClose(ritzValues(rayleigh(h, v)), descending(SPECTRUM.slice(0, 4)), 1e-13);
  });

  it('lies within [h_min, h_max] on a generic subspace (Courant–Fischer)', () => {
    const rng = mulberry32(43);
    const { a: h } = rotatedSymmetric(SPECTRUM, rng);
    const v = columnsOf(givensOrthogonal(SPECTRUM.length, rng), 3);
    const ritz = ritzValues(rayleigh(h, v));
    assert.ok(
      ritz.every((x) => x <= 4 + 1e-12 && x >= -2 - 1e-12),
      ritz.join(', '),
    );
    assert.ok(ritz[0]! < 4 - 1e-6, 'a generic 3-dimensional subspace misses the top eigenvalue');
  });
});

describe('dynamics > ritzValues for k = 1, 2 (closed form)', () => {
  it('agrees with Jacobi on generic, slightly asymmetric 2×2 matrices, repeated eigenvalues included', () => {
    const rng = mulberry32(44);
    const cases: Matrix[] = [
      [
        [2, 0],
        [0, 2],
      ],
      [
        [1e-300, 0],
        [0, -1e-300],
      ],
      [
        [1e300, 1e300],
        [1e300, 1e300],
      ],
    ];
    for (let i = 0; i < 200; i++) {
      const b = rng() * 4 - 2;
      cases.push([
        [rng() * 10 - 5, b],
        [b + (rng() - 0.5) * 1e-6, rng() * 10 - 5],
      ]);
    }
    for (const r of cases) {
      const jacobi = symmetricEigen(r).values;
      const scale = Math.max(...jacobi.map(Math.abs), 1e-300);
      const closed = ritzValues(r);
      closed.forEach((x, i) => {
        assert.ok(
          Math.abs(x - jacobi[i]!) <= 1e-14 * scale,
          `${JSON.stringify(r)}: ${closed.join(',')} vs ${jacobi.join(',')}`,
        );
      });
    }
    assert.deepEqual(ritzValues([[-3.5]]), [-3.5]);
  });

  it('rejects non-finite entries with a TypeError', () => {
    assert.throws(() => ritzValues([[NaN]]), TypeError);
    assert.throws(
      () =>
        ritzValues([
          [1, Infinity],
          [0, 1],
        ]),
      TypeError,
    );
  });
});

describe('dynamics > orderByExpansion', () => {
  it('puts the most negative curvature first when eta is below 2/h_max', () => {
    // |1 − 0.1h|: h=3 → 0.7, h=1 → 0.9, h=−0.5 → 1.05
    assert.deepEqual(orderByExpansion([3, 1, -0.5], 0.1), [-0.5, 1, 3]);
  });

  it('puts the sharpest curvature first when eta is above 2/h_max', () => {
    // |1 − 0.9h|: h=3 → 1.7, h=1 → 0.1, h=−0.5 → 1.45
    assert.deepEqual(orderByExpansion([1, -0.5, 3], 0.9), [3, -0.5, 1]);
  });

  it('breaks ties by the larger h', () => {
    assert.deepEqual(orderByExpansion([0.5, 1.5], 1), [1.5, 0.5]);
    assert.deepEqual(orderByExpansion([1.5, 0.5], 1), [1.5, 0.5]);
  });

  it('pairs curvature[i] with the i-th largest measured exponent', () => {
    const spectrum = [3, 1, -0.5, 2.2];
    const { a: h, q } = rotatedSymmetric(spectrum, mulberry32(44));
    for (const eta of [0.1, 0.5, 0.9]) {
      const jv = matMul(
        identity(4).map((row, i) => row.map((x, j) => x - eta * h[i]![j]!)),
        q,
      );
      const measured = descending(localExponents(matMul(transpose(jv), jv)).exponents);
      const curvature = orderByExpansion(ritzValues(rayleigh(h, q)), eta);
      assertAllClose(
        curvature.map((c) => predictedExponent(eta, c)),
        measured,
        1e-12,
        `eta=${eta}`,
      );
    }
  });

  it('leaves its input unchanged and rejects eta ≤ 0 and non-finite values', () => {
    const values = [1, 2];
    orderByExpansion(values, 0.1);
    assert.deepEqual(values, [1, 2]);
    assert.throws(() => orderByExpansion(values, 0), RangeError);
    assert.throws(() => orderByExpansion(values, NaN), RangeError);
    assert.throws(() => orderByExpansion([NaN], 0.1), TypeError);
  });
});
