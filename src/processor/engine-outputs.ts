import {
  encodeEvent,
  makeDeadLetter,
  type DeadLetterEvent,
  type EstimateEvent,
  type TopicNames,
} from '../events/index.js';
import { deadLetterOf } from '../stage/index.js';
import type { BusMessage } from '../transport/index.js';
import type { ProcessorObserver } from './observer.js';
import { bump, invalidKey, type InvalidReason, type ProcessorStats } from './stats.js';
import type { JoinedStep } from './step-join.js';

export interface Output {
  topic: string;
  key: string;
  event: EstimateEvent | DeadLetterEvent;
}

export interface DeadLetterCause {
  message: BusMessage;
  reason: InvalidReason;
  error: string;
  nowMs: number;
  /** The run the payload names, when one could be read. */
  runId?: string | undefined;
}

export interface EngineOutputsOptions {
  topics: TopicNames;
  stats: ProcessorStats;
  observer?: ProcessorObserver | undefined;
}

/** The engine's estimates and dead letters, counted and told to the observer, held until `drain`. */
export class EngineOutputs {
  private outputs: Output[] = [];

  constructor(private readonly options: EngineOutputsOptions) {}

  estimates(events: readonly EstimateEvent[]): void {
    const { topics, stats, observer } = this.options;
    for (const event of events) {
      this.outputs.push({ topic: topics.estimates, key: event.runId, event });
      stats.estimates++;
      observer?.record(event, event.ts);
    }
  }

  deadLetter({ message, reason, error, nowMs, runId }: DeadLetterCause): void {
    const { topics, stats, observer } = this.options;
    bump(stats.invalid, invalidKey(message.topic, reason));
    observer?.invalid(message.topic, reason);
    const event = deadLetterOf(message, { error, runId, nowMs });
    this.outputs.push({ topic: topics.dlq, key: event.runId, event });
    stats.deadLetters++;
  }

  /**
   * A step of `runId` whose estimate could not be made: its gradient event is dead-lettered
   * (re-encoded from the decoded event; the bytes it came in as are not kept after the join),
   * with the topic, partition and offset it was read at when the join kept them, and counted
   * like any rejected input, so that a value which breaks the estimator is seen and kept instead
   * of failing the processor, and failing it again on every restart.
   */
  readonly estimateFailure = (runId: string, record: JoinedStep, error: unknown, nowMs: number): void => {
    const { topics, stats, observer } = this.options;
    const source = record.gradientSource;
    const sourceTopic = source?.topic ?? topics.gradients;
    bump(stats.invalid, invalidKey(sourceTopic, 'estimate-failed'));
    observer?.invalid(sourceTopic, 'estimate-failed');
    const why = error instanceof Error ? error.message : String(error);
    const event = makeDeadLetter({
      sourceTopic,
      ...(source === undefined ? {} : { partition: source.partition, offset: source.offset }),
      runId,
      key: runId,
      error: `estimate-failed: step ${record.step}: ${why}`,
      raw: record.gradient === undefined ? '' : encodeEvent(record.gradient),
      ts: nowMs,
    });
    this.outputs.push({ topic: topics.dlq, key: event.runId, event });
    stats.deadLetters++;
  };

  drain(): Output[] {
    const out = this.outputs;
    this.outputs = [];
    return out;
  }
}
