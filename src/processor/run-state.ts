import type { RegimeThresholds } from '../dynamics/index.js';
import type { EstimateEvent, GradientEvent, RunConfig, TrajectoryEvent } from '../events/index.js';
import { RunEstimator } from './run-estimator.js';
import { StepJoin, type OfferOutcome, type StepRecord } from './step-join.js';

export interface RunStateOptions {
  windowProbes: number;
  latenessSteps: number;
  latenessMs: number;
  maxSkewSteps: number;
  dedupSteps: number;
  thresholds: RegimeThresholds;
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
  private readonly join: StepJoin;
  private readonly estimator: RunEstimator;
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

  offer(event: GradientEvent | TrajectoryEvent, nowMs: number): OfferOutcome {
    this.lastSeenMs = nowMs;
    return this.join.offer(event, nowMs);
  }

  /** Estimates for every step that is final at `nowMs` (all pending steps when `force`). */
  release(nowMs: number, force: boolean, estimateTs: number): EstimateEvent[] {
    const out: EstimateEvent[] = [];
    for (const record of this.join.release(nowMs, force)) {
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
