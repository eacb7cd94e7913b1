export type Task = 'classification' | 'regression' | 'none';

/**
 * A dataset held in memory as float32 rows: `inputs` is size × prod(inputShape) (images as
 * HWC), `targets` is size × outputSize (one-hot for classification).
 */
export interface Dataset {
  readonly name: string;
  readonly task: Task;
  readonly size: number;
  readonly inputShape: readonly number[];
  readonly outputSize: number;
  readonly inputs: Float32Array;
  readonly targets: Float32Array;
}

export function featureCount(dataset: Pick<Dataset, 'inputShape'>): number {
  return dataset.inputShape.reduce((a, b) => a * b, 1);
}

/** Checks the row lengths agree with the declared shapes (a programmer error otherwise). */
export function makeDataset(dataset: Dataset): Dataset {
  const features = featureCount(dataset);
  if (dataset.inputs.length !== dataset.size * features) {
    throw new RangeError(`${dataset.name}: ${dataset.inputs.length} inputs for ${dataset.size}×${features}`);
  }
  if (dataset.targets.length !== dataset.size * dataset.outputSize) {
    throw new RangeError(
      `${dataset.name}: ${dataset.targets.length} targets for ${dataset.size}×${dataset.outputSize}`,
    );
  }
  return dataset;
}

export function oneHot(labels: ArrayLike<number>, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) out[i * classes + (labels[i] ?? 0)] = 1;
  return out;
}

/** The featureless dataset of the pure quadratic, whose loss ignores its batch. */
export function noData(): Dataset {
  return makeDataset({
    name: 'none',
    task: 'none',
    size: 1,
    inputShape: [0],
    outputSize: 0,
    inputs: new Float32Array(0),
    targets: new Float32Array(0),
  });
}
