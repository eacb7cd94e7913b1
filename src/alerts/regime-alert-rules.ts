import type { AlertSeverity, EstimateEvent, Regime } from '../events/index.js';

/** One regime that raises an alert: its name, how bad it is, and how long it must last. */
export interface RegimeAlertRule {
  readonly regime: Regime;
  /** The Prometheus alert's name where deploy/prometheus/rules/alerts.yml has a counterpart. */
  readonly name: string;
  readonly severity: AlertSeverity;
  /** Consecutive estimates of the run in the regime before the alert fires. */
  readonly forEstimates: number;
  /** The alert's `value`: the number the regime was judged by. */
  readonly value: (estimate: EstimateEvent) => number;
  /** What the firing alert says, after "run <id>: ". */
  readonly describe: (estimate: EstimateEvent) => string;
}

const ratio = (e: EstimateEvent): number => e.stabilityRatio;
const topExponent = (e: EstimateEvent): number => e.lyapunov[0] ?? Number.NaN;
const shown = (x: number): string => (Number.isFinite(x) ? x.toPrecision(3) : String(x));

/**
 * The regime alerts, one per regime worth a look. `diverged` fires on its first estimate:
 * the trainer ends a run at its first non-finite step, so a second diverged estimate never
 * comes. Every other regime must hold for two estimates in a row, so that one noisy window
 * does not page anyone.
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
    value: ratio,
    describe: (e) =>
      `unstable: η·λ_max = ${shown(e.stabilityRatio)} > 2 (η ${shown(e.lr)}, λ_max ${shown(e.sharpness)})`,
  },
  {
    regime: 'edge',
    name: 'LyapEdgeOfStability',
    severity: 'warning',
    forEstimates: 2,
    value: ratio,
    describe: (e) => `at the edge of stability: η·λ_max = ${shown(e.stabilityRatio)}`,
  },
  {
    regime: 'chaotic',
    name: 'LyapPositiveLyapunovExponent',
    severity: 'warning',
    forEstimates: 2,
    value: topExponent,
    describe: (e) => `chaotic: top Lyapunov exponent ${shown(topExponent(e))}/step > 0`,
  },
]);
