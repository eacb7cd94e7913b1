import { ritzValues, type RegimeThresholds } from '../dynamics/index.js';
import type { EstimateEvent, GradientEvent, RunConfig, TrajectoryEvent } from '../events/index.js';
import { RunEstimator } from './run-estimator.js';
import type { RunStateData } from './run-snapshot.js';
import { showsDivergence } from './shows-divergence.js';
import { StepJoin, type EventSource, type JoinedStep, type OfferOutcome } from './step-join.js';

const NO_ESTIMATES: readonly EstimateEvent[] = Object.freeze([]);

export interface RunStateOptions {
  windowProbes: number;
  latenessSteps: number;
  latenessMs: number;
  maxSkewSteps: number;
  dedupSteps: number;
  thresholds: RegimeThresholds;
  /** How long an ended run without a `lastStep` stays open for its stragglers. */
  endGraceMs: number;
}

export interface RunReleaseOptions {
  nowMs: number;
  /** Release every pending step. */
  force: boolean;
  estimateTs: number;
  /** False suspends the `latenessMs` rule (the input is read from a backlog). */
  byTime?: boolean;
  /**
   * A step whose estimate could not be made (an error in the estimator, such as a value that
   * overflows in its linear algebra): the step is skipped and handed here, and the run goes on.
   * Absent: the error is thrown.
   */
  onFailure?: (runId: string, record: JoinedStep, error: unknown, nowMs: number) => void;
}

/**
 * Everything the processor keeps for one run: the step join, the rolling estimator, and
 * whether divergence has been reported. Turns released steps into estimates: one per
 * probed step, plus one at the first step that shows divergence. It owns the run's
 * lifecycle: started, seen, ended (with the last step it announced), ready to close.
 */
export class RunState {
  #config: RunConfig | undefined;
  #started = false;
  #lastSeenMs: number;
  #endSeenMs: number | undefined;
  #lastStep: number | undefined;
  private join: StepJoin;
  private estimator: RunEstimator;
  private divergenceReported = false;

  constructor(
    readonly runId: string,
    nowMs: number,
    private readonly options: RunStateOptions,
  ) {
    this.#lastSeenMs = nowMs;
    this.join = new StepJoin(options);
    this.estimator = new RunEstimator(options.windowProbes, options.thresholds);
  }

  get started(): boolean {
    return this.#started;
  }

  /** When the run's last `start`, gradient or trajectory was offered. */
  get lastSeenMs(): number {
    return this.#lastSeenMs;
  }

  /** Whether its `end` event has been seen. */
  get ended(): boolean {
    return this.#endSeenMs !== undefined;
  }

  get releasedThrough(): number {
    return this.join.releasedThrough;
  }

  state(): RunStateData {
    const data: RunStateData = {
      runId: this.runId,
      started: this.#started,
      lastSeenMs: this.#lastSeenMs,
      divergenceReported: this.divergenceReported,
      join: this.join.state(),
      estimator: this.estimator.state(),
    };
    if (this.#config !== undefined) data.config = this.#config;
    if (this.#endSeenMs !== undefined) data.endSeenMs = this.#endSeenMs;
    if (this.#lastStep !== undefined) data.lastStep = this.#lastStep;
    return data;
  }

  /** A run that continues exactly as the one whose `state()` this is. */
  static fromState(data: RunStateData, options: RunStateOptions): RunState {
    const run = new RunState(data.runId, data.lastSeenMs, options);
    run.#config = data.config;
    run.#started = data.started;
    run.#endSeenMs = data.endSeenMs;
    run.#lastStep = data.lastStep;
    run.divergenceReported = data.divergenceReported;
    run.join = StepJoin.fromState(options, data.join);
    run.estimator = RunEstimator.fromState(options.windowProbes, options.thresholds, data.estimator);
    return run;
  }

  /** Its `start` event: the run's configuration (a repeated start replaces it). */
  start(config: RunConfig, nowMs: number): void {
    this.#started = true;
    this.#config = config;
    this.#lastSeenMs = nowMs;
  }

  /** Its `end` event, with the last step the trainer announced, if any. */
  seeEnd(nowMs: number, lastStep: number | undefined): void {
    this.#endSeenMs = nowMs;
    if (lastStep !== undefined) this.#lastStep = lastStep;
  }

  /**
   * An ended run closes once the last step it announced is released (a run whose last steps
   * never come expires by its TTL); without one, once `endGraceMs` has passed since its end.
   */
  readyToClose(nowMs: number): boolean {
    if (this.#endSeenMs === undefined) return false;
    return this.#lastStep !== undefined
      ? this.join.releasedThrough >= this.#lastStep
      : nowMs - this.#endSeenMs >= this.options.endGraceMs;
  }

  offer(event: GradientEvent | TrajectoryEvent, nowMs: number, source?: EventSource): OfferOutcome {
    this.#lastSeenMs = nowMs;
    return this.join.offer(event, nowMs, source);
  }

  /** Estimates, stamped `estimateTs`, for every step that is final at `nowMs`. */
  release({
    nowMs,
    force,
    estimateTs,
    byTime = true,
    onFailure,
  }: RunReleaseOptions): readonly EstimateEvent[] {
    const records = this.join.release({ nowMs, force, byTime });
    if (records.length === 0) return NO_ESTIMATES;
    const out: EstimateEvent[] = [];
    for (const record of records) {
      let estimate: EstimateEvent | undefined;
      try {
        estimate = this.estimateFor(record, estimateTs);
      } catch (error) {
        if (onFailure === undefined) throw error;
        onFailure(this.runId, record, error, nowMs);
      }
      if (estimate !== undefined) out.push(estimate);
    }
    return out;
  }

  private estimateFor(record: JoinedStep, ts: number): EstimateEvent | undefined {
    const { gradient, trajectory } = record;
    const probe = gradient?.probe;
    let probed = false;
    let accepted = false;
    if (probe !== undefined) {
      const outcome = this.estimator.addProbe(probe);
      // A burst's later steps are folded into the state; the estimate comes with the next probe.
      // A non-finite one (a run blowing up: Infinity in its Rayleigh matrix) makes an estimate
      // too, of the regime diverged, without the probe's own values.
      accepted = outcome === 'accepted';
      probed = accepted || outcome === 'non-finite';
    }
    if (showsDivergence(gradient, trajectory)) this.estimator.diverged = true;
    const firstDivergence = this.estimator.diverged && !this.divergenceReported;
    if (!probed && !firstDivergence) return undefined;
    if (this.estimator.diverged) this.divergenceReported = true;
    const lr = gradient?.lr ?? this.#config?.lr ?? 0;
    const estimate: EstimateEvent = {
      v: 1,
      type: 'estimate',
      runId: this.runId,
      ts,
      step: record.step,
      lr,
      ...this.estimator.snapshot(lr, this.#config?.momentum),
    };
    if (accepted && probe !== undefined) {
      const top = probe.sharpness === undefined ? undefined : ritzValues(probe.sharpness.rayleigh)[0];
      if (top !== undefined && Number.isFinite(top)) estimate.probeSharpness = top;
      if (probe.batchSharpness !== undefined && Number.isFinite(probe.batchSharpness))
        estimate.probeBatchSharpness = probe.batchSharpness;
    }
    const momentum = this.#config?.momentum;
    if (momentum !== undefined && momentum > 0) estimate.momentum = momentum;
    if (gradient !== undefined && Number.isFinite(gradient.loss)) estimate.loss = gradient.loss;
    if (gradient !== undefined && Number.isFinite(gradient.gradNorm)) estimate.gradNorm = gradient.gradNorm;
    return estimate;
  }
}
