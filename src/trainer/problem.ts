import { LyapError } from '../errors.js';
import { loadCifar10 } from './data/cifar10.js';
import { featureCount, noData, type Dataset } from './data/dataset.js';
import { loadMnist } from './data/mnist.js';
import { leastSquares, teacherStudent } from './data/synthetic.js';
import { createCnn } from './models/cnn.js';
import { createLinear } from './models/linear.js';
import { createMlp } from './models/mlp.js';
import type { Model } from './models/model.js';
import type { Activation, DatasetName, LossName, ModelName } from './names.js';
import { createQuadratic } from './models/quadratic.js';

export const DEFAULT_SPECTRUM = [4, 2, 1, 0.5, 0.25, 0.1, -0.05, -0.3] as const;

export interface ProblemOptions {
  dataset: DatasetName;
  /** Default: linear for least-squares, quadratic for quadratic, mlp otherwise. */
  model?: ModelName;
  hidden?: readonly number[];
  channels?: readonly number[];
  activation?: Activation;
  /** Default: cross-entropy for classification, mse for regression. */
  loss?: LossName;
  seed: number;
  /** CIFAR-10's folder of binary batches. */
  dataDir?: string;
  /** MNIST / CIFAR-10: keep this many samples; synthetic: generate this many. */
  samples?: number;
  /** MNIST: average-pool factor (4 → 7×7 inputs). */
  downsample?: number;
  /** Synthetic inputs' dimension. */
  dim?: number;
  noise?: number;
  /** Quadratic: the Hessian's eigenvalues. */
  spectrum?: readonly number[];
}

export interface Problem {
  dataset: Dataset;
  model: Model;
}

/** Builds the dataset and the model for a run, or a LYAP_E_CONFIG naming what does not fit. */
export function createProblem(options: ProblemOptions): Problem {
  const modelName = options.model ?? defaultModel(options.dataset);
  if ((modelName === 'quadratic') !== (options.dataset === 'quadratic')) {
    throw new LyapError('LYAP_E_CONFIG', 'the quadratic model and the quadratic dataset go together');
  }
  const dataset = loadDataset(options);
  const loss = options.loss ?? (dataset.task === 'classification' ? 'cross-entropy' : 'mse');
  if (loss === 'cross-entropy' && dataset.task !== 'classification') {
    throw new LyapError(
      'LYAP_E_CONFIG',
      `cross-entropy needs a classification dataset; ${dataset.name} is ${dataset.task}`,
    );
  }
  const activation = options.activation ?? 'relu';
  switch (modelName) {
    case 'quadratic':
      return {
        dataset,
        model: createQuadratic({ spectrum: options.spectrum ?? DEFAULT_SPECTRUM, seed: options.seed + 4 }),
      };
    case 'linear':
      if (dataset.task !== 'regression')
        throw new LyapError(
          'LYAP_E_CONFIG',
          `the linear model needs a regression dataset, not ${dataset.name}`,
        );
      return {
        dataset,
        model: createLinear({ inputSize: featureCount(dataset), outputSize: dataset.outputSize }),
      };
    case 'cnn': {
      const [h, w, c] = dataset.inputShape;
      if (dataset.inputShape.length !== 3 || h === undefined || w === undefined || c === undefined) {
        throw new LyapError(
          'LYAP_E_CONFIG',
          `the cnn model needs image inputs; ${dataset.name} has shape [${dataset.inputShape.join(',')}]`,
        );
      }
      const channels = options.channels ?? [8, 16];
      if (channels.length === 0 || 2 ** channels.length > Math.min(h, w)) {
        throw new LyapError('LYAP_E_CONFIG', `${channels.length} conv blocks do not fit ${h}×${w} images`);
      }
      return {
        dataset,
        model: createCnn({
          inputShape: [h, w, c],
          channels,
          outputSize: dataset.outputSize,
          activation,
          loss,
        }),
      };
    }
    case 'mlp':
      return {
        dataset,
        model: createMlp({
          inputSize: featureCount(dataset),
          hidden: options.hidden ?? [128],
          outputSize: dataset.outputSize,
          activation,
          loss,
        }),
      };
  }
}

function defaultModel(dataset: DatasetName): ModelName {
  if (dataset === 'quadratic') return 'quadratic';
  return dataset === 'least-squares' ? 'linear' : 'mlp';
}

function loadDataset(options: ProblemOptions): Dataset {
  const seed = options.seed + 3;
  switch (options.dataset) {
    case 'quadratic':
      return noData();
    case 'mnist':
      return loadMnist({
        ...(options.samples === undefined ? {} : { limit: options.samples }),
        downsample: options.downsample ?? 1,
      });
    case 'cifar10':
      if (options.dataDir === undefined) {
        throw new LyapError(
          'LYAP_E_CONFIG',
          'cifar10 needs --data-dir pointing at the extracted binary batches (cifar-10-batches-bin)',
        );
      }
      return loadCifar10({
        dataDir: options.dataDir,
        ...(options.samples === undefined ? {} : { limit: options.samples }),
      });
    case 'least-squares':
      return leastSquares({
        samples: options.samples ?? 512,
        dim: options.dim ?? 8,
        noise: options.noise ?? 0.1,
        seed,
      });
    case 'teacher-student':
      return teacherStudent({
        samples: options.samples ?? 2048,
        dim: options.dim ?? 16,
        teacherHidden: 8,
        outputs: 1,
        noise: options.noise ?? 0.05,
        seed,
      });
  }
}
