import { mulberry32 } from '../../dynamics/index.js';
import { tf } from '../tf.js';
import { featureCount, type Dataset } from './dataset.js';

export interface Batch {
  readonly x: tf.Tensor;
  readonly y: tf.Tensor;
  readonly size: number;
}

/**
 * Minibatches without replacement: each epoch is a Fisher–Yates shuffle of the indices drawn
 * from the sampler's own seeded stream (the only randomness of training after the
 * initialisation), cut into full batches; the remainder of an epoch is skipped so that every
 * step has the same batch size. A batch larger than the dataset is the whole dataset.
 */
export class BatchSampler {
  readonly batchSize: number;
  readonly stepsPerEpoch: number;
  private readonly rng: () => number;
  private readonly order: Int32Array;
  private cursor: number;
  private readonly features: number;

  constructor(
    private readonly dataset: Dataset,
    options: { batchSize: number; seed: number },
  ) {
    this.batchSize = Math.min(options.batchSize, dataset.size);
    this.stepsPerEpoch = Math.floor(dataset.size / this.batchSize);
    this.rng = mulberry32(options.seed);
    this.order = Int32Array.from({ length: dataset.size }, (_, i) => i);
    this.cursor = this.order.length;
    this.features = featureCount(dataset);
  }

  /** The next batch's sample indices. */
  nextIndices(): Int32Array {
    if (this.cursor + this.batchSize > this.order.length) this.shuffle();
    const indices = this.order.slice(this.cursor, this.cursor + this.batchSize);
    this.cursor += this.batchSize;
    return indices;
  }

  /** The next batch as tensors; the caller disposes them. */
  next(): Batch {
    return gatherBatch(this.dataset, this.nextIndices(), this.features);
  }

  private shuffle(): void {
    const a = this.order;
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.rng() * (i + 1));
      const t = a[i] ?? 0;
      a[i] = a[j] ?? 0;
      a[j] = t;
    }
    this.cursor = 0;
  }
}

export function gatherBatch(dataset: Dataset, indices: Int32Array, features = featureCount(dataset)): Batch {
  const outputs = dataset.outputSize;
  const x = new Float32Array(indices.length * features);
  const y = new Float32Array(indices.length * outputs);
  indices.forEach((index, row) => {
    x.set(dataset.inputs.subarray(index * features, (index + 1) * features), row * features);
    y.set(dataset.targets.subarray(index * outputs, (index + 1) * outputs), row * outputs);
  });
  return {
    x: tf.tensor(x, [indices.length, ...dataset.inputShape]),
    y: tf.tensor2d(y, [indices.length, outputs]),
    size: indices.length,
  };
}
