import type { RegimeThresholds } from '../dynamics/index.js';
import type { EstimateEvent, GradientEvent, RunConfig, TrajectoryEvent } from '../events/index.js';
import { RunEstimator, type RunEstimatorState } from './run-estimator.js';
import { StepJoin, type OfferOutcome, type StepJoinState, type StepRecord } from './step-join.js';

export interface RunStateOptions {
  windowProbes: number;
  latenessSteps: number;
  latenessMs: number;
  maxSkewSteps: number;
  dedupSteps: number;
  thresholds: RegimeThresholds;
}

/** A RunState's whole state: what the processor snapshots to rebuild a run elsewhere. */
export interface RunStateData {
  runId: string;
  config?: RunConfig;
  started: boolean;
  lastSeenMs: number;
  endSeenMs?: number;
  lastStep?: number;
  divergenceReported: boolean;
  join: StepJoinState;
  estimator: RunEstimatorState;
}

/**
 * Everything the processor keeps for one run: the step join, the rolling estimator, and
 * whether divergence has been reported. Turns released step records into estimates:
 * one per probed step, plus one at the first step that shows divergence.
 */
export class RunState {
  config: RunConfig | undefined;
  started = false;
  lastSeenMs: number;
  endSeenMs: number | undefined;
  lastStep: number | undefined;
  private join: StepJoin;
  private estimator: RunEstimator;
  private divergenceReported = false;

  get releasedThrough(): number {
    return this.join.releasedThrough;
  }

  constructor(
    readonly runId: string,
    nowMs: number,
    options: RunStateOptions,
  ) {
    this.lastSeenMs = nowMs;
    this.join = new StepJoin(options);
    this.estimator = new RunEstimator(options.windowProbes, options.thresholds);
  }

  state(): RunStateData {
    const data: RunStateData = {
      runId: this.runId,
      started: this.started,
      lastSeenMs: this.lastSeenMs,
      divergenceReported: this.divergenceReported,
      join: this.join.state(),
      estimator: this.estimator.state(),
    };
    if (this.config !== undefined) data.config = this.config;
    if (this.endSeenMs !== undefined) data.endSeenMs = this.endSeenMs;
    if (this.lastStep !== undefined) data.lastStep = this.lastStep;
    return data;
  }

  /** A run that continues exactly as the one whose `state()` this is. */
  static fromState(data: RunStateData, options: RunStateOptions): RunState {
    const run = new RunState(data.runId, data.lastSeenMs, options);
    run.config = data.config;
    run.started = data.started;
    run.endSeenMs = data.endSeenMs;
    run.lastStep = data.lastStep;
    run.divergenceReported = data.divergenceReported;
    run.join = StepJoin.fromState(options, data.join);
    run.estimator = RunEstimator.fromState(options.windowProbes, options.thresholds, data.estimator);
    return run;
  }

  offer(event: GradientEvent | TrajectoryEvent, nowMs: number): OfferOutcome {
    this.lastSeenMs = nowMs;
    return this.join.offer(event, nowMs);
  }

  /** Estimates for every step that is final at `nowMs` (all pending steps when `force`). */
  release(nowMs: number, force: boolean, estimateTs: number, byTime = true): EstimateEvent[] {
    const out: EstimateEvent[] = [];
    for (const record of this.join.release(nowMs, force, byTime)) {
      const estimate = this.estimateFor(record, estimateTs);
      if (estimate !== undefined) out.push(estimate);
    }
    return out;
  }

  private estimateFor(record: StepRecord, ts: number): EstimateEvent | undefined {
    const { gradient, trajectory } = record;
    const probe = gradient?.probe;
    let probed = false;
    if (probe !== undefined) probed = this.estimator.addProbe(probe) !== 'empty';
    if (showsDivergence(gradient, trajectory)) this.estimator.diverged = true;
    const firstDivergence = this.estimator.diverged && !this.divergenceReported;
    if (!probed && !firstDivergence) return undefined;
    if (this.estimator.diverged) this.divergenceReported = true;
    const lr = gradient?.lr ?? this.config?.lr ?? 0;
    const estimate: EstimateEvent = {
      v: 1,
      type: 'estimate',
      runId: this.runId,
      ts,
      step: record.step,
      lr,
      ...this.estimator.snapshot(lr),
    };
    if (gradient !== undefined && Number.isFinite(gradient.loss)) estimate.loss = gradient.loss;
    return estimate;
  }
}

function showsDivergence(gradient?: GradientEvent, trajectory?: TrajectoryEvent): boolean {
  if (gradient !== undefined && !(Number.isFinite(gradient.loss) && Number.isFinite(gradient.gradNorm)))
    return true;
  return (
    trajectory !== undefined &&
    !(Number.isFinite(trajectory.paramNorm) && Number.isFinite(trajectory.updateNorm))
  );
}
