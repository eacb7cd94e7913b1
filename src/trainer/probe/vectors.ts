import { allFinite64, dot64, gaussian, orthonormalizeColumns, type Matrix } from '../../dynamics/index.js';

// Plain indexed loops over equal-length Float64Arrays: these run on every probe over all n
// parameters (n ≈ 10⁵–10⁶), where closures and `?? 0` per element cost more than the maths.

/** k orthonormal Gaussian directions in dimension n (QR of a Gaussian n×k block). */
export function randomOrthonormal(n: number, k: number, rng: () => number): Float64Array[] {
  const columns = Array.from({ length: k }, () => Float64Array.from({ length: n }, () => gaussian(rng)));
  return orthonormalizeColumns(columns).q;
}

/** [aᵢ·bⱼ], the k×k matrix of inner products, in float64. */
export function innerProducts(a: readonly Float64Array[], b: readonly Float64Array[]): Matrix {
  return a.map((ai) => b.map((bj) => dot64(ai, bj)));
}

/** x − s·y, columnwise. */
export function axpy(x: readonly Float64Array[], s: number, y: readonly Float64Array[]): Float64Array[] {
  return x.map((xi, c) => {
    const yi = y[c];
    if (yi?.length !== xi.length) throw new RangeError('axpy: columns differ in number or length');
    const out = new Float64Array(xi.length);
    for (let i = 0; i < xi.length; i++) out[i] = (xi[i] as number) - s * (yi[i] as number);
    return out;
  });
}

/** x − s·y, columnwise, written over y (no allocation); returns y. */
export function axpyOver(x: readonly Float64Array[], s: number, y: Float64Array[]): Float64Array[] {
  x.forEach((xi, c) => {
    const yi = y[c];
    if (yi?.length !== xi.length) throw new RangeError('axpyOver: columns differ in number or length');
    for (let i = 0; i < xi.length; i++) yi[i] = (xi[i] as number) - s * (yi[i] as number);
  });
  return y;
}

export function allFinite(columns: readonly Float64Array[]): boolean {
  return columns.every(allFinite64);
}
