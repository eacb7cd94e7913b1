import type { ControlRule } from '../controller/index.js';
import type { ScheduleName } from '../trainer/lr-schedule.js';
import type { Activation, BackendName, LossName } from '../trainer/names.js';
import type { ProbeScheduleName } from '../trainer/probe-schedule.js';

export const PRESET_NAMES = ['tiny', 'quick', 'full', 'controller', 'controller-tiny', 'science'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const SWEEP_DATASETS = ['mnist', 'cifar10'] as const;
export type SweepDataset = (typeof SWEEP_DATASETS)[number];

export const SWEEP_MODELS = ['mlp', 'cnn'] as const;
export type SweepModel = (typeof SWEEP_MODELS)[number];

/** The runs one log-log fit and one comparison are made of: a model, a loss and the optimizer's momentum. */
export interface SweepGroup {
  model: SweepModel;
  loss: LossName;
  /** Heavy-ball momentum μ; 0: plain SGD. */
  momentum: number;
}

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
  /** The runs' groups: `models × losses` (momentum 0) unless a preset or `--groups` lists them. */
  groups: SweepGroup[];
  /** The models and losses the groups use. */
  models: SweepModel[];
  losses: LossName[];
  hidden: number[];
  /** Hidden activation of the MLP and the CNN (`lyap train --activation`); undefined: relu. */
  activation?: Activation;
  channels: number[];
  /** Constant learning rates of the grid, ascending. */
  lrs: number[];
  seeds: number[];
  steps: number;
  batch: number;
  probeEvery: number;
  /** The probes also track the most negative curvature h_min (`lyap train --min-curvature`). */
  minCurvature?: boolean;
  /** Rayleigh–Ritz rounds per probe (`lyap train --sharpness-rounds`); the trainer's default without it. */
  sharpnessRounds?: number;
  /** Steps between λ_max measurements (`lyap train --sharpness-every`); the schedule's without it. */
  sharpnessEvery?: number;
  /**
   * The probe's schedule of λ_max measurements and Lyapunov bursts: `dense` (λ_max and a burst of
   * 8 every 4 probes, what every committed report was made with) or `default` (the trainer's own
   * default, what `lyap train` runs with: λ_max every 16 probes, a burst of 4 every 8); absent:
   * dense.
   */
  probeSchedule?: ProbeScheduleName;
  /** The processor's rolling window, in probes. */
  windowProbes: number;
  /** Controller arms: each rule from each starting rate; empty for none. */
  rules: ControlRule[];
  /** The quasi-newton rule's arms, η = α/λ̂_max, one per α; empty for none. */
  alphas: number[];
  /** The learning rates controller arms start from. */
  controllerStartLrs: number[];
  /** The controller's `cooldownSteps`: steps between its commands. */
  controllerCooldownSteps: number;
  /** The controller's `targetRatio` (the `edge` rule's r*); absent: the controller's default. */
  controllerTargetRatio?: number;
  /** The controller's `warmupRatio` (the `edge` rule's first rate); absent: the controller's default. */
  controllerWarmupRatio?: number;
  /** The controller's `polyakRatio` (the `edge` rule's Polyak floor); absent: the controller's default (off). */
  controllerPolyakRatio?: number;
  /** A command spikes when the smoothed loss within this many steps after it exceeds SPIKE_FACTOR × its running minimum before it. */
  spikeHorizonSteps: number;
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
  /** `<model>-<loss>[-m<μ>]`: the runs one log-log fit and one comparison are made of. */
  group: string;
  arm: 'constant' | 'controller' | 'schedule';
  model: SweepModel;
  loss: LossName;
  /** Heavy-ball momentum μ, when above 0. */
  momentum?: number;
  /** Constant: the rate; controller: where it starts; schedule: its base rate. */
  lr: number;
  seed: number;
  /** Controller arms: the controller's rule (summaries written before rules existed: quasi-newton). */
  rule?: ControlRule;
  /** Quasi-newton arms: η = α/λ̂_max. */
  alpha?: number;
  schedule?: Exclude<ScheduleName, 'constant'>;
}

export const LATE_FRACTION = 0.5;

/** A command is followed by a spike when the smoothed loss exceeds this multiple of its running minimum. */
export const SPIKE_FACTOR = 2;

/** `mlp-ce`, `cnn-mse`, and `mlp-ce-m0.9` with momentum 0.9. */
export function groupOf(model: string, loss: LossName, momentum = 0): string {
  const base = `${model}-${loss === 'cross-entropy' ? 'ce' : loss}`;
  return momentum > 0 ? `${base}-m${Number(momentum.toPrecision(6))}` : base;
}

/** `groups` with the models and losses they use. */
export function groupFields(groups: SweepGroup[]): Pick<SweepConfig, 'groups' | 'models' | 'losses'> {
  return {
    groups,
    models: [...new Set(groups.map((g) => g.model))],
    losses: [...new Set(groups.map((g) => g.loss))],
  };
}

/** Every model with every loss, plain SGD: the groups of a preset that does not list its own. */
export function productGroups(models: readonly SweepModel[], losses: readonly LossName[]): SweepGroup[] {
  return models.flatMap((model) => losses.map((loss) => ({ model, loss, momentum: 0 })));
}
