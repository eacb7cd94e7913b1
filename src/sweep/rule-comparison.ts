import { CONTROL_RULES, type ControlRule } from '../controller/config.js';
import { armLabel, ruleOf } from './arm-label.js';
import type { RunRecord } from './run-record.js';
import { mean, median, medianWithMisses } from './stats.js';

/** The aims (#14) for a controller rule, or a schedule, against the grid's best constant rate. */
export const RULE_AIMS = {
  /** Median steps to the target at most this multiple of the best constant rate's. */
  stepsRatio: 1.1,
  /** Final held-out accuracy at most this far below the best constant rate's: 1 point. */
  accuracyDrop: 0.01,
} as const;

/** The held-out accuracy a diverged run counts with: chance on 10 balanced classes (its θ is not finite). */
export const CHANCE_ACCURACY = 0.1;

/** The best constant rate of the grid: the fewest median steps to the target. */
export interface GridBaseline {
  lr: number;
  runIds: string[];
  medianStepsToTarget: number;
  medianAccuracy: number | null;
}

/** One controller arm (rule, α, starting rate) or schedule arm over its seeds, against the baseline. */
export interface RuleRow {
  label: string;
  arm: 'controller' | 'schedule';
  rule?: ControlRule;
  alpha?: number;
  schedule?: string;
  /** Controller: the starting rate; schedule: its base rate. */
  lr: number;
  runIds: string[];
  /** Median over seeds, "not reached" counted as never: null when half or more did not reach it. */
  medianStepsToTarget: number | null;
  /** medianStepsToTarget ÷ the baseline's; null when either is null. */
  stepsRatio: number | null;
  /** Median over the runs with a result of the final held-out accuracy, diverged runs at CHANCE_ACCURACY. */
  medianAccuracy: number | null;
  /** medianAccuracy − the baseline's (0.01 is 1 point). */
  accuracyDelta: number | null;
  commandsApplied: number;
  /** Applied commands a spike followed. */
  commandSpikes: number;
  diverged: number;
  collapsed: number;
  /** Runs without a result: the child crashed or was killed. */
  failed: number;
  /** The aims the arm misses; null where it cannot be judged (no baseline). */
  misses: { steps: boolean | null; accuracy: boolean | null; spikes: boolean; failures: boolean };
}

export interface RuleComparison {
  baseline: GridBaseline | null;
  rows: RuleRow[];
}

function byLabel(records: readonly RunRecord[]): Map<string, RunRecord[]> {
  const arms = new Map<string, RunRecord[]>();
  for (const r of records) arms.set(armLabel(r), [...(arms.get(armLabel(r)) ?? []), r]);
  return arms;
}

function medianAccuracy(runs: readonly RunRecord[]): number | null {
  const accuracies = runs
    .filter((r) => r.status !== 'failed')
    .map((r) => (r.breakdown === 'diverged' ? CHANCE_ACCURACY : (r.finalAccuracy ?? NaN)));
  return median(accuracies) ?? null;
}

/** The constant rate with the fewest median steps to the target; ties: the lower mean final loss, then the lower rate. */
export function gridBaseline(records: readonly RunRecord[]): GridBaseline | null {
  const candidates = [...byLabel(records.filter((r) => r.arm === 'constant')).values()]
    .map((runs) => ({
      runs,
      lr: (runs[0] as RunRecord).lr,
      steps: medianWithMisses(runs.map((r) => r.stepsToTarget)),
      loss: mean(runs.map((r) => r.finalLoss ?? NaN)) ?? Infinity,
    }))
    .filter((c): c is typeof c & { steps: number } => c.steps !== undefined)
    .sort((a, b) => a.steps - b.steps || a.loss - b.loss || a.lr - b.lr);
  const best = candidates[0];
  return best === undefined
    ? null
    : {
        lr: best.lr,
        runIds: best.runs.map((r) => r.id),
        medianStepsToTarget: best.steps,
        medianAccuracy: medianAccuracy(best.runs),
      };
}

function row(runs: readonly RunRecord[], baseline: GridBaseline | null): RuleRow {
  const first = runs[0] as RunRecord;
  const steps = medianWithMisses(runs.map((r) => r.stepsToTarget)) ?? null;
  const accuracy = medianAccuracy(runs);
  const stepsRatio = steps === null || baseline === null ? null : steps / baseline.medianStepsToTarget;
  const accuracyDelta =
    accuracy === null || baseline === null || baseline.medianAccuracy === null
      ? null
      : accuracy - baseline.medianAccuracy;
  const count = (test: (r: RunRecord) => boolean): number => runs.filter(test).length;
  const rule = ruleOf(first);
  const r = {
    diverged: count((r) => r.breakdown === 'diverged'),
    collapsed: count((r) => r.breakdown === 'collapsed'),
    failed: count((r) => r.status === 'failed'),
    commandSpikes: runs.reduce((a, r) => a + r.commandSpikes, 0),
  };
  return {
    label: armLabel(first),
    arm: first.arm === 'controller' ? 'controller' : 'schedule',
    ...(rule === undefined ? {} : { rule }),
    ...(first.alpha === undefined ? {} : { alpha: first.alpha }),
    ...(first.schedule === undefined ? {} : { schedule: first.schedule }),
    lr: first.lr,
    runIds: runs.map((r) => r.id),
    medianStepsToTarget: steps,
    stepsRatio,
    medianAccuracy: accuracy,
    accuracyDelta,
    commandsApplied: runs.reduce((a, r) => a + r.appliedCommands.length, 0),
    ...r,
    misses: {
      // Not reaching the target misses the aim whatever the baseline.
      steps: steps === null ? true : stepsRatio === null ? null : stepsRatio > RULE_AIMS.stepsRatio,
      accuracy:
        accuracy === null
          ? true
          : accuracyDelta === null
            ? null
            : accuracyDelta < -RULE_AIMS.accuracyDrop - 1e-9,
      spikes: r.commandSpikes > 0,
      failures: r.diverged + r.collapsed + r.failed > 0,
    },
  };
}

/**
 * Every controller arm (by rule, then starting rate and α) and then every schedule arm of a
 * group, over its seeds, against the group's best constant rate.
 */
export function compareRules(records: readonly RunRecord[]): RuleComparison {
  const baseline = gridBaseline(records);
  const rank = (x: RuleRow): number =>
    x.rule === undefined ? CONTROL_RULES.length : CONTROL_RULES.indexOf(x.rule);
  const rows = [...byLabel(records.filter((r) => r.arm !== 'constant')).values()]
    .map((runs) => row(runs, baseline))
    .sort((a, b) => rank(a) - rank(b) || a.lr - b.lr || (a.alpha ?? 0) - (b.alpha ?? 0));
  return { baseline, rows };
}

/** Whether the arm meets every aim (false when one cannot be judged). */
export function meetsAims(r: RuleRow): boolean {
  return Object.values(r.misses).every((miss) => miss === false);
}
