import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { trainingAccuracy } from '../../../src/demo/index.js';
import { createProblem, type Model } from '../../../src/trainer/index.js';
import '../trainer/support/backend-cpu.js';

describe('demo > trainingAccuracy', () => {
  // MNIST's first digits are interleaved by class: 100 of them hold ten of each digit.
  const { dataset, model } = createProblem({
    dataset: 'mnist',
    model: 'mlp',
    hidden: [4],
    downsample: 4,
    samples: 100,
    seed: 1,
  });

  it('counts the examples whose largest output is the labelled class', () => {
    // Every weight zero and the output bias of digit 3 one: the model says 3 to everything.
    const theta = new Float32Array(model.layout.size);
    theta[model.layout.size - 10 + 3] = 1;
    assert.equal(trainingAccuracy(model, theta, dataset), 0.1);
    assert.equal(trainingAccuracy(model, theta, dataset, 5), 0.2, 'digits 0-4: one 3 in five');
  });

  it('has no answer for a diverged θ or a model without outputs', () => {
    const theta = new Float32Array(model.layout.size);
    theta[0] = Number.NaN;
    assert.equal(trainingAccuracy(model, theta, dataset), undefined);
    const lossOnly: Model = {
      name: model.name,
      layout: model.layout,
      init: (rng) => model.init(rng),
      loss: (theta, batch) => model.loss(theta, batch),
    };
    assert.equal(trainingAccuracy(lossOnly, new Float32Array(model.layout.size), dataset), undefined);
  });
});
