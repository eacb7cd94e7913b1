// The alert benchmark's scoring, pure: instability events from a run's losses, and the
// precision, recall, lead time and false-alarm rate of alert firings against them. The
// alerts suite (alerts.ts) feeds it live runs; saved traces (--keep) can be scored again.
import {
  classifyRegime,
  DEFAULT_REGIME_THRESHOLDS,
  type RegimeInput,
  type RegimeThresholds,
} from '../../src/dynamics/index.js';
import { judgedStabilityRatio, type EstimateEvent } from '../../src/events/index.js';
import { mean, quantile as sweepQuantile } from '../../src/sweep/stats.js';

/** When a run counts as blown up: see `instabilityEvent`. */
export interface EventLabelOptions {
  /** Half-life of the loss's exponential moving average, in steps. */
  halfLifeSteps: number;
  /** Steps before the smoothed loss is compared with its running minimum. */
  warmupSteps: number;
  /** The smoothed loss above this many times its running minimum is an event. */
  factor: number;
  /** A run whose smoothed loss ends above this share of its first loss failed to train. */
  failedShare: number;
}

export const DEFAULT_EVENT_LABEL: Readonly<EventLabelOptions> = Object.freeze({
  halfLifeSteps: 10,
  warmupSteps: 50,
  factor: 3,
  failedShare: 0.5,
});

/**
 * The exponential moving average of `losses` (one per step, from step 0), with weight
 * 1 − 2^(−1/halfLife) on each new loss, started at the first loss. A non-finite loss makes
 * it non-finite from there on.
 */
export function smoothedLoss(losses: readonly number[], halfLifeSteps: number): number[] {
  const alpha = 1 - 2 ** (-1 / halfLifeSteps);
  const out: number[] = [];
  let ema = Number.NaN;
  for (const [i, loss] of losses.entries()) {
    ema = i === 0 ? loss : ema + alpha * (loss - ema);
    out.push(ema);
  }
  return out;
}

/**
 * The step of a run's instability event, or undefined if it has none: the first step whose
 * loss is not finite (at any step), or the first step t ≥ warmupSteps whose smoothed loss
 * exceeds `factor` times the minimum of the smoothed loss over steps warmupSteps…t.
 * `losses[i]` is the loss of step i.
 */
export function instabilityEvent(
  losses: readonly number[],
  options: Readonly<EventLabelOptions> = DEFAULT_EVENT_LABEL,
): number | undefined {
  const smooth = smoothedLoss(losses, options.halfLifeSteps);
  let minimum = Number.POSITIVE_INFINITY;
  for (const [step, loss] of losses.entries()) {
    if (!Number.isFinite(loss)) return step;
    if (step < options.warmupSteps) continue;
    const s = smooth[step] ?? Number.NaN;
    minimum = Math.min(minimum, s);
    if (s > options.factor * minimum) return step;
  }
  return undefined;
}

/**
 * Whether a run failed to train: its smoothed loss at the last step is above `failedShare` of
 * its first loss, or not finite. A rate far past the best one can leave a classifier near the
 * loss of a uniform guess (ln 10 for ten classes) from the first steps on, with no blow-up for
 * `instabilityEvent` to find: a second label, scored apart, for the runs an alert is right to
 * flag although they carry no event.
 */
export function failedToTrain(
  losses: readonly number[],
  options: Readonly<EventLabelOptions> = DEFAULT_EVENT_LABEL,
): boolean {
  const last = smoothedLoss(losses, options.halfLifeSteps).at(-1);
  const first = losses[0];
  if (last === undefined || first === undefined) return false;
  return !(Number.isFinite(last) && last <= options.failedShare * first);
}

/** One labelled run as the scoring sees it. */
export interface ScoredRun {
  /** Steps the run trained (its gradient events). */
  steps: number;
  /** Its instability event's step, if any. */
  event: number | undefined;
  /** Steps at which the alerts under evaluation fired (firing transitions), any order. */
  firings: readonly number[];
}

export interface AlertScore {
  /** Firing transitions over all runs. */
  alerts: number;
  /** Firings followed by their run's event within the horizon (firing ≤ event ≤ firing + H). */
  truePositives: number;
  /** Firings after their run's event (counted as not followed by one). */
  afterEvent: number;
  /** truePositives / alerts; NaN without alerts. */
  precision: number;
  /** truePositives / (alerts − afterEvent): late firings left out; NaN without such alerts. */
  precisionBeforeEvent: number;
  events: number;
  /** Events with a firing in [event − H, event]. */
  detected: number;
  /** detected / events; NaN without events. */
  recall: number;
  /** Per detected event: event − its first firing in [event − H, event]. */
  leadTimes: number[];
  leadMedian: number;
  leadQ1: number;
  leadQ3: number;
  /** Runs without an event, their steps, and the firings on them. */
  quietRuns: number;
  quietSteps: number;
  falseAlarms: number;
  /** falseAlarms per 1,000 steps of runs without an event; NaN without such steps. */
  falseAlarmsPer1000: number;
}

/** Precision, recall and lead time within `horizon` steps, and false alarms on runs without an event. */
export function scoreAlerts(runs: readonly ScoredRun[], horizon: number): AlertScore {
  let alerts = 0;
  let truePositives = 0;
  let afterEvent = 0;
  let events = 0;
  let quietRuns = 0;
  let quietSteps = 0;
  let falseAlarms = 0;
  const leadTimes: number[] = [];
  for (const run of runs) {
    alerts += run.firings.length;
    const { event } = run;
    if (event === undefined) {
      quietRuns += 1;
      quietSteps += run.steps;
      falseAlarms += run.firings.length;
      continue;
    }
    events += 1;
    truePositives += run.firings.filter((s) => s <= event && event <= s + horizon).length;
    afterEvent += run.firings.filter((s) => s > event).length;
    const inWindow = run.firings.filter((s) => event - horizon <= s && s <= event);
    if (inWindow.length > 0) leadTimes.push(event - Math.min(...inWindow));
  }
  leadTimes.sort((a, b) => a - b);
  return {
    alerts,
    truePositives,
    afterEvent,
    precision: alerts === 0 ? Number.NaN : truePositives / alerts,
    precisionBeforeEvent: alerts === afterEvent ? Number.NaN : truePositives / (alerts - afterEvent),
    events,
    detected: leadTimes.length,
    recall: events === 0 ? Number.NaN : leadTimes.length / events,
    leadTimes,
    leadMedian: quantile(leadTimes, 0.5),
    leadQ1: quantile(leadTimes, 0.25),
    leadQ3: quantile(leadTimes, 0.75),
    quietRuns,
    quietSteps,
    falseAlarms,
    falseAlarmsPer1000: quietSteps === 0 ? Number.NaN : (1000 * falseAlarms) / quietSteps,
  };
}

/** The p-quantile of `values`, interpolating linearly between ranks (src/sweep/stats); NaN if empty. */
export function quantile(values: readonly number[], p: number): number {
  return sweepQuantile(values, p) ?? Number.NaN;
}

/** The alert events the scoring needs: which alert, how bad, firing or resolved, and when. */
export interface ScoredAlert {
  name: string;
  severity: string;
  state: string;
  step: number;
}

/** The steps at which the alerts `keep` selects fired (firing transitions only). */
export function firingSteps(alerts: readonly ScoredAlert[], keep: (alert: ScoredAlert) => boolean): number[] {
  return alerts.filter((a) => a.state === 'firing' && keep(a)).map((a) => a.step);
}

/** One rate of the scan: the mean loss of the last 20 steps, per seed, and each seed's event. */
export interface ScanRow {
  lr: number;
  finals: number[];
  events: (number | undefined)[];
}

/**
 * The arms' reference: the scanned rate with the lowest mean final loss over the scan's seeds,
 * among those without an event on any seed (1 for cross-entropy, as the scan of 2026-12-06 found).
 */
export function bestRate(rows: readonly ScanRow[]): number {
  const meanOf = (r: ScanRow): number => mean(r.finals) ?? Number.POSITIVE_INFINITY;
  const candidates = rows.filter(
    (r) => r.events.every((e) => e === undefined) && r.finals.every(Number.isFinite),
  );
  const best = candidates.reduce<ScanRow | undefined>(
    (b, r) => (b === undefined || meanOf(r) < meanOf(b) ? r : b),
    undefined,
  );
  if (best === undefined) throw new Error('alerts: no scanned rate trained without an event');
  return best.lr;
}

/**
 * What-if thresholds for scoring saved estimates again: the regime the processor would have given
 * with another early verdict or with a margin past the bound (`--early-ratio`, `--margin`).
 */
export interface RegimeWhatIf {
  /** Before the third probe, `unstable` only past this ratio (times 1 + μ): `earlyUnstableRatio`. */
  earlyRatio?: number | undefined;
  /** From the third probe on, `unstable` only past this multiple of the bound: `unstableRatio` × it. */
  margin?: number | undefined;
}

/** The estimate fields the regime is judged from (src/processor/run-estimator.ts). */
export type RelabelledEstimate = Pick<
  EstimateEvent,
  'regime' | 'window' | 'lyapunov' | 'stabilityRatio' | 'batchStabilityRatio' | 'momentum'
>;

/**
 * The estimates with their `unknown` and `unstable` regimes judged again by `classifyRegime`
 * (src/dynamics/regime.ts) with the what-if thresholds: those before the third probe when
 * `earlyRatio` is given, those after it when `margin` is. Every other estimate is kept as it was
 * recorded. Without a what-if, the estimates as they are.
 */
export function relabel<E extends RelabelledEstimate>(estimates: readonly E[], whatIf: RegimeWhatIf): E[] {
  const { earlyRatio, margin } = whatIf;
  const defaults = DEFAULT_REGIME_THRESHOLDS;
  const thresholds: Readonly<RegimeThresholds> = Object.freeze({
    ...defaults,
    ...(earlyRatio === undefined ? {} : { earlyUnstableRatio: earlyRatio }),
    ...(margin === undefined ? {} : { unstableRatio: margin * defaults.unstableRatio }),
  });
  return estimates.map((e) => {
    if (e.regime !== 'unknown' && e.regime !== 'unstable') return e;
    if ((e.window < thresholds.minSamples ? earlyRatio : margin) === undefined) return e;
    const input: RegimeInput = {
      diverged: false,
      samples: e.window,
      stabilityRatio: judgedStabilityRatio(e),
    };
    if (e.lyapunov.length > 0) input.topExponent = Math.max(...e.lyapunov);
    if ((e.momentum ?? 0) > 0) input.momentum = e.momentum;
    return { ...e, regime: classifyRegime(input, thresholds) };
  });
}
