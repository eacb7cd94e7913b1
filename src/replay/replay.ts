import type { DeadLetterEvent, EstimateEvent, LyapEvent } from '../events/index.js';
import { resolveProcessorConfig, startProcessor, type ProcessorConfigInput } from '../processor/index.js';
import type { ProcessorObserver, ProcessorStats } from '../processor/index.js';
import { startConsumerLoop } from '../stage/index.js';
import { MemoryBus, type BusMessage } from '../transport/index.js';
import { summarize, type RunSummary } from './summary.js';

export interface ReplayOptions {
  /** The input's lines in chunks (any split), in order. */
  lines: AsyncIterable<readonly string[]>;
  /** Names the input in dead letters (`replay:<sourceName>`). */
  sourceName: string;
  config?: ProcessorConfigInput;
  /** Called with each estimate's JSON line, in output order; awaited (write backpressure). */
  onEstimate: (json: string, event: EstimateEvent) => void | Promise<void>;
  /** Called with each dead letter and the 1-based input line it came from. */
  onDeadLetter: (json: string, event: DeadLetterEvent, line: number | undefined) => void | Promise<void>;
}

export interface ReplayResult {
  lines: number;
  estimates: number;
  deadLetters: number;
  stats: ProcessorStats;
  runs: RunSummary[];
}

const PUBLISH_CHUNK_LINES = 512;

/**
 * The estimates the engine made, in the order it made them: the order they are published in
 * (one partition), so the output side takes each one's typed event instead of parsing back the
 * JSON the processor just wrote. An estimate with a non-finite number is parsed from its JSON,
 * as before (its event then carries "NaN", "Infinity" or "-Infinity" as strings).
 */
export class EstimatesInOrder implements ProcessorObserver {
  private made: EstimateEvent[] = [];
  private head = 0;

  consumed(): void {}

  invalid(): void {}

  record(event: LyapEvent): void {
    if (event.type === 'estimate') this.made.push(event);
  }

  next(key: string | undefined, json: string): EstimateEvent {
    const event = this.made[this.head++];
    if (this.head > 1024 && this.head * 2 > this.made.length) {
      this.made = this.made.slice(this.head);
      this.head = 0;
    }
    if (event === undefined || event.runId !== key) {
      throw new Error(`replay: estimate of run ${key ?? '?'} published out of the order it was made`);
    }
    return json.includes('"NaN"') || json.includes('Infinity"') ? (JSON.parse(json) as EstimateEvent) : event;
  }
}

/**
 * `lyap replay`: a JSON-lines file through the same processor over `MemoryBus`, on event
 * time, so the same input always gives the same output. Every line, blank or not, is one
 * message on the input topic, so offset + 1 is the line number.
 */
export async function replay(options: ReplayOptions): Promise<ReplayResult> {
  const config = resolveProcessorConfig(options.config);
  const bus = new MemoryBus({ highWaterMessages: 20_000 });
  const inputTopic = `replay:${options.sourceName}`;
  const made = new EstimatesInOrder();
  const processor = startProcessor({
    bus,
    config,
    time: 'event',
    fromBeginning: true,
    inputTopics: [inputTopic],
    observer: made,
  });
  const { estimates: estimatesTopic, dlq: dlqTopic } = processor.engine.topics;
  const summaries = summarize();
  let estimates = 0;
  let deadLetters = 0;

  const outputs = startConsumerLoop({
    bus,
    topics: [estimatesTopic, dlqTopic],
    groupId: 'lyap-replay-output',
    fromBeginning: true,
    onDelivery: async (messages) => {
      for (const message of messages) {
        const written = writeOutput(message);
        // A batch as a batch: a step through the microtask queue only for a sink that waits.
        if (written !== undefined) await written;
      }
    },
  });

  function writeOutput(message: BusMessage): void | Promise<void> {
    const json = typeof message.value === 'string' ? message.value : new TextDecoder().decode(message.value);
    if (message.topic === estimatesTopic) {
      const event = made.next(message.key, json);
      estimates++;
      summaries.add(event);
      return options.onEstimate(json, event);
    }
    // The processor encoded these itself from typed values (tests decode them with the full codec).
    const event = JSON.parse(json) as DeadLetterEvent;
    deadLetters++;
    const line =
      event.sourceTopic === inputTopic && event.offset !== undefined ? Number(event.offset) + 1 : undefined;
    return options.onDeadLetter(json, event, line);
  }

  let lines = 0;
  let chunk: { value: string }[] = [];
  for await (const part of options.lines) {
    for (const line of part) {
      chunk.push({ value: line });
      lines++;
      if (chunk.length >= PUBLISH_CHUNK_LINES) {
        await bus.publish(inputTopic, chunk);
        chunk = [];
      }
    }
  }
  if (chunk.length > 0) await bus.publish(inputTopic, chunk);
  bus.seal(inputTopic);
  await processor.done;
  bus.seal(estimatesTopic);
  bus.seal(dlqTopic);
  await outputs.done;
  await bus.close();
  return { lines, estimates, deadLetters, stats: processor.stats, runs: summaries.runs() };
}
