import type { LrCommandEvent } from '../events/index.js';

export interface LrBounds {
  readonly minLr: number;
  readonly maxLr: number;
}

export type OfferOutcome = 'queued' | 'other-run' | 'stale' | 'duplicate';

export interface AppliedLr {
  /** The learning rate now in force, clamped to the bounds. */
  readonly lr: number;
  /** seq of the newest command applied. */
  readonly seq: number;
  /** What that command asked for, before clamping. */
  readonly requestedLr: number;
  /** Commands applied at this boundary (older ones are superseded in seq order). */
  readonly applied: number;
  /** seq of the older commands taken at this boundary, whose rate never came into force. */
  readonly superseded: readonly number[];
}

/**
 * The pure core of learning-rate intake for one run. Commands wait until the next step
 * boundary; `take` then applies every waiting command in seq order (the last one sets the
 * rate) and clamps it to [minLr, maxLr]. seq is strictly increasing per run, so a command
 * whose seq is at or below the last applied one is stale, and one already waiting is a
 * duplicate (at-least-once delivery); both are ignored.
 */
export class LrCommandQueue {
  private readonly waiting = new Map<number, LrCommandEvent>();
  private lastApplied: number | undefined;

  constructor(
    private readonly runId: string,
    private readonly bounds: LrBounds,
  ) {
    if (!(bounds.minLr > 0 && bounds.minLr <= bounds.maxLr && Number.isFinite(bounds.maxLr))) {
      throw new RangeError(
        `lr bounds must satisfy 0 < minLr ≤ maxLr < ∞, got [${bounds.minLr}, ${bounds.maxLr}]`,
      );
    }
  }

  get lastSeq(): number | undefined {
    return this.lastApplied;
  }

  get waitingCount(): number {
    return this.waiting.size;
  }

  offer(command: LrCommandEvent): OfferOutcome {
    if (command.runId !== this.runId) return 'other-run';
    if (this.lastApplied !== undefined && command.seq <= this.lastApplied) {
      return command.seq === this.lastApplied ? 'duplicate' : 'stale';
    }
    if (this.waiting.has(command.seq)) return 'duplicate';
    this.waiting.set(command.seq, command);
    return 'queued';
  }

  take(): AppliedLr | undefined {
    if (this.waiting.size === 0) return undefined;
    const seqs = [...this.waiting.keys()].sort((a, b) => a - b);
    const newest = this.waiting.get(seqs.at(-1) ?? 0) as LrCommandEvent;
    this.waiting.clear();
    this.lastApplied = newest.seq;
    return {
      lr: Math.min(this.bounds.maxLr, Math.max(this.bounds.minLr, newest.lr)),
      seq: newest.seq,
      requestedLr: newest.lr,
      applied: seqs.length,
      superseded: seqs.slice(0, -1),
    };
  }
}
