import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import './support/backend-cpu.js';
import { mulberry32 } from '../../../src/dynamics/index.js';
import type { Probe } from '../../../src/events/index.js';
import {
  gatherBatch,
  loadMnist,
  TangentProbe,
  tf,
  type Batch,
  type Model,
} from '../../../src/trainer/index.js';
import {
  denseFromProducts,
  eigenvalueAt,
  tridiagonalize,
  type DenseSymmetric,
} from './support/dense-spectrum.js';
import { rel } from './support/problems.js';
import { createTinyMlp, referenceHvp, TINY_NET } from './support/tiny-mlp.js';

// A 49-8-10 tanh MLP (490 parameters) on 7×7 MNIST, at its initialisation, on one fixed
// minibatch of 64 images. Its dense Hessian comes from an independent float64
// implementation: central differences (h = 1e-4) of a hand-written backpropagation, one
// column per parameter; its extreme eigenvalues from Householder tridiagonalisation and
// Sturm bisection. tanh keeps the loss smooth (no relu kinks inside the differences).
const dataset = loadMnist({ limit: 512, downsample: 4 });
const model = createTinyMlp();
const theta32 = model.init(mulberry32(3));
const batch = gatherBatch(
  dataset,
  Int32Array.from({ length: 64 }, (_, i) => 7 * i),
);

function denseHessian(): DenseSymmetric {
  const rows = { x: batch.x.dataSync(), y: batch.y.dataSync(), size: 64 };
  const theta = Float64Array.from(theta32);
  return denseFromProducts(theta.length, (e) => referenceHvp(TINY_NET, theta, rows, e));
}

function probeAtFixedPoint(
  m: Model,
  b: Batch,
  options: {
    kLyapunov: number;
    kSharpness: number;
    lr: number;
    probes: number;
    convergeIterations?: number;
    minCurvature?: boolean;
  },
) {
  const probe = new TangentProbe({
    params: m.layout.size,
    kLyapunov: options.kLyapunov,
    kSharpness: options.kSharpness,
    hvp: 'forward',
    eps0: 1e-3,
    seed: 5,
    ...(options.convergeIterations === undefined ? {} : { convergeIterations: options.convergeIterations }),
    ...(options.minCurvature === undefined ? {} : { minCurvature: options.minCurvature }),
  });
  return tf.tidy(() => {
    const theta = tf.tensor1d(theta32);
    const gradAt = (t: tf.Tensor1D): tf.Tensor1D =>
      tf.grad((u: tf.Tensor) => m.loss(u as tf.Tensor1D, b))(t) as tf.Tensor1D;
    const grad = gradAt(theta);
    const thetaNorm = Math.hypot(...theta32);
    let last: Probe | undefined;
    for (let i = 0; i < options.probes; i++)
      last = tf.tidy(() => probe.measure({ gradAt, theta, thetaNorm, grad, lr: options.lr }));
    return last as Probe;
  });
}

describe('trainer > probe on a dense MLP Hessian', () => {
  const hessian = denseHessian();
  const tri = tridiagonalize(hessian);
  const max = eigenvalueAt(hessian, hessian.n - 1, tri);
  const min = eigenvalueAt(hessian, 0, tri);

  it('is a model small enough to check densely, with negative curvature', () => {
    assert.equal(model.layout.size, 490);
    assert.ok(min < 0 && max > 0);
  });

  it('tracks sharpness within 2% of the top eigenvalue at a fixed point and minibatch', () => {
    const probe = probeAtFixedPoint(model, batch, { kLyapunov: 0, kSharpness: 1, lr: 0.1, probes: 100 });
    const sharpness = probe.sharpness?.rayleigh[0]?.[0] ?? Number.NaN;
    assert.ok(rel(sharpness, max) < 0.02, `sharpness ${sharpness} vs λ_max ${max}`);
  });

  it('converges λ_max and h_min at the first probe, before any update: within 1%, with their residuals', () => {
    const probe = probeAtFixedPoint(model, batch, {
      kLyapunov: 0,
      kSharpness: 1,
      lr: 0.1,
      probes: 1,
      convergeIterations: 30,
      minCurvature: true,
    });
    const sharpness = probe.sharpness?.rayleigh[0]?.[0] ?? Number.NaN;
    const residual = probe.sharpness?.residual ?? Number.NaN;
    const iterations = probe.sharpness?.iterations ?? 1;
    console.log(
      `first probe: λ̂ ${sharpness} vs λ_max ${max} (error ${rel(sharpness, max).toExponential(2)}), ` +
        `residual ${residual.toExponential(2)} after ${iterations} iterations`,
    );
    assert.ok(rel(sharpness, max) < 0.01, `sharpness ${sharpness} vs λ_max ${max}`);
    assert.ok(residual <= 1e-3 || iterations === 30, `residual ${residual} after ${iterations} iterations`);
    const hMin = probe.minCurvature?.value ?? Number.NaN;
    console.log(`first probe: h_min ${hMin} vs λ_min ${min} (error ${rel(hMin, min).toExponential(2)})`);
    assert.ok(rel(hMin, min) < 0.01, `h_min ${hMin} vs λ_min ${min}`);
    assert.ok(probe.hvps <= 3 + 2 * (iterations - 1), `${probe.hvps} products in ${iterations} rounds`);
  });

  // The paper's first observation: at a small learning rate (here η = 1/λ_max, where
  // |1 − ηλ_max| = 0 and every positive-curvature direction contracts) the most expanding
  // direction of J = I − ηH is the most negative eigenvector, so the Lyapunov subspace's
  // curvature converges to λ_min. It converges at the rate (1 − ηh₂)/(1 − ηλ_min) per probe
  // (h₂ the next most negative eigenvalue, here −0.138 against −0.151), so after 400 probes
  // the tolerance is 1% relative; float32 finite differences alone are good to about 1e-3.
  it('finds the most negative eigenvalue as the Lyapunov curvature at a small learning rate', () => {
    const lr = 1 / max;
    const probe = probeAtFixedPoint(model, batch, { kLyapunov: 1, kSharpness: 0, lr, probes: 400 });
    const curvature = probe.lyapunov?.rayleigh[0]?.[0] ?? Number.NaN;
    assert.ok(rel(curvature, min) < 0.01, `curvature ${curvature} vs λ_min ${min}`);
    const exponent = Math.log(Math.sqrt(probe.lyapunov?.gram[0]?.[0] ?? Number.NaN));
    assert.ok(rel(exponent, Math.log(1 - lr * min)) < 0.01, `exponent ${exponent}`);
  });
});

describe('trainer > dense spectrum support', () => {
  it('recovers the extreme eigenvalues of Q diag(s) Qᵀ', async () => {
    const { matMul, randomOrthogonal, transpose, diag } = await import('../../../src/dynamics/index.js');
    const spectrum = Array.from({ length: 40 }, (_, i) => Math.sin(i) * 3);
    const q = randomOrthogonal(40, mulberry32(1));
    const m = matMul(matMul(q, diag(spectrum)), transpose(q));
    const dense = { n: 40, a: Float64Array.from(m.flat()) };
    const sorted = [...spectrum].sort((a, b) => a - b);
    assert.ok(Math.abs(eigenvalueAt(dense, 0) - sorted[0]!) < 1e-12);
    assert.ok(Math.abs(eigenvalueAt(dense, 39) - sorted[39]!) < 1e-12);
    assert.ok(Math.abs(eigenvalueAt(dense, 17) - sorted[17]!) < 1e-12);
  });
});
