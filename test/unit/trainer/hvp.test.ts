import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import './support/backend-cpu.js';
import { gaussian, mulberry32 } from '../../../src/dynamics/index.js';
import {
  createLinear,
  createQuadratic,
  gatherBatch,
  hessianVectorProduct,
  hvpEpsilon,
  leastSquares,
  loadMnist,
  noData,
  tf,
  type HvpMode,
  type HvpResult,
  type Model,
} from '../../../src/trainer/index.js';
import { mlpLossAndGradient } from './support/mlp64.js';
import { allIndices, leastSquaresHessian, matVec64, relativeError } from './support/problems.js';
import { createTinyMlp, TINY_NET } from './support/tiny-mlp.js';

function hvpAt(
  model: Model,
  thetaValues: Float32Array,
  batch: ReturnType<typeof gatherBatch>,
  v: Float64Array,
  mode: HvpMode,
): HvpResult {
  let result: HvpResult | undefined;
  tf.tidy(() => {
    const theta = tf.tensor1d(thetaValues);
    const gradAt = (t: tf.Tensor1D): tf.Tensor1D =>
      tf.grad((u: tf.Tensor) => model.loss(u as tf.Tensor1D, batch))(t) as tf.Tensor1D;
    const thetaNorm = Math.hypot(...thetaValues);
    result = hessianVectorProduct({ gradAt, theta, thetaNorm, grad: gradAt(theta), mode, eps0: 1e-3 }, v);
  });
  return result!;
}

const randomVector = (n: number, rng: () => number, scale = 1): Float64Array =>
  Float64Array.from({ length: n }, () => scale * gaussian(rng));

describe('trainer > hvp', () => {
  it('uses eps = eps0 (1 + |theta|) / |v|', () => {
    assert.equal(hvpEpsilon(1e-3, 5, 2), (1e-3 * 6) / 2);
    const model = createQuadratic({ spectrum: [1, 2], seed: 1, rotate: false });
    const r = hvpAt(
      model,
      Float32Array.of(3, 4),
      gatherBatch(noData(), allIndices(1)),
      Float64Array.of(0, 2),
      'forward',
    );
    assert.ok(Math.abs(r.eps - 3e-3) < 1e-15);
    assert.equal(r.gradients, 1);
  });

  for (const mode of ['forward', 'central'] as const) {
    it(`matches XᵀX/n·v on linear least squares (${mode}), for vectors of any length`, () => {
      const dataset = leastSquares({ samples: 96, dim: 8, noise: 0.1, seed: 4 });
      const model = createLinear({ inputSize: 8, outputSize: 1 });
      const indices = Int32Array.from({ length: 32 }, (_, i) => 3 * i);
      const truth = leastSquaresHessian(dataset, indices);
      const rng = mulberry32(9);
      const theta = Float32Array.from(randomVector(8, rng));
      for (const scale of [1, 1e-3, 50]) {
        const v = randomVector(8, rng, scale);
        const r = hvpAt(model, theta, gatherBatch(dataset, indices), v, mode);
        assert.equal(r.gradients, mode === 'forward' ? 1 : 2);
        assert.ok(
          relativeError(r.hv, matVec64(truth, v)) < 1e-3,
          `scale ${scale}: ${relativeError(r.hv, matVec64(truth, v))}`,
        );
      }
    });
  }

  it('matches A·v on a rotated quadratic with mixed-sign spectrum', () => {
    const model = createQuadratic({ spectrum: [5, 1, -2, 0.25], seed: 3 });
    const rng = mulberry32(2);
    const v = randomVector(4, rng);
    const r = hvpAt(
      model,
      Float32Array.from(randomVector(4, rng)),
      gatherBatch(noData(), allIndices(1)),
      v,
      'forward',
    );
    assert.ok(relativeError(r.hv, matVec64(model.matrix, v)) < 1e-3);
  });

  it('approximates a tanh MLP Hessian on MNIST, central closer than forward', () => {
    const dataset = loadMnist({ limit: 256, downsample: 4 });
    const model = createTinyMlp();
    const theta = model.init(mulberry32(3));
    const indices = Int32Array.from({ length: 32 }, (_, i) => 5 * i);
    const batch = gatherBatch(dataset, indices);
    const x = batch.x.dataSync();
    const y = batch.y.dataSync();
    const net = TINY_NET;
    const theta64 = Float64Array.from(theta);
    const v = randomVector(theta.length, mulberry32(8));
    const h = 1e-5;
    const gPlus = mlpLossAndGradient(
      net,
      theta64.map((t, i) => t + h * v[i]!),
      x,
      y,
      32,
    ).grad;
    const gMinus = mlpLossAndGradient(
      net,
      theta64.map((t, i) => t - h * v[i]!),
      x,
      y,
      32,
    ).grad;
    const truth = gPlus.map((g, i) => (g - gMinus[i]!) / (2 * h));
    const forward = relativeError(hvpAt(model, theta, batch, v, 'forward').hv, truth);
    const central = relativeError(hvpAt(model, theta, batch, v, 'central').hv, truth);
    assert.ok(forward < 2e-2, `forward ${forward}`);
    assert.ok(central < 5e-3, `central ${central}`);
    assert.ok(central < forward, `central ${central} vs forward ${forward}`);
  });
});
