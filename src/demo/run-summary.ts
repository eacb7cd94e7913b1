import type { Regime, RunStatus } from '../events/index.js';
import type { BoardRun } from './run-board.js';

/** One run at the end of a demo: the numbers of its summary row. */
export interface DemoRunSummary {
  runId: string;
  status: RunStatus | 'running';
  steps: number;
  initialLr: number;
  /** The rate of its first update (the warm-up command's when it came before any); undefined before one. */
  firstUpdateLr: number | undefined;
  finalLr: number;
  /** Mean of the last FINAL_LOSS_STEPS minibatch losses (NaN if one of them was). */
  finalLoss: number;
  /** Training accuracy on the first ACCURACY_SAMPLES examples; undefined when the model cannot tell. */
  accuracy: number | undefined;
  /** Median over the run's estimates of their sharpness; undefined without one. */
  medianSharpness: number | undefined;
  /** η·λ_max of the last estimate. */
  stabilityRatio: number | undefined;
  /** λ₁ of the last estimate. */
  topExponent: number | undefined;
  /** In the order first seen. */
  regimes: Regime[];
  commandsApplied: number;
  commandsSent: number;
  alertsFired: number;
  criticalFired: number;
}

export function summarizeRun(run: BoardRun): DemoRunSummary {
  const e = run.lastEstimate;
  return {
    runId: run.runId,
    status: run.status,
    steps: run.stepsDone,
    initialLr: run.initialLr,
    firstUpdateLr: run.firstUpdateLr,
    finalLr: run.lr,
    finalLoss: mean(run.recentLosses),
    accuracy: run.accuracy,
    medianSharpness: run.sharpness.length === 0 ? undefined : median(run.sharpness),
    stabilityRatio: e === undefined || e.window === 0 ? undefined : e.stabilityRatio,
    topExponent: e?.lyapunov[0],
    regimes: [...run.regimes.keys()],
    commandsApplied: run.commandsApplied,
    commandsSent: run.commandsSent,
    alertsFired: run.alertsFired,
    criticalFired: run.criticalFired,
  };
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
