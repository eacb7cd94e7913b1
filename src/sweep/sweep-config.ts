import type { ScheduleName } from '../trainer/lr-schedule.js';
import type { BackendName, LossName } from '../trainer/names.js';

export const PRESET_NAMES = ['tiny', 'quick', 'full'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const SWEEP_DATASETS = ['mnist', 'cifar10'] as const;
export type SweepDataset = (typeof SWEEP_DATASETS)[number];

export const SWEEP_MODELS = ['mlp', 'cnn'] as const;
export type SweepModel = (typeof SWEEP_MODELS)[number];

/** Everything a sweep runs with: a preset, then the command line's overrides on top. */
export interface SweepConfig {
  preset: PresetName;
  dataset: SweepDataset;
  /** CIFAR-10's folder of binary batches. */
  dataDir?: string;
  /** Training samples: the first n of the dataset's balanced order. */
  trainSamples: number;
  /** Held-out samples for accuracy: the n after the training ones. */
  evalSamples: number;
  /** Average-pool factor of MNIST images (1: 28×28). */
  downsample: number;
  models: SweepModel[];
  losses: LossName[];
  hidden: number[];
  channels: number[];
  /** Constant learning rates of the grid, ascending. */
  lrs: number[];
  seeds: number[];
  steps: number;
  batch: number;
  probeEvery: number;
  /** The processor's rolling window, in probes. */
  windowProbes: number;
  /** Controller arms, η = α/λ̂_max; empty for none. */
  alphas: number[];
  /** The learning rate controller arms start from. */
  controllerStartLr: number;
  /** Steps between the controller's quasi-Newton commands. */
  controllerCooldownSteps: number;
  /** Schedule arms (`step`, `cosine`), started from each group's best constant rate; empty for none. */
  schedules: Exclude<ScheduleName, 'constant'>[];
  /** Steps-to-target threshold of the smoothed training loss, per loss. */
  targetLoss: Record<LossName, number>;
  /** Half-life of the training-loss EMA, in steps. */
  lossHalfLifeSteps: number;
  /** Evaluate held-out accuracy every this many steps. */
  evalEvery: number;
  /** Child processes at once. */
  jobs: number;
  backend: BackendName | 'auto';
  /** Kafka bootstrap servers; undefined: every run in-process over a MemoryBus. */
  brokers?: string;
  /** A run silent (no new step) for this long is killed and recorded as failed. */
  runTimeoutSeconds: number;
}

/** One training run of the sweep, as the child process receives it. */
export interface RunSpec {
  /** Unique in the sweep, usable as a folder name and a run id. */
  id: string;
  /** `<model>-<loss>`: the runs one log-log fit and one comparison are made of. */
  group: string;
  arm: 'constant' | 'controller' | 'schedule';
  model: SweepModel;
  loss: LossName;
  /** Constant: the rate; controller: where it starts; schedule: its base rate. */
  lr: number;
  seed: number;
  alpha?: number;
  schedule?: Exclude<ScheduleName, 'constant'>;
}

export const LATE_FRACTION = 0.5;

export function groupOf(model: string, loss: LossName): string {
  return `${model}-${loss === 'cross-entropy' ? 'ce' : loss}`;
}
