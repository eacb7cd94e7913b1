import { createMlp, type Model } from '../../../../src/trainer/index.js';
import { mlpLossAndGradient, type Mlp64 } from './mlp64.js';

/**
 * The tiny model the tests check densely: a 49-8-10 tanh MLP (490 parameters) on 7×7 MNIST,
 * softmax cross-entropy. tanh keeps the loss smooth (no ReLU kinks inside the differences).
 */
export const TINY_NET: Mlp64 = Object.freeze({ widths: [49, 8, 10], activation: 'tanh' });

export function createTinyMlp(): Model {
  return createMlp({ inputSize: 49, hidden: [8], outputSize: 10, activation: 'tanh', loss: 'cross-entropy' });
}

/**
 * Hv of the float64 reference by central differences of its hand-written gradient, with step
 * h along v/‖v‖ (default 1e-4): the independent truth for Hessian-vector products.
 */
export function referenceHvp(
  net: Mlp64,
  theta: Float64Array,
  batch: { x: ArrayLike<number>; y: ArrayLike<number>; size: number },
  v: ArrayLike<number>,
  h = 1e-4,
): Float64Array {
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i]! * v[i]!;
  const step = h / Math.sqrt(norm);
  const plus = theta.map((t, i) => t + step * v[i]!);
  const minus = theta.map((t, i) => t - step * v[i]!);
  const gp = mlpLossAndGradient(net, plus, batch.x, batch.y, batch.size).grad;
  const gm = mlpLossAndGradient(net, minus, batch.x, batch.y, batch.size).grad;
  return gp.map((g, i) => (g - gm[i]!) / (2 * step));
}
