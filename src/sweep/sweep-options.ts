import type { ScheduleName } from '../trainer/lr-schedule.js';
import type { BackendName, LossName } from '../trainer/names.js';
import { PRESETS } from './presets.js';
import type { PresetName, SweepConfig, SweepDataset, SweepModel } from './sweep-config.js';

/** The command line's overrides of a preset; undefined keeps the preset's value. */
export interface SweepOverrides {
  lrs?: number[];
  seeds?: number[];
  steps?: number;
  batch?: number;
  probeEvery?: number;
  models?: SweepModel[];
  losses?: LossName[];
  alphas?: number[];
  schedules?: Exclude<ScheduleName, 'constant'>[];
  controllerStartLr?: number;
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
 * The preset with the overrides on top, or the problems that make it unusable (each a
 * sentence naming the option). `--target-loss` sets the target of every loss.
 */
export function resolveSweepConfig(
  preset: PresetName,
  o: SweepOverrides,
): { ok: true; config: SweepConfig } | { ok: false; problems: string[] } {
  const base = PRESETS[preset];
  const dataset = o.dataset ?? base.dataset;
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
    models: [...new Set(o.models ?? base.models)],
    losses: [...new Set(o.losses ?? base.losses)],
    alphas: [...new Set(o.alphas ?? base.alphas)],
    schedules: [...new Set(o.schedules ?? base.schedules)],
    controllerStartLr: o.controllerStartLr ?? base.controllerStartLr,
    trainSamples: o.trainSamples ?? base.trainSamples,
    evalSamples: o.evalSamples ?? base.evalSamples,
    targetLoss:
      o.targetLoss === undefined
        ? { ...base.targetLoss }
        : { 'cross-entropy': o.targetLoss, mse: o.targetLoss },
    backend: o.backend ?? base.backend,
    jobs: o.jobs,
  };
  const problems = [
    dataset === 'cifar10' && config.dataDir === undefined
      ? '--dataset cifar10 needs --data-dir pointing at the extracted cifar-10-batches-bin folder'
      : '',
    config.lrs.length === 0 ? '--lrs must name at least one learning rate' : '',
    config.seeds.length === 0 ? '--seeds must name at least one seed' : '',
    config.models.length === 0 ? '--models must name at least one model' : '',
    config.losses.length === 0 ? '--losses must name at least one loss' : '',
    config.probeEvery >= config.steps
      ? `--probe-every ${config.probeEvery} leaves no probes in ${config.steps} steps`
      : '',
  ].filter((p) => p !== '');
  return problems.length === 0 ? { ok: true, config } : { ok: false, problems };
}
