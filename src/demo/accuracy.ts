import { featureCount, tf, type Dataset, type Model } from '../trainer/index.js';

/** Digits the final accuracy is measured on: the first ones of the (class-balanced) training set. */
export const ACCURACY_SAMPLES = 2_000;

/**
 * The share of the first `samples` examples of a classification dataset that the model at θ
 * labels right (argmax of its outputs against argmax of the one-hot target): the training
 * accuracy. Undefined when the model does not expose its outputs, the task is not
 * classification, or θ is not finite (a diverged run).
 */
export function trainingAccuracy(
  model: Model,
  theta: Float32Array,
  dataset: Dataset,
  samples: number = ACCURACY_SAMPLES,
): number | undefined {
  const outputs = model.outputs?.bind(model);
  if (outputs === undefined || dataset.task !== 'classification' || !theta.every(Number.isFinite)) {
    return undefined;
  }
  const n = Math.min(samples, dataset.size);
  const features = featureCount(dataset);
  const classes = dataset.outputSize;
  return tf.tidy(() => {
    const x = tf.tensor(dataset.inputs.subarray(0, n * features), [n, ...dataset.inputShape]);
    const y = tf.tensor2d(dataset.targets.subarray(0, n * classes), [n, classes]);
    const predicted = tf.argMax(outputs(tf.tensor1d(theta), x), 1);
    const correct = tf.sum(tf.cast(tf.equal(predicted, tf.argMax(y, 1)), 'float32'));
    return (correct.dataSync()[0] ?? Number.NaN) / n;
  });
}
