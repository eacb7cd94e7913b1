import {
  diag,
  gaussian,
  matMul,
  mulberry32,
  randomOrthogonal,
  transpose,
  type Matrix,
} from '../../dynamics/index.js';
import type { Batch } from '../data/sampler.js';
import { paramLayout } from '../params.js';
import { tf } from '../tf.js';
import type { Model } from './model.js';

export interface QuadraticModel extends Model {
  /** A = Q diag(spectrum) Qᵀ in float64, the exact Hessian. */
  readonly matrix: Matrix;
}

/**
 * L(θ) = ½θᵀAθ with A = Q diag(s) Qᵀ, Q Haar-random from `seed` (or I when `rotate` is
 * false): the Hessian is A everywhere and its eigenvalues are the chosen spectrum, the
 * validation problem for the probe. The batch is ignored.
 */
export function createQuadratic(options: {
  spectrum: readonly number[];
  seed: number;
  rotate?: boolean;
}): QuadraticModel {
  const n = options.spectrum.length;
  const q =
    options.rotate === false
      ? diag(options.spectrum.map(() => 1))
      : randomOrthogonal(n, mulberry32(options.seed));
  const matrix = matMul(matMul(q, diag([...options.spectrum])), transpose(q));
  const a = tf.tensor2d(Float32Array.from(matrix.flat()), [n, n]);
  return {
    name: `quadratic-${n}`,
    layout: paramLayout([{ name: 'theta', shape: [n] }]),
    matrix,
    init: (rng) => Float32Array.from({ length: n }, () => gaussian(rng)),
    loss: (theta: tf.Tensor1D, _batch: Batch) =>
      tf.tidy(() =>
        tf.mul(0.5, tf.sum(tf.mul(theta, tf.reshape(tf.matMul(a, tf.reshape(theta, [n, 1])), [n])))),
      ),
    dispose: () => {
      a.dispose();
    },
  };
}
