import { CONTROL_RULES, type ControlRule } from '../controller/config.js';
import type { LossName } from '../trainer/names.js';
import type { LateStats, RunRecord } from './run-record.js';
import { armLabel, ruleOf } from './arm-label.js';
import { compareRules, type RuleComparison } from './rule-comparison.js';
import { fitLine, mean, median, medianWithMisses, pearson, quantile, type LineFit } from './stats.js';

export { medianWithMisses } from './stats.js';

/** log10 λ_max = intercept + slope·log10(1/η) over a group's constant-rate runs. */
export interface SharpnessFit extends LineFit {
  /** λ_max ≈ coefficient·(1/η)^slope, coefficient = 10^intercept; the paper: slope 1, coefficient ≈ 1. */
  coefficient: number;
  /** The runs the fit is made of (completed, constant rate, late λ_max > 0). */
  runIds: string[];
}

export interface Distribution {
  n: number;
  median: number;
  q1: number;
  q3: number;
  min: number;
  max: number;
}

export interface ExponentComparison {
  /** Runs with late statistics, neither failed nor collapsed. */
  runIds: string[];
  /** Pearson's r of the measured top exponent against log(1 + η|h_min|). */
  pearsonNegativeCurvature: number | null;
  /** Pearson's r of the measured top exponent against log|1 − η·h|. */
  pearsonPredicted: number | null;
  /** Median over runs of measured − log|1 − η·h| (per step). */
  medianExcess: number | null;
  /** Median over runs of measured / log|1 − η·h|, where |log|1 − η·h|| > 1e-6. */
  medianRatio: number | null;
  /** Median over runs of the late median sin∠(v, Hv). */
  medianOffEigenSine: number | null;
  /** Against the stability side's prediction log|1 − η·λ_max|, over the constant-rate runs (fitRuns). */
  stabilitySide: SidePrediction;
  /** Against the negative-curvature side's log(1 + η|h_min|), over the runs that tracked h_min. */
  negativeCurvatureSide: SidePrediction;
}

/** The measured top exponent against one side's prediction, over the runs that carry it. */
export interface SidePrediction {
  n: number;
  /** Pearson's r of measured against predicted (late medians, one point per run). */
  pearson: number | null;
  /** Median over runs of measured / predicted, where |predicted| > 1e-6. */
  medianRatio: number | null;
  /** Median over runs of measured − predicted (per step). */
  medianExcess: number | null;
}

/** The two sides of the exponent at one constant rate: medians over the fitted runs (seeds). */
export interface SidesAtLr {
  lr: number;
  n: number;
  sharpness: number | null;
  batchSharpness: number | null;
  etaLambda: number | null;
  etaBatchSharpness: number | null;
  topExponent: number | null;
  stabilityPrediction: number | null;
  minCurvature: number | null;
  minCurvaturePrediction: number | null;
  /** Share of late estimates whose top exponent's direction had negative curvature. */
  negativeSideShare: number | null;
}

/** The exponent against its prediction at one constant rate, medians over the fitted runs (seeds). */
export interface ExponentAtLr {
  lr: number;
  n: number;
  topExponent: number;
  predictedExponent: number;
  /** Median of late.localExponent − late.localPredicted: ½·log(1 + η²‖(H − r)v‖²/(1 − ηr)²) per probe, averaged. */
  excess: number;
  /** Median of 2·excess/η², about ‖(H − r)v‖² when the excess is small: the part of Hv off v. */
  excessOverHalfEta2: number;
  offEigenSine: number;
}

export interface ArmSummary {
  /** `η = 0.04`, `edge from η = 0.01`, `quasi-newton α = 1 from η = 0.1`, `cosine from η = 0.16`. */
  label: string;
  arm: RunRecord['arm'];
  lr: number;
  rule?: ControlRule;
  alpha?: number;
  schedule?: string;
  runIds: string[];
  completed: number;
  diverged: number;
  failed: number;
  /** Per run (spec order); null where the target was not reached. */
  stepsToTarget: (number | null)[];
  /** Median over runs with "not reached" counted as infinite: null when half or more did not reach it. */
  medianStepsToTarget: number | null;
  meanFinalLoss: number | null;
  meanFinalAccuracy: number | null;
}

export interface GroupAnalysis {
  group: string;
  model: string;
  loss: LossName;
  targetLoss: number;
  fit: SharpnessFit | null;
  /** The same fit for the batch sharpness gᵀHg/gᵀg (late medians), where the probes measured it. */
  batchSharpnessFit: SharpnessFit | null;
  /** η·λ_max (late medians) of the group's completed constant-rate runs. */
  etaLambda: Distribution | null;
  exponent: ExponentComparison;
  exponentByLr: ExponentAtLr[];
  sidesByLr: SidesAtLr[];
  /** The constant rate with the lowest mean final loss among those that completed for every seed. */
  bestConstantLr: number | null;
  arms: ArmSummary[];
  /** The controller and schedule arms against the constant rate that reached the target first. */
  rules: RuleComparison;
}

export interface SweepAnalysis {
  /** `collapsed` counts completed runs that ended below COLLAPSED_ACCURACY. */
  counts: {
    runs: number;
    completed: number;
    collapsed: number;
    diverged: number;
    failed: number;
    stopped: number;
  };
  groups: GroupAnalysis[];
  /** Over every group's completed constant-rate runs. */
  etaLambda: Distribution | null;
  exponent: ExponentComparison;
}

const nullable = (x: number | undefined): number | null => (x === undefined ? null : x);

export function distribution(values: readonly number[]): Distribution | null {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return null;
  return {
    n: finite.length,
    median: quantile(finite, 0.5) ?? NaN,
    q1: quantile(finite, 0.25) ?? NaN,
    q3: quantile(finite, 0.75) ?? NaN,
    min: Math.min(...finite),
    max: Math.max(...finite),
  };
}

/** Held-out accuracy below which a run counts as collapsed: twice chance for 10 classes. */
export const COLLAPSED_ACCURACY = 0.2;

/** The loss of the best constant prediction on 10 balanced classes: log 10, and ½(1 − 1/10) for half-MSE. */
export const CHANCE_LOSS: Readonly<Record<LossName, number>> = { 'cross-entropy': Math.log(10), mse: 0.45 };

/**
 * A completed run that ended where a constant output would: held-out accuracy below
 * COLLAPSED_ACCURACY, or a final smoothed training loss within 5% of CHANCE_LOSS. Its network
 * died (or never learned); the curvature left is the output bias's (λ_max = 1 exactly for
 * half-MSE), which says nothing about the sharpness SGD trains to, so fits, η·λ_max and the
 * exponent comparison leave such runs out.
 */
export function collapsed(r: RunRecord): boolean {
  if (r.status !== 'completed') return false;
  if (r.finalAccuracy !== null && r.finalAccuracy < COLLAPSED_ACCURACY) return true;
  return r.finalLoss !== null && r.finalLoss >= 0.95 * CHANCE_LOSS[r.loss];
}

/**
 * The runs a fit and the η·λ_max distribution use: completed, not collapsed, constant-rate runs
 * with late λ_max > 0.
 */
export function fitRuns(records: readonly RunRecord[]): RunRecord[] {
  return records.filter(
    (r) =>
      r.arm === 'constant' &&
      r.status === 'completed' &&
      !collapsed(r) &&
      r.late !== null &&
      r.late.sharpness > 0,
  );
}

/** log10 of a late curvature (λ_max by default) on log10(1/η) over the fitted runs that have it. */
export function sharpnessFit(
  records: readonly RunRecord[],
  curvature: (late: LateStats) => number | undefined = (late) => late.sharpness,
): SharpnessFit | null {
  const runs = fitRuns(records).filter((r) => r.late !== null && (curvature(r.late) ?? 0) > 0);
  const fit = fitLine(
    runs.map((r) => Math.log10(1 / r.lr)),
    runs.map((r) => Math.log10((r.late === null ? undefined : curvature(r.late)) ?? NaN)),
  );
  return fit === undefined
    ? null
    : { ...fit, coefficient: 10 ** fit.intercept, runIds: runs.map((r) => r.id) };
}

function sidePrediction(
  late: readonly LateStats[],
  predicted: (l: LateStats) => number | undefined,
): SidePrediction {
  const pairs = late
    .map((l) => [l.topExponent, predicted(l)] as const)
    .filter((p): p is readonly [number, number] => p[1] !== undefined && Number.isFinite(p[1]));
  return {
    n: pairs.length,
    pearson: nullable(
      pearson(
        pairs.map(([, p]) => p),
        pairs.map(([m]) => m),
      ),
    ),
    medianRatio: nullable(median(pairs.filter(([, p]) => Math.abs(p) > 1e-6).map(([m, p]) => m / p))),
    medianExcess: nullable(median(pairs.map(([m, p]) => m - p))),
  };
}

export function compareExponents(records: readonly RunRecord[]): ExponentComparison {
  const runs = records.filter((r) => r.late !== null && r.status !== 'failed' && !collapsed(r));
  const late = runs.map((r) => r.late).filter((l) => l !== null);
  const measured = late.map((l) => l.topExponent);
  const predicted = late.map((l) => l.predictedExponent);
  // The two sides against the constant-rate runs only: a controlled run's rate moves.
  const constantLate = fitRuns(records).flatMap((r) => (r.late === null ? [] : [r.late]));
  return {
    runIds: runs.map((r) => r.id),
    pearsonNegativeCurvature: nullable(
      pearson(
        late.map((l) => l.negativeCurvaturePrediction),
        measured,
      ),
    ),
    pearsonPredicted: nullable(pearson(predicted, measured)),
    medianExcess: nullable(median(late.map((l) => l.topExponent - l.predictedExponent))),
    medianRatio: nullable(
      median(
        late
          .filter((l) => Math.abs(l.predictedExponent) > 1e-6)
          .map((l) => l.topExponent / l.predictedExponent),
      ),
    ),
    medianOffEigenSine: nullable(median(late.map((l) => l.offEigenSine))),
    stabilitySide: sidePrediction(constantLate, (l) => l.stabilityPrediction),
    negativeCurvatureSide: sidePrediction(constantLate, (l) => l.minCurvaturePrediction),
  };
}

/** The late statistics of the fitted runs, per constant rate, ascending. */
function lateByLr(records: readonly RunRecord[]): { lr: number; late: LateStats[] }[] {
  const runs = fitRuns(records);
  return [...new Set(runs.map((r) => r.lr))]
    .sort((a, b) => a - b)
    .map((lr) => ({
      lr,
      late: runs.filter((r) => r.lr === lr).flatMap((r) => (r.late === null ? [] : [r.late])),
    }));
}

export function sidesByLr(records: readonly RunRecord[]): SidesAtLr[] {
  return lateByLr(records).map(({ lr, late }) => {
    const of = (field: (l: LateStats) => number | undefined): number | null =>
      nullable(median(late.map(field).filter((v): v is number => v !== undefined && Number.isFinite(v))));
    return {
      lr,
      n: late.length,
      sharpness: of((l) => l.sharpness),
      batchSharpness: of((l) => l.batchSharpness),
      etaLambda: of((l) => l.etaLambda),
      etaBatchSharpness: of((l) => (l.batchSharpness === undefined ? undefined : lr * l.batchSharpness)),
      topExponent: of((l) => l.topExponent),
      stabilityPrediction: of((l) => l.stabilityPrediction),
      minCurvature: of((l) => l.minCurvature),
      minCurvaturePrediction: of((l) => l.minCurvaturePrediction),
      negativeSideShare: of((l) => l.negativeSideShare),
    };
  });
}

export function exponentByLr(records: readonly RunRecord[]): ExponentAtLr[] {
  return lateByLr(records).map(({ lr, late }) => {
    const excess = late.map((l) => l.localExponent - l.localPredicted);
    return {
      lr,
      n: late.length,
      topExponent: median(late.map((l) => l.topExponent)) ?? NaN,
      predictedExponent: median(late.map((l) => l.predictedExponent)) ?? NaN,
      excess: median(excess) ?? NaN,
      excessOverHalfEta2: median(excess.map((e) => (2 * e) / (lr * lr))) ?? NaN,
      offEigenSine: median(late.map((l) => l.offEigenSine)) ?? NaN,
    };
  });
}

export function bestConstantLr(records: readonly RunRecord[]): number | undefined {
  const byLr = new Map<number, RunRecord[]>();
  for (const r of records.filter((r) => r.arm === 'constant')) byLr.set(r.lr, [...(byLr.get(r.lr) ?? []), r]);
  let best: { lr: number; loss: number } | undefined;
  for (const [lr, runs] of byLr) {
    if (!runs.every((r) => r.status === 'completed' && r.finalLoss !== null)) continue;
    const loss = mean(runs.map((r) => r.finalLoss ?? NaN)) ?? Infinity;
    if (best === undefined || loss < best.loss) best = { lr, loss };
  }
  return best?.lr;
}

export function armSummaries(records: readonly RunRecord[]): ArmSummary[] {
  const arms = new Map<string, RunRecord[]>();
  for (const r of records) arms.set(armLabel(r), [...(arms.get(armLabel(r)) ?? []), r]);
  const order = { constant: 0, schedule: 1, controller: 2 } as const;
  const ruleRank = (a: ArmSummary): number => (a.rule === undefined ? -1 : CONTROL_RULES.indexOf(a.rule));
  return [...arms.entries()]
    .map(([label, runs]): ArmSummary => {
      const first = runs[0] as RunRecord;
      const steps = runs.map((r) => r.stepsToTarget);
      return {
        label,
        arm: first.arm,
        lr: first.lr,
        ...(first.arm === 'controller' ? { rule: ruleOf(first) ?? 'quasi-newton' } : {}),
        ...(first.alpha === undefined ? {} : { alpha: first.alpha }),
        ...(first.schedule === undefined ? {} : { schedule: first.schedule }),
        runIds: runs.map((r) => r.id),
        completed: runs.filter((r) => r.status === 'completed').length,
        diverged: runs.filter((r) => r.status === 'diverged').length,
        failed: runs.filter((r) => r.status === 'failed').length,
        stepsToTarget: steps,
        medianStepsToTarget: nullable(medianWithMisses(steps)),
        meanFinalLoss: nullable(mean(runs.map((r) => r.finalLoss ?? NaN))),
        meanFinalAccuracy: nullable(mean(runs.map((r) => r.finalAccuracy ?? NaN))),
      };
    })
    .sort(
      (a, b) =>
        order[a.arm] - order[b.arm] ||
        ruleRank(a) - ruleRank(b) ||
        a.lr - b.lr ||
        (a.alpha ?? 0) - (b.alpha ?? 0),
    );
}

/** Every aggregate of the report from the runs' records (pure: the report and the tests recompute it). */
export function analyzeSweep(records: readonly RunRecord[]): SweepAnalysis {
  const groups = [...new Set(records.map((r) => r.group))].map((group): GroupAnalysis => {
    const runs = records.filter((r) => r.group === group);
    const first = runs[0] as RunRecord;
    return {
      group,
      model: first.model,
      loss: first.loss,
      targetLoss: first.targetLoss,
      fit: sharpnessFit(runs),
      batchSharpnessFit: sharpnessFit(runs, (late) => late.batchSharpness),
      etaLambda: distribution(fitRuns(runs).map((r) => r.late?.etaLambda ?? NaN)),
      exponent: compareExponents(runs),
      exponentByLr: exponentByLr(runs),
      sidesByLr: sidesByLr(runs),
      bestConstantLr: nullable(bestConstantLr(runs)),
      arms: armSummaries(runs),
      rules: compareRules(runs),
    };
  });
  const count = (status: RunRecord['status']): number => records.filter((r) => r.status === status).length;
  return {
    counts: {
      runs: records.length,
      completed: count('completed'),
      collapsed: records.filter(collapsed).length,
      diverged: count('diverged'),
      failed: count('failed'),
      stopped: count('stopped'),
    },
    groups,
    etaLambda: distribution(fitRuns(records).map((r) => r.late?.etaLambda ?? NaN)),
    exponent: compareExponents(records),
  };
}
