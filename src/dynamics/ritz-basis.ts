// Rayleigh–Ritz on a growing orthonormal basis whose Hessian products are known: the sharpness
// probe's extreme eigenvalues from every product it has on one minibatch.
import { allFinite64, divideInPlace64, dot64, norm64, subtractScaled64 } from './float64-vectors.js';
import { MAX_EIGEN_ORDER, symmetricEigen } from './symmetric-eigen.js';
import type { Matrix } from './matrix-type.js';

/** The largest basis: Jacobi on its Rayleigh matrix stays cheap, and n×24 columns fit memory. */
export const MAX_RITZ_BASIS = 24;

/** A Gram–Schmidt pass that leaves less than this share of the column's norm is repeated once. */
const REORTHOGONALIZE_BELOW = Math.SQRT1_2;

/** A column whose remaining norm after orthogonalisation is under this share of its own lies in the span. */
export const SPAN_TOLERANCE = 1e-8;

export interface RitzPair {
  /** The Ritz value θ = yᵀ(QᵀHQ)y. */
  readonly value: number;
  /** u = Qy, a unit vector. */
  readonly vector: Float64Array;
  /** Hu = (HQ)y, from the products already computed. */
  readonly product: Float64Array;
  /** ‖Hu − θu‖: θ lies within this distance of an eigenvalue of H. */
  readonly residualNorm: number;
}

/**
 * An orthonormal basis Q (float64 columns of length n) with the products HQ of a symmetric H,
 * grown one column at a time. Adding x with its product Hx orthogonalises x against Q (modified
 * Gram–Schmidt, a second pass when the first cancelled most of x) and applies the same combination to Hx, so H of the new column costs no
 * product: H is linear. The Ritz pairs of QᵀHQ are then the best estimates of H's extreme
 * eigenpairs that these products allow (Rayleigh–Ritz; Parlett, "The Symmetric Eigenvalue
 * Problem", ch. 11), and expanding the basis by a Ritz pair's residual Hu − θu is a
 * Lanczos/Davidson step. At most `capacity` columns (default 8, at most 24); `restart`
 * collapses the basis to chosen Ritz pairs (a thick restart) to make room.
 */
export class RitzBasis {
  private readonly columns: Float64Array[] = [];
  private readonly products: Float64Array[] = [];
  /** raw[i][j] = q_iᵀ(Hq_j), kept as columns are added. */
  private readonly raw: number[][] = [];

  /**
   * `spanTolerance`: a column whose remaining norm after orthogonalisation is at most this share
   * of its own is not added. With measured products, whose error is a share δ of ‖H‖, a column
   * that is a share ρ outside the span gets a product error of δ/ρ: noisy products need ρ well
   * above δ.
   */
  constructor(
    readonly capacity: number = MAX_EIGEN_ORDER,
    readonly spanTolerance: number = SPAN_TOLERANCE,
  ) {
    if (!(Number.isInteger(capacity) && capacity >= 1 && capacity <= MAX_RITZ_BASIS)) {
      throw new RangeError(`RitzBasis: capacity ${capacity} outside 1…${MAX_RITZ_BASIS}`);
    }
  }

  get size(): number {
    return this.columns.length;
  }

  /**
   * Adds x, whose product is hx: false (and nothing added) when x or hx is not finite, when x
   * lies in the span of the basis, or when the basis is full. `owned`: the caller hands x and hx
   * over (it will not read them again), so the basis orthogonalises and keeps them in place
   * instead of copying them (at n ≈ 10⁵ a copy costs more than a Gram–Schmidt sweep).
   */
  add(x: Float64Array, hx: Float64Array, owned = false): boolean {
    if (this.columns.length >= this.capacity) return false;
    const n = this.columns[0]?.length ?? x.length;
    if (x.length !== n || hx.length !== n) {
      throw new RangeError(`RitzBasis: a column of length ${x.length} (product ${hx.length}), not ${n}`);
    }
    const original = norm64(x);
    if (!(original > 0) || !Number.isFinite(original) || !allFinite64(hx)) return false;
    const u = owned ? x : x.slice();
    const hu = owned ? hx : hx.slice();
    // Modified Gram–Schmidt, and a second pass only when the first cancelled most of the column
    // (the Kahan–Parlett "twice is enough" test): a residual direction is nearly orthogonal
    // to the basis already, and each pass costs 3 sweeps over n per column.
    let remaining = original;
    for (let pass = 0; pass < 2; pass++) {
      const before = remaining;
      for (let j = 0; j < this.columns.length; j++) {
        const q = this.columns[j] as Float64Array;
        const hq = this.products[j] as Float64Array;
        const c = dot64(q, u);
        subtractScaled64(u, c, q);
        subtractScaled64(hu, c, hq);
      }
      remaining = norm64(u);
      if (remaining > REORTHOGONALIZE_BELOW * before) break;
    }
    if (!(remaining > this.spanTolerance * original)) return false;
    divideInPlace64(u, remaining);
    divideInPlace64(hu, remaining);
    // The new row and column of QᵀHQ, as measured: O(m·n) per column, not O(m²·n) per call.
    const j = this.columns.length;
    this.columns.forEach((q, i) => {
      (this.raw[i] as number[])[j] = dot64(q, hu);
    });
    this.raw.push([...this.products.map((hq) => dot64(u, hq)), dot64(u, hu)]);
    this.columns.push(u);
    this.products.push(hu);
    return true;
  }

  /** QᵀHQ, symmetrised: measured products are symmetric only up to noise. */
  private rayleigh(): Matrix {
    const m = this.columns.length;
    return Array.from({ length: m }, (_, i) =>
      Array.from({ length: m }, (_, j) => (this.measured(i, j) + this.measured(j, i)) / 2),
    );
  }

  /**
   * The Frobenius norm of the measured QᵀHQ's antisymmetric part, (QᵀHQ − (QᵀHQ)ᵀ)/2: zero for
   * exact products of a symmetric H, else a measure of the products' own error in the basis,
   * in the units of a residual norm.
   */
  get asymmetry(): number {
    let sum = 0;
    for (let i = 0; i < this.columns.length; i++) {
      for (let j = i + 1; j < this.columns.length; j++)
        sum += 2 * ((this.measured(i, j) - this.measured(j, i)) / 2) ** 2;
    }
    return Math.sqrt(sum);
  }

  /** q_iᵀ(Hq_j) as measured. */
  private measured(i: number, j: number): number {
    return (this.raw[i] as number[])[j] as number;
  }

  /**
   * The Ritz pairs at the given ranks (0: the largest value; −1: the smallest; each counted
   * once), in the order asked. Empty when the basis is empty.
   */
  ritz(ranks: readonly number[]): RitzPair[] {
    const m = this.columns.length;
    if (m === 0) return [];
    const { values, vectors } = symmetricEigen(this.rayleigh(), MAX_RITZ_BASIS);
    const chosen = [...new Set(ranks.map((r) => (r < 0 ? m + r : r)).filter((r) => r >= 0 && r < m))];
    return chosen.map((r) => {
      const y = vectors.map((row) => row[r] ?? 0);
      const vector = combine(this.columns, y);
      const product = combine(this.products, y);
      const value = values[r] as number;
      let residual = 0;
      for (let i = 0; i < vector.length; i++)
        residual += ((product[i] as number) - value * (vector[i] as number)) ** 2;
      return { value, vector, product, residualNorm: Math.sqrt(residual) };
    });
  }

  /** Empties the basis and adds the pairs' vectors back with their products (no product computed). */
  restart(pairs: readonly RitzPair[]): void {
    this.columns.length = 0;
    this.products.length = 0;
    this.raw.length = 0;
    for (const pair of pairs) this.add(pair.vector, pair.product);
  }
}

function combine(columns: readonly Float64Array[], y: readonly number[]): Float64Array {
  const out = new Float64Array(columns[0]?.length ?? 0);
  columns.forEach((c, j) => {
    const s = y[j] ?? 0;
    if (s === 0) return;
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + s * (c[i] as number);
  });
  return out;
}
