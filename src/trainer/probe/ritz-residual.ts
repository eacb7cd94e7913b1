import { symmetricEigen, type Matrix } from '../../dynamics/index.js';

/**
 * ‖Hu − θu‖/|θ| for the top Ritz pair (θ, u = Wy) of the subspace W, from W and HW already
 * computed (no product more): how far the reported λ_max is from an eigenpair of this H.
 * ‖Hu − θu‖ bounds the distance from θ to an eigenvalue, so a small residual means the value can
 * be trusted for this minibatch. Undefined when θ is 0 or a column is not finite.
 */
export function topRitzResidual(
  w: readonly Float64Array[],
  hw: readonly Float64Array[],
  rayleigh: Matrix,
): number | undefined {
  const { values, vectors } = symmetricEigen(rayleigh);
  const theta = values[0];
  if (theta === undefined || theta === 0 || !Number.isFinite(theta)) return undefined;
  const y = vectors.map((row) => row[0] ?? 0);
  const n = w[0]?.length ?? 0;
  let residual = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    let u = 0;
    let hu = 0;
    for (let c = 0; c < w.length; c++) {
      u += (w[c]?.[i] ?? 0) * (y[c] ?? 0);
      hu += (hw[c]?.[i] ?? 0) * (y[c] ?? 0);
    }
    residual += (hu - theta * u) ** 2;
    norm += u * u;
  }
  const value = Math.sqrt(residual / norm) / Math.abs(theta);
  return Number.isFinite(value) ? value : undefined;
}
