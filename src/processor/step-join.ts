import type { GradientEvent, TrajectoryEvent } from '../events/index.js';
import { RecentSet } from './recent-set.js';

/** Where an input event was read: its topic, partition and offset. */
export interface EventSource {
  topic: string;
  partition: number;
  offset: string;
}

/** One step of a run as the join releases it: either half may be missing. */
export interface JoinedStep {
  step: number;
  gradient?: GradientEvent;
  /** Where the gradient event was read, when the caller said (for a dead letter of the step). */
  gradientSource?: EventSource;
  trajectory?: TrajectoryEvent;
  arrivedMs: number;
}

const NOTHING: JoinedStep[] = [];

export type OfferOutcome = 'accepted' | 'duplicate' | 'late';

/** A StepJoin's whole state, for the processor's state snapshots. */
export interface StepJoinState {
  pending: JoinedStep[];
  releasedGradients: number[];
  releasedTrajectories: number[];
  lastReleased: number;
  maxGradientStep: number;
  maxTrajectoryStep: number;
}

export interface StepJoinReleaseOptions {
  nowMs: number;
  /** Release everything pending. */
  force?: boolean;
  /**
   * False suspends the `latenessMs` rule: the input is read from a backlog, so a missing half
   * is still to be read, not late.
   */
  byTime?: boolean;
}

export interface StepJoinOptions {
  /** A step is final once both inputs (gradients and trajectories) have reached `step + latenessSteps`… */
  latenessSteps: number;
  /**
   * …or once either input is this many steps past it (the partner is then presumed lost). Bounds
   * the steps held per run when one input runs ahead, as when a consumer catches up on a backlog
   * and reads one topic's batch before the other's.
   */
  maxSkewSteps: number;
  /** …or once it has waited this long for its partner (Infinity: never by time). */
  latenessMs: number;
  /** Finalised (type, step) pairs remembered to tell duplicates from late arrivals. */
  dedupSteps: number;
}

/**
 * Joins one run's gradient and trajectory events by step and releases the joined
 * records in step order. A step is released when both halves are there and every
 * earlier step is released, when both inputs have moved `latenessSteps` past it (each
 * input is watched on its own: gradients racing ahead of trajectories, as when a backlog
 * is read topic by topic, do not finalise steps whose trajectories are still to come),
 * when one input is `maxSkewSteps` past it, or when it has waited `latenessMs`. After release, a repeat of a half that was joined is a
 * duplicate; a half that was missing, or a step never seen, is late.
 */
export class StepJoin {
  private readonly pending = new Map<number, JoinedStep>();
  private order: number[] = [];
  private head = 0;
  private readonly released: Record<'gradient' | 'trajectory', RecentSet<number>>;
  private lastReleased = -1;
  private maxGradientStep = -1;
  private maxTrajectoryStep = -1;

  constructor(private readonly options: StepJoinOptions) {
    const recent = { capacity: options.dedupSteps, slotOf: (step: number) => step };
    this.released = { gradient: new RecentSet(recent), trajectory: new RecentSet(recent) };
  }

  state(): StepJoinState {
    return {
      pending: this.order.slice(this.head).flatMap((step) => {
        const record = this.pending.get(step);
        return record === undefined ? [] : [record];
      }),
      releasedGradients: this.released.gradient.keys().sort((a, b) => a - b),
      releasedTrajectories: this.released.trajectory.keys().sort((a, b) => a - b),
      lastReleased: this.lastReleased,
      maxGradientStep: this.maxGradientStep,
      maxTrajectoryStep: this.maxTrajectoryStep,
    };
  }

  /** A join that continues exactly as the one whose `state()` this is. */
  static fromState(options: StepJoinOptions, state: StepJoinState): StepJoin {
    const join = new StepJoin(options);
    for (const record of state.pending) {
      join.pending.set(record.step, { ...record });
      join.insertOrdered(record.step);
    }
    for (const step of state.releasedGradients) join.released.gradient.add(step);
    for (const step of state.releasedTrajectories) join.released.trajectory.add(step);
    join.lastReleased = state.lastReleased;
    join.maxGradientStep = state.maxGradientStep;
    join.maxTrajectoryStep = state.maxTrajectoryStep;
    return join;
  }

  get releasedThrough(): number {
    return this.lastReleased;
  }

  get pendingSteps(): number {
    return this.pending.size;
  }

  /** `source`: where the event was read, kept with a gradient (see `JoinedStep.gradientSource`). */
  offer(event: GradientEvent | TrajectoryEvent, nowMs: number, source?: EventSource): OfferOutcome {
    const { step } = event;
    if (step <= this.lastReleased) return this.released[event.type].has(step) ? 'duplicate' : 'late';
    let record = this.pending.get(step);
    if (record === undefined) {
      record = { step, arrivedMs: nowMs };
      this.pending.set(step, record);
      this.insertOrdered(step);
    }
    if (event.type === 'gradient') {
      if (record.gradient !== undefined) return 'duplicate';
      record.gradient = event;
      if (source !== undefined) record.gradientSource = source;
    } else {
      if (record.trajectory !== undefined) return 'duplicate';
      record.trajectory = event;
    }
    if (event.type === 'gradient') {
      if (step > this.maxGradientStep) this.maxGradientStep = step;
    } else if (step > this.maxTrajectoryStep) this.maxTrajectoryStep = step;
    return 'accepted';
  }

  /** The steps that are final at `nowMs`, in step order. */
  release({ nowMs, force = false, byTime = true }: StepJoinReleaseOptions): JoinedStep[] {
    let out: JoinedStep[] | undefined;
    const bothPast = Math.min(this.maxGradientStep, this.maxTrajectoryStep) - this.options.latenessSteps;
    const eitherPast = Math.max(this.maxGradientStep, this.maxTrajectoryStep) - this.options.maxSkewSteps;
    while (this.head < this.order.length) {
      const step = this.order[this.head] ?? -1;
      const record = this.pending.get(step);
      if (record === undefined) break;
      const complete = record.gradient !== undefined && record.trajectory !== undefined;
      const final =
        force ||
        (complete && step === this.lastReleased + 1) ||
        step <= bothPast ||
        step <= eitherPast ||
        (byTime && nowMs - record.arrivedMs >= this.options.latenessMs);
      if (!final) break;
      this.pending.delete(step);
      this.remember(record);
      this.lastReleased = step;
      (out ??= []).push(record);
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
    return out ?? NOTHING;
  }

  private insertOrdered(step: number): void {
    const order = this.order;
    let i = order.length;
    while (i > this.head && (order[i - 1] ?? -1) > step) i--;
    if (i === order.length) order.push(step);
    else order.splice(i, 0, step);
  }

  private remember(record: JoinedStep): void {
    if (record.gradient !== undefined) this.released.gradient.add(record.step);
    if (record.trajectory !== undefined) this.released.trajectory.add(record.step);
  }
}
