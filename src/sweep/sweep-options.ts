import type { ControlRule } from '../controller/index.js';
import type { ScheduleName } from '../trainer/lr-schedule.js';
import type { ProbeScheduleName } from '../trainer/probe-schedule.js';
import { sharpnessEveryProblem } from '../trainer/sharpness-schedule.js';
import type { Activation, BackendName, LossName } from '../trainer/names.js';
import { PRESETS } from './presets.js';
import {
  groupFields,
  groupOf,
  productGroups,
  type PresetName,
  type SweepConfig,
  type SweepDataset,
  type SweepGroup,
  type SweepModel,
} from './sweep-config.js';

/** The command line's overrides of a preset; undefined keeps the preset's value. */
export interface SweepOverrides {
  lrs?: number[];
  seeds?: number[];
  steps?: number;
  batch?: number;
  probeEvery?: number;
  minCurvature?: boolean;
  sharpnessRounds?: number;
  sharpnessEvery?: number;
  probeSchedule?: ProbeScheduleName;
  activation?: Activation;
  groups?: SweepGroup[];
  models?: SweepModel[];
  losses?: LossName[];
  rules?: ControlRule[];
  alphas?: number[];
  schedules?: Exclude<ScheduleName, 'constant'>[];
  /** `--controller-start-lr`: a list of one. */
  controllerStartLr?: number;
  controllerStartLrs?: number[];
  spikeHorizonSteps?: number;
  /** The controller arms' `targetRatio`, `warmupRatio` and `polyakRatio` (docs/controller.md). */
  targetRatio?: number;
  warmupRatio?: number;
  polyakRatio?: number;
  jobs: number;
  dataset?: SweepDataset;
  dataDir?: string;
  trainSamples?: number;
  evalSamples?: number;
  targetLoss?: number;
  backend?: BackendName | 'auto';
  brokers?: string;
}

/**
 * The groups: `groups` as given, or the product of `models` and `losses` when either is given
 * (the preset's other factor fills in), or the preset's; each group once.
 */
function resolveGroups(base: Omit<SweepConfig, 'jobs'>, o: SweepOverrides): SweepGroup[] {
  const groups =
    o.groups ??
    (o.models === undefined && o.losses === undefined
      ? base.groups
      : productGroups(o.models ?? base.models, o.losses ?? base.losses));
  const seen = new Set<string>();
  return groups.filter((g) => {
    const id = groupOf(g.model, g.loss, g.momentum);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/**
 * The preset with the overrides on top, or the problems that make it unusable (each a
 * sentence naming the option). `--target-loss` sets the target of every loss.
 */
export function resolveSweepConfig(
  preset: PresetName,
  o: SweepOverrides,
): { ok: true; config: SweepConfig } | { ok: false; problems: string[] } {
  const base = PRESETS[preset];
  const dataset = o.dataset ?? base.dataset;
  const startLrs =
    o.controllerStartLrs ?? (o.controllerStartLr === undefined ? undefined : [o.controllerStartLr]);
  const config: SweepConfig = {
    ...base,
    dataset,
    ...(o.dataDir === undefined ? {} : { dataDir: o.dataDir }),
    ...(o.brokers === undefined ? {} : { brokers: o.brokers }),
    // CIFAR-10 images are 32×32: the MNIST pooling factor does not apply.
    downsample: dataset === 'mnist' ? base.downsample : 1,
    lrs: [...new Set(o.lrs ?? base.lrs)].sort((a, b) => a - b),
    seeds: [...new Set(o.seeds ?? base.seeds)],
    steps: o.steps ?? base.steps,
    batch: o.batch ?? base.batch,
    probeEvery: o.probeEvery ?? base.probeEvery,
    ...(o.minCurvature === true || base.minCurvature === true ? { minCurvature: true } : {}),
    ...((o.sharpnessRounds ?? base.sharpnessRounds) === undefined
      ? {}
      : { sharpnessRounds: o.sharpnessRounds ?? base.sharpnessRounds }),
    ...((o.activation ?? base.activation) === undefined
      ? {}
      : { activation: o.activation ?? base.activation }),
    ...((o.sharpnessEvery ?? base.sharpnessEvery) === undefined
      ? {}
      : { sharpnessEvery: o.sharpnessEvery ?? base.sharpnessEvery }),
    ...((o.probeSchedule ?? base.probeSchedule) === undefined
      ? {}
      : { probeSchedule: o.probeSchedule ?? base.probeSchedule }),
    ...groupFields(resolveGroups(base, o)),
    rules: [...new Set(o.rules ?? base.rules)],
    alphas: [...new Set(o.alphas ?? base.alphas)],
    schedules: [...new Set(o.schedules ?? base.schedules)],
    controllerStartLrs: [...new Set(startLrs ?? base.controllerStartLrs)].sort((a, b) => a - b),
    spikeHorizonSteps: o.spikeHorizonSteps ?? base.spikeHorizonSteps,
    ...(o.targetRatio === undefined ? {} : { controllerTargetRatio: o.targetRatio }),
    ...(o.warmupRatio === undefined ? {} : { controllerWarmupRatio: o.warmupRatio }),
    ...(o.polyakRatio === undefined ? {} : { controllerPolyakRatio: o.polyakRatio }),
    trainSamples: o.trainSamples ?? base.trainSamples,
    evalSamples: o.evalSamples ?? base.evalSamples,
    targetLoss:
      o.targetLoss === undefined
        ? { ...base.targetLoss }
        : { 'cross-entropy': o.targetLoss, mse: o.targetLoss },
    backend: o.backend ?? base.backend,
    jobs: o.jobs,
  };
  const sharpnessProblem =
    config.sharpnessEvery === undefined
      ? undefined
      : sharpnessEveryProblem(config.probeEvery, config.sharpnessEvery);
  const problems = [
    dataset === 'cifar10' && config.dataDir === undefined
      ? '--dataset cifar10 needs --data-dir pointing at the extracted cifar-10-batches-bin folder'
      : '',
    o.groups !== undefined && (o.models !== undefined || o.losses !== undefined)
      ? '--groups lists the groups itself: give it or --models/--losses, not both'
      : '',
    o.controllerStartLr !== undefined && o.controllerStartLrs !== undefined
      ? '--controller-start-lr is a list of one --controller-start-lrs: give one of them'
      : '',
    config.lrs.length === 0 ? '--lrs must name at least one learning rate' : '',
    config.seeds.length === 0 ? '--seeds must name at least one seed' : '',
    config.groups.length === 0 ? '--groups (or --models and --losses) must name at least one group' : '',
    config.rules.length > 0 && config.controllerStartLrs.length === 0
      ? '--controller-start-lrs must name at least one rate when there are controller arms'
      : '',
    config.probeEvery >= config.steps
      ? `--probe-every ${config.probeEvery} leaves no probes in ${config.steps} steps`
      : '',
    sharpnessProblem === undefined ? '' : `--sharpness-every: ${sharpnessProblem}`,
  ].filter((p) => p !== '');
  return problems.length === 0 ? { ok: true, config } : { ok: false, problems };
}
