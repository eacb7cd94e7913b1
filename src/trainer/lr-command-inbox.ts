import type { LrCommandEvent } from '../events/index.js';
import { LrCommandQueue, type LrBounds } from './lr-command-queue.js';
import type { BoundaryCounts, CommandOutcome, CommandRecord } from './lr-command-record.js';

export interface LrCommandInboxOptions {
  runId: string;
  bounds: LrBounds;
  /** Steps without a new command, after one was applied, before saying the rate is held (default 1000). */
  silenceSteps?: number | undefined;
  log: (message: string) => void;
  /** Told what became of each command offered, when it did (`atMs`). */
  onCommand?: ((record: CommandRecord) => void) | undefined;
  /** Stamps what happens at a step boundary (`applied`, `superseded`). */
  clock: () => number;
}

/**
 * The trainer's side of learning-rate intake for one run: the commands that passed the arrival
 * rules (`LrCommandScreen`) wait in an `LrCommandQueue` for the next step boundary, where
 * `take` applies them; stale and duplicate seq are dropped on arrival. Also what waits for a
 * command (`waitForCommand`, the warm-up) and the notice that the rate has been held long.
 */
export class LrCommandInbox {
  readonly counts: BoundaryCounts = { applied: 0, ignoredStaleOrDuplicate: 0, clamped: 0 };
  private readonly queue: LrCommandQueue;
  private lastAppliedStep: number | undefined;
  private silenceReported = false;
  /** Settles the pending `waitForCommand` calls: true when a command is queued, false on close. */
  private readonly waiters = new Set<(arrived: boolean) => void>();
  private closed = false;

  constructor(private readonly options: LrCommandInboxOptions) {
    this.queue = new LrCommandQueue(options.runId, options.bounds);
  }

  /** A command that passed the arrival rules, arrived at `atMs`: queued, or dropped as stale or a duplicate. */
  offer(command: LrCommandEvent, atMs: number): void {
    if (this.queue.offer(command) !== 'queued') {
      this.counts.ignoredStaleOrDuplicate++;
      this.tell(command.seq, 'stale-or-duplicate', atMs);
      return;
    }
    this.tell(command.seq, 'queued', atMs);
    for (const settle of [...this.waiters]) settle(true);
  }

  take(step: number): { lr: number; seq: number } | undefined {
    const applied = this.queue.take();
    if (applied === undefined) {
      this.noticeSilence(step);
      return undefined;
    }
    const atMs = this.options.clock();
    this.counts.applied += applied.applied;
    for (const seq of applied.superseded) this.tell(seq, 'superseded', atMs, step);
    this.tell(applied.seq, 'applied', atMs, step);
    this.lastAppliedStep = step;
    this.silenceReported = false;
    if (applied.lr !== applied.requestedLr) {
      this.counts.clamped++;
      this.options.log(
        `lr-command seq ${applied.seq} asked for lr ${applied.requestedLr}; clamped to ${applied.lr}`,
      );
    }
    return { lr: applied.lr, seq: applied.seq };
  }

  /**
   * True as soon as a command `take` would apply is queued; at once if one is waiting. False
   * after `timeoutMs`, when `signal` aborts, or on `close`.
   */
  waitForCommand(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.queue.waitingCount > 0) return Promise.resolve(true);
    if (this.closed || signal?.aborted === true) return Promise.resolve(false);
    return new Promise((resolve) => {
      const settle = (arrived: boolean): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters.delete(settle);
        resolve(arrived);
      };
      const onAbort = (): void => {
        settle(false);
      };
      const timer = setTimeout(settle, timeoutMs, false);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(settle);
    });
  }

  /** Ends the waits: they, and those to come, resolve false. */
  close(): void {
    this.closed = true;
    for (const settle of [...this.waiters]) settle(false);
  }

  private tell(seq: number, outcome: CommandOutcome, atMs: number, step?: number): void {
    this.options.onCommand?.(step === undefined ? { seq, outcome, atMs } : { seq, outcome, atMs, step });
  }

  private noticeSilence(step: number): void {
    const silence = this.options.silenceSteps ?? 1000;
    if (this.lastAppliedStep === undefined || this.silenceReported || step - this.lastAppliedStep < silence)
      return;
    this.silenceReported = true;
    this.options.log(
      `no lr-command for ${step - this.lastAppliedStep} steps: keeping the last learning rate`,
    );
  }
}
