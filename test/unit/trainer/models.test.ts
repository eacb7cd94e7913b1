import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import './support/backend-cpu.js';
import { gaussian, mulberry32 } from '../../../src/dynamics/index.js';
import {
  createCnn,
  createMlp,
  createProblem,
  createQuadratic,
  gatherBatch,
  loadMnist,
  noData,
  tf,
  type Batch,
  type Model,
} from '../../../src/trainer/index.js';
import { isLyapError } from '../../../src/errors.js';
import { mlpLossAndGradient } from './support/mlp64.js';
import { allIndices, rel, relativeError } from './support/problems.js';

function lossAndGrad(model: Model, theta: Float32Array, batch: Batch): { loss: number; grad: Float32Array } {
  return tf.tidy(() => {
    const { value, grad } = tf.valueAndGrad((t: tf.Tensor) => model.loss(t as tf.Tensor1D, batch))(
      tf.tensor1d(theta),
    );
    return { loss: value.dataSync()[0]!, grad: grad.dataSync() as Float32Array };
  });
}

function imageBatch(shape: [number, number, number, number], classes: number, seed: number): Batch {
  const rng = mulberry32(seed);
  const [b] = shape;
  const labels = Array.from({ length: b }, (_, i) => i % classes);
  return {
    x: tf.tensor4d(
      Float32Array.from({ length: shape.reduce((p, q) => p * q, 1) }, () => gaussian(rng)),
      shape,
    ),
    y: tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat(),
    size: b,
  };
}

/** Naive float64 forward pass of conv(3×3 'same') → relu → maxpool 2 → dense → softmax CE. */
function cnnLoss64(
  theta: Float32Array,
  x: Float32Array,
  y: Float32Array,
  [b, h, w, c]: [number, number, number, number],
  filters: number,
  classes: number,
): number {
  const k = 3;
  const wAt = (i: number, j: number, ci: number, co: number): number =>
    theta[((i * k + j) * c + ci) * filters + co]!;
  const biasAt = k * k * c * filters;
  const [ph, pw] = [Math.floor(h / 2), Math.floor(w / 2)];
  const flat = ph * pw * filters;
  const denseAt = biasAt + filters;
  let loss = 0;
  for (let n = 0; n < b; n++) {
    const conv = (r: number, s: number, co: number): number => {
      let sum = theta[biasAt + co]!;
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) {
          const [rr, ss] = [r + i - 1, s + j - 1];
          if (rr < 0 || ss < 0 || rr >= h || ss >= w) continue;
          for (let ci = 0; ci < c; ci++) sum += x[((n * h + rr) * w + ss) * c + ci]! * wAt(i, j, ci, co);
        }
      }
      return Math.max(0, sum);
    };
    const pooled: number[] = [];
    for (let r = 0; r < ph; r++) {
      for (let s = 0; s < pw; s++) {
        for (let co = 0; co < filters; co++) {
          pooled.push(
            Math.max(
              conv(2 * r, 2 * s, co),
              conv(2 * r, 2 * s + 1, co),
              conv(2 * r + 1, 2 * s, co),
              conv(2 * r + 1, 2 * s + 1, co),
            ),
          );
        }
      }
    }
    const logits = Array.from({ length: classes }, (_, o) =>
      pooled.reduce(
        (s, p, f) => s + p * theta[denseAt + f * classes + o]!,
        theta[denseAt + flat * classes + o]!,
      ),
    );
    const max = Math.max(...logits);
    const lse = max + Math.log(logits.reduce((s, z) => s + Math.exp(z - max), 0));
    loss += logits.reduce((s, z, o) => s + y[n * classes + o]! * (lse - z), 0);
  }
  return loss / b;
}

describe('trainer > models', () => {
  it('lays an MLP out as kernel/bias blocks, Σ (in·out + out) parameters', () => {
    const model = createMlp({
      inputSize: 784,
      hidden: [128, 32],
      outputSize: 10,
      activation: 'relu',
      loss: 'cross-entropy',
    });
    assert.equal(model.layout.size, 784 * 128 + 128 + 128 * 32 + 32 + 32 * 10 + 10);
    assert.deepEqual(
      model.layout.blocks.map((b) => b.name),
      ['dense_1/kernel', 'dense_1/bias', 'dense_2/kernel', 'dense_2/bias', 'dense_3/kernel', 'dense_3/bias'],
    );
    assert.equal(model.name, 'mlp-784-128-32-10-relu');
  });

  for (const activation of ['relu', 'tanh'] as const) {
    it(`matches an independent float64 MLP in loss and gradient (${activation}, cross-entropy)`, () => {
      const dataset = loadMnist({ limit: 100, downsample: 2 });
      const model = createMlp({
        inputSize: 196,
        hidden: [12, 7],
        outputSize: 10,
        activation,
        loss: 'cross-entropy',
      });
      const theta = model.init(mulberry32(2));
      const batch = gatherBatch(dataset, allIndices(20));
      const tfResult = lossAndGrad(model, theta, batch);
      const truth = mlpLossAndGradient(
        { widths: [196, 12, 7, 10], activation },
        Float64Array.from(theta),
        batch.x.dataSync(),
        batch.y.dataSync(),
        20,
      );
      assert.ok(rel(tfResult.loss, truth.loss) < 1e-5, `${tfResult.loss} vs ${truth.loss}`);
      assert.ok(relativeError(tfResult.grad, truth.grad) < 1e-4);
    });
  }

  it('computes half the mean squared error with --loss mse', () => {
    const model = createMlp({ inputSize: 2, hidden: [], outputSize: 2, activation: 'relu', loss: 'mse' });
    // ŷ = xW + b with W = I, b = (1, 0): rows (1, 0) → (2, 0), (0, 2) → (1, 2); targets (0, 0), (1, 1).
    const theta = Float32Array.of(1, 0, 0, 1, 1, 0);
    const batch = {
      x: tf.tensor2d([
        [1, 0],
        [0, 2],
      ]),
      y: tf.tensor2d([
        [0, 0],
        [1, 1],
      ]),
      size: 2,
    };
    assert.ok(Math.abs(lossAndGrad(model, theta, batch).loss - (4 + 1) / 4) < 1e-6);
  });

  it('matches a naive float64 convolution network in loss', () => {
    const model = createCnn({
      inputShape: [6, 6, 2],
      channels: [3],
      outputSize: 4,
      activation: 'relu',
      loss: 'cross-entropy',
    });
    assert.equal(model.layout.size, 3 * 3 * 2 * 3 + 3 + 3 * 3 * 3 * 4 + 4);
    const theta = model.init(mulberry32(4)).map((t, i) => t + 0.01 * Math.sin(i));
    const batch = imageBatch([2, 6, 6, 2], 4, 3);
    const truth = cnnLoss64(
      theta,
      batch.x.dataSync() as Float32Array,
      batch.y.dataSync() as Float32Array,
      [2, 6, 6, 2],
      3,
      4,
    );
    const { loss, grad } = lossAndGrad(model, theta, batch);
    assert.ok(rel(loss, truth) < 1e-5, `${loss} vs ${truth}`);
    assert.ok(grad.some((g) => g !== 0) && grad.every((g) => Number.isFinite(g)));
  });

  it('has the quadratic ½θᵀAθ with A of the chosen spectrum', () => {
    const model = createQuadratic({ spectrum: [3, -1, 0.5], seed: 7 });
    const theta = Float32Array.of(0.5, -1, 2);
    const a = model.matrix;
    const truth =
      0.5 *
      [0, 1, 2].reduce((s, i) => s + theta[i]! * [0, 1, 2].reduce((t, j) => t + a[i]![j]! * theta[j]!, 0), 0);
    const { loss, grad } = lossAndGrad(model, theta, gatherBatch(noData(), allIndices(1)));
    assert.ok(rel(loss, truth) < 1e-5);
    assert.ok(
      relativeError(
        grad,
        [0, 1, 2].map((i) => [0, 1, 2].reduce((t, j) => t + a[i]![j]! * theta[j]!, 0)),
      ) < 1e-5,
    );
  });

  it('refuses model and dataset pairs that do not fit, as LYAP_E_CONFIG', () => {
    const bad = [
      { dataset: 'least-squares', model: 'cnn' },
      { dataset: 'mnist', model: 'linear' },
      { dataset: 'mnist', model: 'quadratic' },
      { dataset: 'quadratic', model: 'mlp' },
      { dataset: 'teacher-student', loss: 'cross-entropy' },
      { dataset: 'cifar10' },
    ] as const;
    for (const options of bad) {
      assert.throws(
        () => createProblem({ seed: 1, samples: 64, ...options }),
        (e) => isLyapError(e, 'LYAP_E_CONFIG'),
        JSON.stringify(options),
      );
    }
    assert.equal(createProblem({ dataset: 'least-squares', seed: 1 }).model.name, 'linear-8-1');
    assert.equal(
      createProblem({ dataset: 'mnist', seed: 1, samples: 64, model: 'cnn' }).model.name,
      'cnn-8-16-10-relu',
    );
  });
});
