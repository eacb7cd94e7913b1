import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { column, dot, identity, type Matrix, matMul, norm, transpose } from '../../../src/dynamics/matrix.js';
import { orthonormalizeColumns, qr } from '../../../src/dynamics/qr.js';
import { gaussian, mulberry32 } from '../../../src/dynamics/random.js';
import { assertAllClose, assertMatrixClose, assertOrthonormalColumns, randomMatrix } from './support.js';

function assertValidQr(a: Matrix, tolerance: number): { q: Matrix; r: Matrix } {
  const { q, r } = qr(a);
  const n = a[0]!.length;
  assert.equal(q.length, a.length);
  assert.ok(q.every((row) => row.length === n));
  assertMatrixClose(matMul(q, r), a, tolerance, 'Q·R');
  assertOrthonormalColumns(q, tolerance);
  r.forEach((row, i) => {
    row.forEach((v, j) => {
      if (j < i) assert.equal(v, 0, `R[${i}][${j}]`);
      if (j === i) assert.ok(v >= 0, `R[${i}][${i}] = ${v}`);
    });
  });
  return { q, r };
}

describe('dynamics > qr', () => {
  it('factors (3, 4)ᵀ as Q = (0.6, 0.8)ᵀ, R = 5', () => {
    const { q, r } = qr([[3], [4]]);
    assertMatrixClose(q, [[0.6], [0.8]], 1e-15);
    assertMatrixClose(r, [[5]], 1e-15);
  });

  it('makes the diagonal of R non-negative by flipping Q columns', () => {
    const { q, r } = qr([
      [-2, 1],
      [0, 3],
    ]);
    assertMatrixClose(
      r,
      [
        [2, -1],
        [0, 3],
      ],
      1e-15,
    );
    assertMatrixClose(
      q,
      [
        [-1, 0],
        [0, 1],
      ],
      1e-15,
    );
  });

  it('gives Q·R = A, QᵀQ = I and upper R with diag ≥ 0 on random tall and square matrices', () => {
    const rng = mulberry32(9);
    for (const [m, n] of [
      [1, 1],
      [4, 4],
      [8, 3],
      [20, 8],
      [50, 1],
    ] as const) {
      assertValidQr(randomMatrix(m, n, rng), 1e-13);
    }
  });

  it('keeps Q orthonormal on rank-deficient input (a repeated and a zero column)', () => {
    const rng = mulberry32(10);
    const base = randomMatrix(6, 2, rng);
    const a = base.map(([x, y]) => [x!, 2 * x!, 0, y!]);
    const { r } = assertValidQr(a, 1e-13);
    assert.ok(Math.abs(r[1]![1]!) <= 1e-14 * norm(column(a, 0)), `R[1][1] = ${r[1]![1]}`);
    assert.equal(r[2]![2], 0);
  });

  it('throws for wide or non-finite matrices', () => {
    assert.throws(() => qr([[1, 2]]), RangeError);
    assert.throws(() => qr([[NaN]]), TypeError);
  });
});

function toColumns(vectors: readonly Float64Array[]): Matrix {
  const n = vectors[0]!.length;
  return Array.from({ length: n }, (_, i) => vectors.map((v) => v[i]!));
}

describe('dynamics > orthonormalizeColumns', () => {
  it('handles three vectors of length 10,000 whose third depends on the first two', () => {
    const rng = mulberry32(12);
    const n = 10_000;
    const a = Float64Array.from({ length: n }, () => gaussian(rng));
    const b = Float64Array.from({ length: n }, () => gaussian(rng));
    const c = a.map((ai, i) => 2 * ai - 3 * b[i]!);
    const { q, r, rank } = orthonormalizeColumns([a, b, c]);
    assert.equal(rank, 2);
    assert.equal(r[2]![2], 0);
    assertMatrixClose(matMul(transpose(toColumns(q)), toColumns(q)), identity(3), 1e-14, 'QᵀQ');
    assertMatrixClose(matMul(toColumns(q), r), toColumns([a, b, c]), 1e-12, 'Q·R');
    assert.ok(Math.abs(r[0]![0]! - norm(a)) <= 1e-14 * norm(a), 'R₀₀ = ‖a‖');
    // The documented replacement: e_0 (far from a 2-plane in 10,000 dimensions) projected off q0, q1.
    const e0 = new Float64Array(n);
    e0[0] = 1;
    const replacement = e0.map((v, i) => v - q[0]![0]! * q[0]![i]! - q[1]![0]! * q[1]![i]!);
    const length = norm(replacement);
    assertAllClose(
      Array.from(q[2]!.subarray(0, 50)),
      Array.from(replacement.subarray(0, 50), (v) => v / length),
      1e-14,
    );
  });

  it('overwrites the columns with Q when asked to work in place, with the same Q and R', () => {
    const rng = mulberry32(13);
    const columns = [0, 1].map(() => Float64Array.from({ length: 1000 }, () => gaussian(rng)));
    const copies = columns.map((c) => c.slice());
    const copied = orthonormalizeColumns(copies);
    assert.deepEqual(copies, columns, 'the default leaves its input alone');
    const inPlace = orthonormalizeColumns(columns, true);
    assert.deepEqual(inPlace.q, copied.q);
    assert.deepEqual(inPlace.r, copied.r);
    assert.ok(inPlace.q[0] === columns[0] && inPlace.q[1] === columns[1], 'Q is the input columns');
  });

  it('replaces a dependent column by the first standard basis vector outside the span', () => {
    const e = (i: number): Float64Array => Float64Array.from({ length: 3 }, (_, j) => (i === j ? 1 : 0));
    const { q, r, rank } = orthonormalizeColumns([e(0), e(0).map((v) => 2 * v), e(2)]);
    assert.equal(rank, 2);
    assert.deepEqual(q, [e(0), e(1), e(2)]);
    assert.deepEqual(r, [
      [1, 2, 0],
      [0, 0, 0],
      [0, 0, 1],
    ]);
  });

  it('treats a zero column as degenerate with rank 0', () => {
    const { q, r, rank } = orthonormalizeColumns([new Float64Array(4)]);
    assert.equal(rank, 0);
    assert.deepEqual(r, [[0]]);
    assert.deepEqual(Array.from(q[0]!), [1, 0, 0, 0]);
  });

  it('stays orthogonal to rounding for nearly parallel columns (re-orthogonalisation)', () => {
    const rng = mulberry32(13);
    const n = 1000;
    const a = Float64Array.from({ length: n }, () => gaussian(rng));
    const b = a.map((ai) => ai + 1e-9 * gaussian(rng));
    const { q, rank } = orthonormalizeColumns([a, b]);
    assert.equal(rank, 2);
    assert.ok(Math.abs(dot(q[0]!, q[1]!)) < 1e-14, `q0·q1 = ${dot(q[0]!, q[1]!)}`);
    assert.ok(Math.abs(norm(q[1]!) - 1) < 1e-14);
  });

  it('agrees with Householder R on a random full-rank set', () => {
    const rng = mulberry32(14);
    const a = randomMatrix(40, 5, rng);
    const vectors = Array.from({ length: 5 }, (_, j) => Float64Array.from(column(a, j)));
    const { r, rank } = orthonormalizeColumns(vectors);
    assert.equal(rank, 5);
    assertMatrixClose(r, qr(a).r, 1e-12);
  });

  it('throws on more columns than dimensions, unequal lengths and non-finite entries', () => {
    assert.throws(() => orthonormalizeColumns([new Float64Array(1), new Float64Array(1)]), RangeError);
    assert.throws(() => orthonormalizeColumns([new Float64Array(3), new Float64Array(2)]), RangeError);
    assert.throws(() => orthonormalizeColumns([Float64Array.from([1, NaN])]), TypeError);
    assert.deepEqual(orthonormalizeColumns([]), { q: [], r: [], rank: 0 });
  });
});
