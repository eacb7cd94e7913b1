import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { type Matrix } from '../../../src/dynamics/matrix.js';
import { gaussian, mulberry32 } from '../../../src/dynamics/random.js';
import { RitzBasis } from '../../../src/dynamics/ritz-basis.js';
import { rotatedSymmetric } from './support.js';

// A 30×30 symmetric H = Q diag(s) Qᵀ with a known spectrum: Rayleigh–Ritz on a basis grown by
// the residuals of its extreme Ritz pairs (Lanczos/Davidson) must find both ends.
const N = 30;
const SPECTRUM = Array.from({ length: N }, (_, i) => (i === 0 ? 5 : i === 1 ? -2 : Math.sin(i)));
const { a: H } = rotatedSymmetric(SPECTRUM, mulberry32(9));

function times(h: Matrix, v: Float64Array): Float64Array {
  return Float64Array.from(h, (row) => row.reduce((s, x, j) => s + x * (v[j] as number), 0));
}

function randomVector(rng: () => number): Float64Array {
  return Float64Array.from({ length: N }, () => gaussian(rng));
}

describe('dynamics > RitzBasis', () => {
  it('finds λ_max and λ_min of a known spectrum by growing the basis with residuals, restarting when full', () => {
    const rng = mulberry32(3);
    const basis = new RitzBasis();
    for (const x of [randomVector(rng), randomVector(rng)]) basis.add(x, times(H, x));
    let pairs = basis.ritz([0, -1]);
    for (let round = 0; round < 40; round++) {
      if (pairs.every((p) => p.residualNorm < 1e-10)) break;
      if (basis.size + 2 > basis.capacity) basis.restart(pairs);
      for (const p of pairs) {
        const r = p.product.map((hx, i) => hx - p.value * (p.vector[i] as number));
        basis.add(r, times(H, r));
      }
      pairs = basis.ritz([0, -1]);
    }
    assert.ok(Math.abs((pairs[0]?.value ?? 0) - 5) < 1e-9, `λ_max ${pairs[0]?.value}`);
    assert.ok(Math.abs((pairs[1]?.value ?? 0) + 2) < 1e-9, `λ_min ${pairs[1]?.value}`);
    // |θ − λ| ≤ ‖Hu − θu‖: the residual is a true bound, and u a unit vector.
    for (const p of pairs) {
      const norm = Math.hypot(...p.vector);
      assert.ok(Math.abs(norm - 1) < 1e-12);
      const hu = times(H, p.vector);
      const residual = Math.hypot(...hu.map((x, i) => x - p.value * (p.vector[i] as number)));
      assert.ok(Math.abs(residual - p.residualNorm) < 1e-9, 'residual from the stored products');
    }
    assert.ok(basis.asymmetry < 1e-12, 'exact products: a symmetric Rayleigh matrix');
  });

  it('gives the same pairs when it keeps handed-over columns in place of copies, and leaves copied ones alone', () => {
    const rng = mulberry32(5);
    const xs = [randomVector(rng), randomVector(rng), randomVector(rng)];
    const copied = new RitzBasis();
    const owned = new RitzBasis();
    const originals = xs.map((x) => x.slice());
    for (const x of xs) copied.add(x, times(H, x));
    assert.deepEqual(xs, originals, 'a copied column is not written');
    for (const x of xs) owned.add(x.slice(), times(H, x), true);
    const [a, b] = [copied.ritz([0, -1]), owned.ritz([0, -1])];
    assert.deepEqual(
      b.map((p) => p.value),
      a.map((p) => p.value),
    );
    const handed = xs[0]!.slice();
    const basis = new RitzBasis();
    basis.add(handed, times(H, handed), true);
    assert.ok(
      Math.abs(Math.hypot(...handed) - 1) < 1e-12,
      'a handed-over column becomes the unit basis vector',
    );
  });

  it('bounds its Ritz values by the spectrum, and the top one by every Rayleigh quotient it holds', () => {
    const rng = mulberry32(5);
    const basis = new RitzBasis();
    const quotients: number[] = [];
    for (let i = 0; i < 3; i++) {
      const x = randomVector(rng);
      const hx = times(H, x);
      quotients.push(x.reduce((s, v, j) => s + v * (hx[j] as number), 0) / x.reduce((s, v) => s + v * v, 0));
      basis.add(x, hx);
    }
    const [top, bottom] = basis.ritz([0, -1]);
    assert.ok((top?.value ?? Infinity) <= 5 + 1e-12 && (bottom?.value ?? -Infinity) >= -2 - 1e-12);
    assert.ok((top?.value ?? -Infinity) >= Math.max(...quotients) - 1e-12);
    assert.ok((bottom?.value ?? Infinity) <= Math.min(...quotients) + 1e-12);
  });

  it('refuses a column in the span, a non-finite one, and one past its capacity', () => {
    const rng = mulberry32(7);
    const basis = new RitzBasis(2, 0.1);
    const x = randomVector(rng);
    assert.equal(basis.add(x, times(H, x)), true);
    const nearly = x.map((v, i) => v + (i === 0 ? 1e-3 : 0));
    assert.equal(basis.add(nearly, times(H, nearly)), false, 'less than 10 % outside the span');
    const bad = randomVector(rng);
    assert.equal(
      basis.add(
        bad,
        bad.map(() => Number.NaN),
      ),
      false,
    );
    const y = randomVector(rng);
    assert.equal(basis.add(y, times(H, y)), true);
    const z = randomVector(rng);
    assert.equal(basis.add(z, times(H, z)), false, 'full');
    assert.equal(basis.size, 2);
    assert.throws(() => new RitzBasis(25), /capacity 25 outside 1…24/);
  });

  it("measures the products' error as the asymmetry of the Rayleigh matrix", () => {
    const rng = mulberry32(11);
    const basis = new RitzBasis();
    for (let i = 0; i < 3; i++) {
      const x = randomVector(rng);
      // A non-symmetric error E = 1e-3·(random) on every product.
      const noise = randomVector(rng).map((v) => 1e-3 * v * Math.hypot(...x));
      basis.add(
        x,
        times(H, x).map((v, j) => v + (noise[j] as number)),
      );
    }
    basis.ritz([0]);
    assert.ok(basis.asymmetry > 1e-5 && basis.asymmetry < 1e-2, `asymmetry ${basis.asymmetry}`);
  });
});
