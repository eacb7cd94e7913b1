import { METRIC } from '../metrics/names.js';

/**
 * Recording rules the dashboards read (`deploy/prometheus/rules/recording.yml` defines them;
 * a test checks that every name here is recorded there).
 */
export const RECORDING_RULE = {
  /** ln|1 − η·h_k| per run and k: the exponent the curvature predicts (docs/design.md). */
  predictedLyapunovExponent: `run:${METRIC.lyapunovExponent}:predicted`,
} as const;
