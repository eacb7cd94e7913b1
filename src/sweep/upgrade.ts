import { existsSync, readFileSync } from 'node:fs';
import { appliedCommands } from './command-effects.js';
import type { RunRecord } from './run-record.js';
import { breakdownOf, commandOutcome } from './run-summary.js';
import { smoothedLoss } from './smoothed-loss.js';
import { productGroups, type SweepConfig } from './sweep-config.js';

/** A config as sweeps before explicit groups, rules and several starting rates wrote it. */
export type StoredConfig = Omit<
  SweepConfig,
  'groups' | 'rules' | 'controllerStartLrs' | 'spikeHorizonSteps'
> &
  Partial<Pick<SweepConfig, 'groups' | 'rules' | 'controllerStartLrs' | 'spikeHorizonSteps'>> & {
    controllerStartLr?: number;
  };

/** A stored config in today's shape: its controller arms were the quasi-newton rule's, from one rate. */
export function upgradeConfig(stored: StoredConfig): SweepConfig {
  const { controllerStartLr, ...config } = stored;
  return {
    ...config,
    groups: config.groups ?? productGroups(config.models, config.losses),
    rules: config.rules ?? ['quasi-newton'],
    controllerStartLrs: config.controllerStartLrs ?? [controllerStartLr ?? 0.1],
    spikeHorizonSteps: config.spikeHorizonSteps ?? 50,
  };
}

export type StoredRecord = Omit<
  RunRecord,
  'appliedCommands' | 'commandSpikes' | 'breakdown' | 'breakdownByCommand'
> &
  Partial<RunRecord>;

/**
 * A stored record in today's shape: a controller run without a rule ran the quasi-newton
 * rule; the commands the trainer applied, the spikes after them and the breakdown are
 * recomputed from the run's gradients.jsonl when the record predates them.
 */
export function upgradeRecord(stored: StoredRecord, gradientsPath: string, config: SweepConfig): RunRecord {
  const spec = stored.arm === 'controller' ? { rule: stored.rule ?? 'quasi-newton' } : {};
  if (
    stored.appliedCommands !== undefined &&
    stored.commandSpikes !== undefined &&
    stored.breakdown !== undefined &&
    stored.breakdownByCommand !== undefined
  ) {
    return { ...(stored as RunRecord), ...spec };
  }
  const steps = existsSync(gradientsPath)
    ? readFileSync(gradientsPath, 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as { step: number; lr: number; loss: unknown; cmdSeq?: number })
    : [];
  const losses: number[] = [];
  for (const s of steps) losses[s.step] = typeof s.loss === 'number' ? s.loss : NaN;
  const obs = {
    status: stored.status,
    losses: Array.from({ length: losses.length }, (_, i) => losses[i] ?? NaN),
    applied: appliedCommands(steps, stored.lr),
  };
  const { appliedCommands: applied, divergedAt } = commandOutcome(
    smoothedLoss(obs.losses, config.lossHalfLifeSteps),
    obs,
    config,
  );
  const record: RunRecord = {
    ...stored,
    ...spec,
    appliedCommands: applied,
    commandSpikes: applied.filter((c) => c.spike).length,
    breakdown: null,
    breakdownByCommand: false,
  };
  return { ...record, ...breakdownOf(record, divergedAt) };
}
