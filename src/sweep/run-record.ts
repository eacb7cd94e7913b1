import type { RunSpec } from './sweep-config.js';

/** Late-training statistics of one run: over the last half of its probes (estimates). */
export interface LateStats {
  /** Estimates in the late half. */
  probes: number;
  /** Median of the estimates' λ_max (each a window median). */
  sharpness: number;
  /** Median of η·λ_max, η the rate of each estimate. */
  etaLambda: number;
  /** Median of the top Lyapunov exponent (window mean of local exponents, per step). */
  topExponent: number;
  /** Median of the curvature tracked by the Lyapunov vector (its Ritz value h). */
  curvature: number;
  /** Median of log|1 − η·h|, the exponent the tracked curvature predicts. */
  predictedExponent: number;
  /** Median of log(1 + η·|min(h, 0)|): the paper's prediction from the most negative curvature. */
  negativeCurvaturePrediction: number;
  /** Mean over the late raw probes of the local exponent ½·log G (G = ‖Jv‖²). */
  localExponent: number;
  /** Mean over the same probes of log|1 − η·r| (r = vᵀHv of the same probe). */
  localPredicted: number;
  /**
   * Median over the same probes of sin∠(v, Hv) = ‖(H − r)v‖/‖Hv‖: 0 when the Lyapunov vector is
   * an eigenvector of the probe's minibatch Hessian. The measured local exponent exceeds
   * log|1 − ηr| by exactly ½·log(1 + η²‖(H − r)v‖²/(1 − ηr)²).
   */
  offEigenSine: number;
  /** Median of the estimates' batch sharpness gᵀHg/gᵀg (each a window median), when measured. */
  batchSharpness?: number;
  /** Median of log|1 − η·λ_max|: the exponent the stability side predicts. */
  stabilityPrediction?: number;
  /** Median of h_min (each a window median), when the probes tracked it (--min-curvature). */
  minCurvature?: number;
  /** Median of log(1 + η·max(0, −h_min)): the exponent the negative-curvature side predicts. */
  minCurvaturePrediction?: number;
  /** Share of the late estimates whose top exponent's direction has negative curvature. */
  negativeSideShare?: number;
}

/** One learning-rate command the trainer applied, and what the smoothed loss did after it. */
export interface AppliedCommand {
  /** The step whose gradient event first reported the command (its cmdSeq). */
  step: number;
  /** The rate before and from that step on. */
  fromLr: number;
  lr: number;
  /** Largest smoothed loss within the spike horizon over its running minimum up to the command; null when the loss stopped being finite within it, or the run ended first. */
  peakRatio: number | null;
  /** peakRatio above SPIKE_FACTOR, or the loss not finite within the horizon. */
  spike: boolean;
}

/** One run's outcome as results.json holds it; null marks what a run did not produce. */
export interface RunRecord extends RunSpec {
  status: 'completed' | 'diverged' | 'failed' | 'stopped';
  /** For failed runs: the first line of the error. */
  error?: string;
  stepsDone: number;
  wallSeconds: number;
  /** CPU time of the child process (user + system): the cost on an idle machine. */
  cpuSeconds: number;
  finalLr: number | null;
  /** Commands the controller published for the run. */
  commands: number;
  /** Commands the trainer applied, in step order. */
  appliedCommands: AppliedCommand[];
  /** How many of them a spike followed. */
  commandSpikes: number;
  /**
   * `diverged`: the loss (or gradient) became non-finite; `collapsed`: the run ended where a
   * constant output would (analysis.collapsed: held-out accuracy below 0.2, or the constant
   * predictor's loss); null: neither, or no result (a failed run).
   */
  breakdown: 'diverged' | 'collapsed' | null;
  /**
   * The breakdown was a command's doing: a divergence after a command that raised the rate; a
   * collapse after a raise applied once the network had learned (an evaluation at or before
   * the raise's step with held-out accuracy ≥ COLLAPSED_ACCURACY). A network that was dead, or
   * had not learned yet, when its rate was raised did not collapse because of the raise.
   */
  breakdownByCommand: boolean;
  /** Estimates received with a non-empty window. */
  probes: number;
  late: LateStats | null;
  /** The smoothed training loss at the last finite step. */
  finalLoss: number | null;
  /** Held-out accuracy at the end (the last evaluation). */
  finalAccuracy: number | null;
  targetLoss: number;
  /** First step at which the smoothed training loss reached targetLoss; null: never. */
  stepsToTarget: number | null;
  /** Per-estimate series, thinned to at most ~100 points. */
  series: { step: number[]; lr: number[]; sharpness: number[]; topExponent: number[]; curvature: number[] };
  /** Smoothed training loss, thinned to at most ~200 points. */
  lossCurve: { step: number[]; loss: number[] };
  /** Held-out accuracy and loss every evalEvery steps (and at the end). */
  evals: { step: number[]; accuracy: number[]; loss: number[] };
}
