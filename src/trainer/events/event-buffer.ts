import { isLyapError } from '../../errors.js';
import { encodeEvent, topicForType, type LyapEvent, type TopicNames } from '../../events/index.js';
import type { Bus } from '../../transport/index.js';

export interface EventBufferOptions {
  bus: Bus;
  topics: TopicNames;
  /** Events queued before the oldest step events are dropped. */
  capacityEvents?: number;
  /** Events taken from the queue per round of publishing. */
  maxBatchEvents?: number;
  /** Called when events are given up: a publish that retrying cannot fix, or retries spent. */
  onError?: (error: unknown) => void;
  /**
   * Called when a publish failed in a way that may pass (a broker restarting, a leader moving:
   * a retriable `LyapError`) and its events wait `delayMs` for attempt `attempt + 1`.
   */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** How long events whose publish keeps failing retriably are retried before they are dropped (default 60 s). */
  retryForMs?: number;
}

export const DEFAULT_BUFFER_CAPACITY_EVENTS = 10_000;
export const DEFAULT_PUBLISH_RETRY_MS = 60_000;
/** The first pause before publishing again, doubled per attempt up to the last. */
const RETRY_FIRST_DELAY_MS = 100;
const RETRY_MAX_DELAY_MS = 5_000;

/**
 * Decouples the training loop from the bus. `push` is synchronous and O(1): the event joins
 * a bounded FIFO queue and a single background pump publishes it (key = runId), in push
 * order, one call per run of consecutive events of the same topic, so a consumer of
 * several topics (`lyap train --out`) sees them in the order they were emitted.
 *
 * Overflow policy: when `capacityEvents` are queued, pushing drops the oldest queued event
 * that is not a `run` event (the oldest step's gradient or trajectory; the processor treats
 * the missing half like a late one) and counts it in `dropped`. `run` start/end events are
 * never dropped, so consumers always learn how a run ended. The events of a round that is
 * being published are out of the queue, so memory is bounded by capacity + one round.
 *
 * Failures: a publish that may pass on retry (a retriable `LyapError`: broker unreachable, a
 * leader moving) puts its events back at the head of the queue, and the pump publishes again
 * after a pause (100 ms, doubling to 5 s) for up to `retryForMs`; only then are they dropped.
 * A broker failover therefore loses nothing. Retried events may reach their topic twice (a
 * publish that failed after the broker wrote it: the processor deduplicates) and after later
 * events of the same round (only some of its calls failed): the processor joins by step and
 * waits for the earlier step, and a half that comes after its step was released anyway is
 * dead-lettered as late, counted. Any other failure drops the call's events at once. Every
 * dropped event is counted.
 */
export class EventBuffer {
  private readonly queue: LyapEvent[] = [];
  private head = 0;
  private droppedCount = 0;
  private publishedCount = 0;
  private pumping: Promise<void> | undefined;
  private readonly capacity: number;
  private readonly maxBatch: number;
  private readonly retryForMs: number;
  /** Since when the publish at the head of the queue has kept failing retriably, and how often. */
  private failing: { since: number; attempts: number } | undefined;

  constructor(private readonly options: EventBufferOptions) {
    this.capacity = options.capacityEvents ?? DEFAULT_BUFFER_CAPACITY_EVENTS;
    this.maxBatch = options.maxBatchEvents ?? 500;
    this.retryForMs = options.retryForMs ?? DEFAULT_PUBLISH_RETRY_MS;
    if (!Number.isSafeInteger(this.capacity) || this.capacity < 1) {
      throw new RangeError(`capacityEvents must be a positive integer, got ${this.capacity}`);
    }
  }

  get dropped(): number {
    return this.droppedCount;
  }

  get published(): number {
    return this.publishedCount;
  }

  get pending(): number {
    return this.queue.length - this.head;
  }

  push(event: LyapEvent): void {
    if (this.pending >= this.capacity) this.dropOldestStepEvent();
    this.queue.push(event);
    this.pumping ??= this.pump();
  }

  /** Resolves once everything pushed so far has been published (or dropped). */
  async flush(): Promise<void> {
    while (this.pumping !== undefined) await this.pumping;
  }

  /** A retriable failure, while the events at the head have not been retried for `retryForMs`. */
  private mayRetry(error: unknown): boolean {
    if (!(isLyapError(error) && error.retriable)) return false;
    return this.failing === undefined || Date.now() - this.failing.since < this.retryForMs;
  }

  private dropOldestStepEvent(): void {
    for (let i = this.head; i < this.queue.length; i++) {
      if (this.queue[i]?.type !== 'run') {
        if (i === this.head) this.head++;
        else this.queue.splice(i, 1);
        this.droppedCount++;
        return;
      }
    }
  }

  private async pump(): Promise<void> {
    try {
      // The events pushed in the same run of code (a step's gradient and trajectory) join the
      // first round, rather than waiting for its publish to be acknowledged.
      await Promise.resolve();
      while (this.pending > 0) {
        const round = this.queue.slice(this.head, this.head + this.maxBatch);
        this.head += round.length;
        if (this.head > 4096 && this.head * 2 > this.queue.length) {
          this.queue.splice(0, this.head);
          this.head = 0;
        }
        // Every topic's publish of the round is issued at once, in push order (a bus appends or
        // queues a call when it is made), and awaited together: a broker bus sends them in one
        // request instead of one round trip per alternation of gradient and trajectory.
        const runs = sameTopicRuns(round, this.options.topics);
        // Async, so that a failure to encode is a rejection like a failure to publish.
        const calls = runs.map(async (run) => {
          await this.options.bus.publish(
            run.topic,
            run.events.map((event) => ({ key: event.runId, value: encodeEvent(event) })),
          );
        });
        const outcomes = await Promise.allSettled(calls);
        let failure: { error: unknown } | undefined;
        let retry: { error: unknown } | undefined;
        const again: LyapEvent[] = [];
        for (const [i, outcome] of outcomes.entries()) {
          const events = runs[i]?.events ?? [];
          if (outcome.status === 'fulfilled') this.publishedCount += events.length;
          else if (this.mayRetry(outcome.reason)) {
            again.push(...events);
            retry ??= { error: outcome.reason };
          } else {
            this.droppedCount += events.length;
            failure ??= { error: outcome.reason };
          }
        }
        if (failure !== undefined) this.options.onError?.(failure.error);
        if (retry === undefined) {
          this.failing = undefined;
          continue;
        }
        // Back at the head, in their order, to be published again after a pause.
        this.queue.splice(this.head, 0, ...again);
        this.failing ??= { since: Date.now(), attempts: 0 };
        this.failing.attempts++;
        const delayMs = Math.min(RETRY_MAX_DELAY_MS, RETRY_FIRST_DELAY_MS * 2 ** (this.failing.attempts - 1));
        this.options.onRetry?.(retry.error, this.failing.attempts, delayMs);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    } finally {
      this.pumping = undefined;
    }
  }
}

function sameTopicRuns(
  events: readonly LyapEvent[],
  topics: TopicNames,
): { topic: string; events: LyapEvent[] }[] {
  const runs: { topic: string; events: LyapEvent[] }[] = [];
  for (const event of events) {
    const topic = topicForType(event.type, topics);
    const last = runs.at(-1);
    if (last?.topic === topic) last.events.push(event);
    else runs.push({ topic, events: [event] });
  }
  return runs;
}
