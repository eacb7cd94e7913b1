import {
  decodeEvent,
  encodeEvent,
  type EventOfType,
  type EventType,
  type LyapEvent,
} from '../events/index.js';
import type { Bus, BusMessage, OutgoingMessage } from '../transport/index.js';
import { startConsumerLoop } from './consumer-loop.js';
import { deadLetterOf, isBlank } from './dead-letter-of.js';

export interface StageOutput {
  topic: string;
  key: string;
  event: LyapEvent;
}

export interface StageStats {
  /** Messages read. */
  consumed: number;
  /** Events of an accepted type handed to the handler. */
  handled: number;
  /** Blank payloads and valid events of other types. */
  ignored: number;
  /** Payloads that did not decode (dead-lettered when the stage has a dead-letter topic). */
  invalid: number;
  deadLetters: number;
  /** Output events published. */
  published: number;
}

export interface StageOptions<T extends EventType> {
  bus: Bus;
  inputs: readonly string[];
  groupId: string;
  fromBeginning?: boolean;
  onJoined?: () => void;
  /** Event types handed to `handle`; valid events of other types are counted as ignored. */
  accepts: readonly T[];
  /** Outputs to publish, before the delivery is acknowledged. */
  handle: (event: EventOfType<T>, message: BusMessage) => readonly StageOutput[] | undefined;
  /**
   * Where payloads that do not decode go, as dead-letter events with their reason (the
   * pipeline's stages: processor, controller, alerter, the trainer's command intake).
   * Without it they are only counted (sinks that watch topics a stage already checks).
   */
  deadLetterTopic?: string;
  /** Told of each batch of outputs once it is published. */
  published?: (outputs: readonly StageOutput[]) => void;
  /** Stamps dead letters (default Date.now). */
  clock?: () => number;
}

/** A running stage, with its counters `S`. */
export interface RunningStage<S> {
  readonly stats: S;
  /** Settles when the inputs end (sealed and read, or the bus closed) or on `stop`. */
  readonly done: Promise<void>;
  /** Messages of `topic` handled and acknowledged, their outputs published. */
  readonly acked: (topic: string) => number;
  readonly stop: () => void;
}

export type StageHandle = RunningStage<StageStats>;

/**
 * One stage of the pipeline over a bus: consume → decode → handle → publish → ack. Every
 * stage decodes and dead-letters bad input the same way; a batch's outputs and dead letters
 * are published (grouped by topic, in order) before the batch is acknowledged.
 */
export function startStage<T extends EventType>(options: StageOptions<T>): StageHandle {
  const { bus } = options;
  const clock = options.clock ?? Date.now;
  const accepts: ReadonlySet<EventType> = new Set(options.accepts);
  const stats: StageStats = { consumed: 0, handled: 0, ignored: 0, invalid: 0, deadLetters: 0, published: 0 };

  const outputsOf = (messages: readonly BusMessage[]): StageOutput[] => {
    const out: StageOutput[] = [];
    for (const message of messages) {
      stats.consumed++;
      if (isBlank(message.value)) {
        stats.ignored++;
        continue;
      }
      const decoded = decodeEvent(message.value);
      if (!decoded.ok) {
        stats.invalid++;
        if (options.deadLetterTopic !== undefined) {
          const { message: error, runId } = decoded.error;
          const event = deadLetterOf(message, { error, runId, nowMs: clock() });
          out.push({ topic: options.deadLetterTopic, key: event.runId, event });
          stats.deadLetters++;
        }
        continue;
      }
      if (!accepts.has(decoded.event.type)) {
        stats.ignored++;
        continue;
      }
      stats.handled++;
      const produced = options.handle(decoded.event as EventOfType<T>, message);
      if (produced !== undefined) out.push(...produced);
    }
    return out;
  };

  const loop = startConsumerLoop({
    bus,
    topics: options.inputs,
    groupId: options.groupId,
    fromBeginning: options.fromBeginning ?? false,
    ...(options.onJoined === undefined ? {} : { onJoined: options.onJoined }),
    onDelivery: async (messages) => {
      const deadLettersBefore = stats.deadLetters;
      const outputs = outputsOf(messages);
      if (outputs.length === 0) return;
      await publishGrouped(bus, outputs);
      stats.published += outputs.length - (stats.deadLetters - deadLettersBefore);
      options.published?.(outputs);
    },
  });
  return { stats, done: loop.done, acked: loop.acked, stop: loop.stop };
}

/**
 * Outputs published one `publish` per topic, each topic's in their order; the topics' calls are
 * made together, so that a broker bus sends them in one request.
 */
export async function publishGrouped(bus: Bus, outputs: readonly StageOutput[]): Promise<void> {
  const byTopic = new Map<string, OutgoingMessage[]>();
  for (const o of outputs) {
    let list = byTopic.get(o.topic);
    if (list === undefined) byTopic.set(o.topic, (list = []));
    list.push({ key: o.key, value: encodeEvent(o.event) });
  }
  await Promise.all([...byTopic].map(([topic, messages]) => bus.publish(topic, messages)));
}
