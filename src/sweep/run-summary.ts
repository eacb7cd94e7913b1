import { countsTowardExponent, type EstimateEvent, type GradientEvent } from '../events/index.js';
import { collapsed, COLLAPSED_ACCURACY } from './analysis.js';
import { commandEffects, type CommandApplication } from './command-effects.js';
import { LATE_FRACTION, SPIKE_FACTOR, type RunSpec } from './sweep-config.js';
import type { AppliedCommand, LateStats, RunRecord } from './run-record.js';
import { smoothedLoss, stepsToTarget } from './smoothed-loss.js';
import { mean, median } from './stats.js';

/** One probe's raw k = 1 measurements (from the gradient event): η, G = ‖Jv‖², r = vᵀHv. */
export interface RawProbe {
  step: number;
  eta: number;
  gram: number;
  rayleigh: number;
}

/**
 * A gradient event's k = 1 Lyapunov measurement as the sweep's statistics use it; undefined
 * without one, and, like the processor, for the burst steps that only re-align the subspace.
 */
export function rawProbe(gradient: Pick<GradientEvent, 'step' | 'probe'>): RawProbe | undefined {
  const l = gradient.probe?.lyapunov;
  const gram = l?.gram[0]?.[0];
  const rayleigh = l?.rayleigh[0]?.[0];
  if (l === undefined || !countsTowardExponent(l) || gram === undefined || rayleigh === undefined)
    return undefined;
  return { step: gradient.step, eta: l.eta, gram, rayleigh };
}

export interface RunObservations {
  status: RunRecord['status'];
  error?: string;
  wallSeconds: number;
  cpuSeconds: number;
  finalLr: number | null;
  commands: number;
  /** The commands the trainer applied (command-effects.ts appliedCommands). */
  applied: readonly CommandApplication[];
  /** Training loss per step (index = step); NaN where it was not finite. */
  losses: readonly number[];
  probes: readonly RawProbe[];
  /** This run's estimates, in any order. */
  estimates: readonly EstimateEvent[];
  evals: readonly { step: number; accuracy: number; loss: number }[];
}

export interface SummaryOptions {
  targetLoss: number;
  lossHalfLifeSteps: number;
  spikeHorizonSteps: number;
}

const SERIES_POINTS = 100;
const LOSS_POINTS = 200;

/** Every n-th index so that at most `points` remain, the last one always kept. */
function thin<T>(values: readonly T[], points: number): T[] {
  const stride = Math.max(1, Math.ceil(values.length / points));
  const kept = values.filter((_, i) => i % stride === 0);
  const last = values.at(-1);
  if (last !== undefined && kept.at(-1) !== last) kept.push(last);
  return kept;
}

const finiteOrNull = (x: number | undefined): number | null =>
  x !== undefined && Number.isFinite(x) ? x : null;

/**
 * The late-training statistics: over the estimates of the last half of the run's probes (by
 * step, diverged ones excluded) and the raw probes at or after the first of them.
 */
export function lateStats(
  estimates: readonly EstimateEvent[],
  probes: readonly RawProbe[],
): LateStats | null {
  const usable = estimates
    .filter((e) => e.window > 0 && e.regime !== 'diverged' && e.lyapunov.length > 0)
    .sort((a, b) => a.step - b.step);
  const late = usable.slice(Math.floor(usable.length * (1 - LATE_FRACTION)));
  const first = late[0];
  if (first === undefined) return null;
  const top = late.map((e) => e.lyapunov[0] ?? NaN);
  const h = late.map((e) => e.curvature[0] ?? NaN);
  const raw = probes.filter((p) => p.step >= first.step && p.gram > 0 && Number.isFinite(p.rayleigh));
  const stats = {
    probes: late.length,
    sharpness: median(late.map((e) => e.sharpness)),
    etaLambda: median(late.map((e) => e.lr * e.sharpness)),
    topExponent: median(top),
    curvature: median(h),
    predictedExponent: median(late.map((e) => e.predictedLyapunov?.[0] ?? NaN)),
    negativeCurvaturePrediction: median(late.map((e, i) => Math.log1p(e.lr * Math.max(0, -(h[i] ?? NaN))))),
    localExponent: mean(raw.map((p) => 0.5 * Math.log(p.gram))),
    localPredicted: mean(raw.map((p) => Math.log(Math.abs(1 - p.eta * p.rayleigh)))),
    offEigenSine: median(raw.map((p) => offEigenSine(p))),
  };
  const values = Object.values(stats);
  if (!values.every((v) => v !== undefined && Number.isFinite(v))) return null;
  const result = stats as LateStats;
  // Measured only by some runs (older recordings, probes without h_min): kept where finite.
  const optional: Record<string, number | undefined> = {
    batchSharpness: medianOf(late, (e) => e.batchSharpness),
    stabilityPrediction: medianOf(late, (e) => e.predictedStabilityExponent),
    minCurvature: medianOf(late, (e) => e.minCurvature),
    minCurvaturePrediction: medianOf(late, (e) => e.predictedCurvatureExponent),
    negativeSideShare: late.some((e) => e.exponentSide !== undefined)
      ? late.filter((e) => e.exponentSide === 'negative-curvature').length / late.length
      : undefined,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined && Number.isFinite(value)) Object.assign(result, { [key]: value });
  }
  return result;
}

/** The median of a field over the estimates that carry it; undefined when none does. */
function medianOf(
  estimates: readonly EstimateEvent[],
  field: (e: EstimateEvent) => number | undefined,
): number | undefined {
  const values = estimates.map(field).filter((v): v is number => v !== undefined && Number.isFinite(v));
  return values.length === 0 ? undefined : median(values);
}

/**
 * sin∠(v, Hv) for a unit v from one probe: ‖Hv‖² = (G − 1 + 2ηr)/η² since G = ‖v − ηHv‖²,
 * and ‖(H − r)v‖² = ‖Hv‖² − r².
 */
export function offEigenSine(p: RawProbe): number {
  const hv2 = (p.gram - 1 + 2 * p.eta * p.rayleigh) / (p.eta * p.eta);
  if (!(hv2 > 0)) return 0;
  return Math.sqrt(Math.min(1, Math.max(0, 1 - (p.rayleigh * p.rayleigh) / hv2)));
}

/**
 * What followed each applied command, and the step the run diverged at: where the smoothed
 * loss stops (the first non-finite loss), or the last step when only the gradient was not finite.
 */
export function commandOutcome(
  smoothed: readonly number[],
  obs: Pick<RunObservations, 'status' | 'losses' | 'applied'>,
  options: Pick<SummaryOptions, 'spikeHorizonSteps'>,
): { appliedCommands: AppliedCommand[]; divergedAt: number | undefined } {
  const divergedAt =
    smoothed.length < obs.losses.length
      ? smoothed.length
      : obs.status === 'diverged'
        ? obs.losses.length - 1
        : undefined;
  const appliedCommands = commandEffects(obs.applied, smoothed, {
    horizonSteps: options.spikeHorizonSteps,
    factor: SPIKE_FACTOR,
    ...(divergedAt === undefined ? {} : { divergedAtStep: divergedAt }),
  });
  return { appliedCommands, divergedAt };
}

/** One run's record from what its child observed. */
export function summarizeRun(spec: RunSpec, obs: RunObservations, options: SummaryOptions): RunRecord {
  const smoothed = smoothedLoss(obs.losses, options.lossHalfLifeSteps);
  const reached = stepsToTarget(smoothed, options.targetLoss);
  const estimates = [...obs.estimates]
    .filter((e) => e.window > 0 && e.regime !== 'diverged')
    .sort((a, b) => a.step - b.step);
  const series = thin(estimates, SERIES_POINTS);
  const lossSteps = thin(
    smoothed.map((_, i) => i),
    LOSS_POINTS,
  );
  const evals = [...obs.evals].filter((e) => Number.isFinite(e.accuracy) && Number.isFinite(e.loss));
  const { appliedCommands, divergedAt } = commandOutcome(smoothed, obs, options);
  const record: RunRecord = {
    ...spec,
    status: obs.status,
    ...(obs.error === undefined ? {} : { error: obs.error }),
    stepsDone: obs.losses.length,
    wallSeconds: obs.wallSeconds,
    cpuSeconds: obs.cpuSeconds,
    finalLr: finiteOrNull(obs.finalLr ?? undefined),
    commands: obs.commands,
    appliedCommands,
    commandSpikes: appliedCommands.filter((c) => c.spike).length,
    breakdown: null,
    breakdownByCommand: false,
    probes: estimates.length,
    late: lateStats(obs.estimates, obs.probes),
    finalLoss: finiteOrNull(smoothed.at(-1)),
    finalAccuracy: finiteOrNull(evals.at(-1)?.accuracy),
    targetLoss: options.targetLoss,
    stepsToTarget: reached ?? null,
    series: {
      step: series.map((e) => e.step),
      lr: series.map((e) => e.lr),
      sharpness: series.map((e) => e.sharpness),
      topExponent: series.map((e) => e.lyapunov[0] ?? 0),
      curvature: series.map((e) => e.curvature[0] ?? 0),
    },
    lossCurve: { step: lossSteps, loss: lossSteps.map((i) => smoothed[i] ?? 0) },
    evals: {
      step: evals.map((e) => e.step),
      accuracy: evals.map((e) => e.accuracy),
      loss: evals.map((e) => e.loss),
    },
  };
  return { ...record, ...breakdownOf(record, divergedAt) };
}

/** Whether the run diverged or collapsed, and whether a command did it (RunRecord.breakdownByCommand). */
export function breakdownOf(
  r: RunRecord,
  divergedAtStep: number | undefined,
): Pick<RunRecord, 'breakdown' | 'breakdownByCommand'> {
  const breakdown = r.status === 'diverged' ? 'diverged' : collapsed(r) ? 'collapsed' : null;
  const learnedBy = (step: number): boolean =>
    r.evals.step.some((s, i) => s <= step && (r.evals.accuracy[i] ?? 0) >= COLLAPSED_ACCURACY);
  const raises = r.appliedCommands.filter((c) => c.lr > c.fromLr);
  const byCommand =
    breakdown === 'diverged'
      ? raises.some((c) => c.step < (divergedAtStep ?? r.stepsDone - 1))
      : breakdown === 'collapsed' && raises.some((c) => learnedBy(c.step));
  return { breakdown, breakdownByCommand: byCommand };
}

/** The record of a run whose child produced no result (crashed, killed, timed out). */
export function failedRun(spec: RunSpec, error: string, wallSeconds: number, targetLoss: number): RunRecord {
  return {
    ...spec,
    status: 'failed',
    error,
    stepsDone: 0,
    wallSeconds,
    cpuSeconds: 0,
    finalLr: null,
    commands: 0,
    appliedCommands: [],
    commandSpikes: 0,
    breakdown: null,
    breakdownByCommand: false,
    probes: 0,
    late: null,
    finalLoss: null,
    finalAccuracy: null,
    targetLoss,
    stepsToTarget: null,
    series: { step: [], lr: [], sharpness: [], topExponent: [], curvature: [] },
    lossCurve: { step: [], loss: [] },
    evals: { step: [], accuracy: [], loss: [] },
  };
}
