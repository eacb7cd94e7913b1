import { stabilityBound } from '../dynamics/index.js';
import {
  judgedStabilityRatio,
  type AlertSeverity,
  type EstimateEvent,
  type Regime,
} from '../events/index.js';

/** One regime that raises an alert: its name, how bad it is, and how long it must last. */
export interface RegimeAlertRule {
  readonly regime: Regime;
  /** The Prometheus alert's name where deploy/prometheus/rules/alerts.yml has a counterpart. */
  readonly name: string;
  readonly severity: AlertSeverity;
  /** Consecutive estimates of the run in the regime before the alert fires. */
  readonly forEstimates: number;
  /**
   * Consecutive estimates outside the regime before a firing alert resolves (default 1: the first
   * one). Like Prometheus's `keep_firing_for`: a run that hovers about the bound raises one alert,
   * not one per crossing.
   */
  readonly keepFiringEstimates?: number;
  /**
   * Fires on the first estimate in the regime, whatever `forEstimates` says, when this holds
   * (a regime far past its bound needs no second look).
   */
  readonly firesAtOnce?: (estimate: EstimateEvent) => boolean;
  /** The alert's `value`: the number the regime was judged by. */
  readonly value: (estimate: EstimateEvent) => number;
  /** What the firing alert says, after "run <id>: ". */
  readonly describe: (estimate: EstimateEvent) => string;
}

const ratio = (e: EstimateEvent): number => judgedStabilityRatio(e);
/** The stability bound the ratio is judged against: 2, or 2(1 + μ) with heavy-ball momentum μ. */
const bound = (e: EstimateEvent): number => stabilityBound(e.momentum);

/**
 * `unstable` fires on its first estimate when the ratio is this far past the bound (2.5 for plain
 * SGD), else on its second in a row: the best constant rate's window median stood at 2.05–2.25
 * for one estimate on healthy runs of the alert benchmark, and a jump in the rate that blows the
 * run up puts it past 2.5 at once (docs/results/alerts.md).
 */
export const AT_ONCE_FACTOR = 1.25;
/** η·BS when the probes measure it (what the regimes judge), else η·λ_max. */
const ratioName = (e: EstimateEvent): string => (e.batchStabilityRatio === undefined ? 'η·λ_max' : 'η·BS');
const shown = (x: number): string => (Number.isFinite(x) ? x.toPrecision(3) : String(x));

/**
 * The regime alerts: on instability, not on chaos. `diverged` fires on its first estimate: the
 * trainer ends a run at its first non-finite step, so a second diverged estimate never comes.
 * `chaotic` (a positive top exponent on a stable step) is exploration along negative curvature,
 * normal in neural-network training (Herrmann et al., NeurIPS 2022; the paper's claim (1)): it is
 * shown, never alerted: on labelled runs (docs/results/alerts.md) it fired on every healthy run.
 * `unstable` is instability sustained: two estimates in a row, or one far past the bound
 * (`AT_ONCE_FACTOR`), since a blow-up follows a jump in the rate within 1–4 steps, less than the
 * probe interval, and waiting for a second estimate there is waiting for the loss to have
 * exploded already. `edge` (η·λ_max from 1.8 up to 2) is below the
 * bound: shown, not alerted; on those runs its warning detected nothing in 13 firings.
 * `EDGE_WARNING` is that rule, for a deployment that wants it (`RegimeAlerts({ rules })`).
 */
export const REGIME_ALERT_RULES: readonly RegimeAlertRule[] = Object.freeze([
  {
    regime: 'diverged',
    name: 'LyapTrainingDiverged',
    severity: 'critical',
    forEstimates: 1,
    value: (e) => e.loss ?? Number.NaN,
    describe: () => 'diverged: the loss or the gradient is NaN or infinite',
  },
  {
    regime: 'unstable',
    name: 'LyapStabilityRatioAboveTwo',
    severity: 'critical',
    forEstimates: 2,
    keepFiringEstimates: 4,
    firesAtOnce: (e) => ratio(e) > AT_ONCE_FACTOR * bound(e),
    value: ratio,
    describe: (e) =>
      `unstable: ${ratioName(e)} = ${shown(ratio(e))} > ${Number(bound(e).toPrecision(3))} (η ${shown(e.lr)}${e.batchSharpness === undefined ? '' : `, BS ${shown(e.batchSharpness)}`}, λ_max ${shown(e.sharpness)}${e.momentum === undefined ? '' : `, momentum ${shown(e.momentum)}`})`,
  },
]);

/** A warning after two estimates in a row at the edge of stability: not among the defaults. */
export const EDGE_WARNING: RegimeAlertRule = Object.freeze<RegimeAlertRule>({
  regime: 'edge',
  name: 'LyapEdgeOfStability',
  severity: 'warning',
  forEstimates: 2,
  value: ratio,
  describe: (e) => `at the edge of stability: ${ratioName(e)} = ${shown(ratio(e))}`,
});
