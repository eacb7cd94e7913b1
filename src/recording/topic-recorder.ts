import type { BusMessage } from '../transport/index.js';
import type { Bus } from '../transport/index.js';
import { startConsumerLoop } from '../stage/index.js';
import type { LineWriter } from './line-writer.js';

export interface TopicRecorderOptions<F extends string> {
  bus: Bus;
  topics: readonly string[];
  groupId: string;
  /**
   * Where a message goes, and the line written for it (usually `text`, its payload as UTF-8);
   * undefined skips it.
   */
  route: (message: BusMessage, text: string) => { file: F; line: string } | undefined;
  /** Opens a file the first time a line goes to it. */
  open: (file: F) => LineWriter;
  /** Told of each line once it is written. */
  written?: (message: BusMessage, text: string) => void;
}

export interface TopicRecorder<F extends string> {
  /** Lines written per topic so far. */
  count(topic: string): number;
  /** Messages of `topic` read, written (or skipped) and acknowledged. */
  readonly acked: (topic: string) => number;
  /** Lines written in all. */
  readonly lines: number;
  /** The files written to so far, in the order first written. */
  readonly files: readonly F[];
  /** Settles when the topics end (sealed and read, or the bus closed); rejects if a write fails. */
  readonly done: Promise<void>;
  /** Stops reading (if still reading), waits for the line being written, and closes the files. */
  close(): Promise<void>;
}

/**
 * Copies bus topics to line files byte for byte, in the order the consumer reads them, from
 * the beginning: each delivery written, then acknowledged. What `lyap train --out`, the
 * demo's recording and `lyap record --follow` are made of.
 */
export function startTopicRecorder<F extends string>(options: TopicRecorderOptions<F>): TopicRecorder<F> {
  const writers = new Map<F, LineWriter>();
  const counts = new Map<string, number>();
  const decoder = new TextDecoder();
  let lines = 0;
  let writing: Promise<void> = Promise.resolve();

  const write = async (messages: readonly BusMessage[]): Promise<void> => {
    for (const m of messages) {
      const text = typeof m.value === 'string' ? m.value : decoder.decode(m.value);
      const routed = options.route(m, text);
      if (routed === undefined) continue;
      let writer = writers.get(routed.file);
      if (writer === undefined) writers.set(routed.file, (writer = options.open(routed.file)));
      await writer.write(routed.line);
      counts.set(m.topic, (counts.get(m.topic) ?? 0) + 1);
      lines++;
      options.written?.(m, text);
    }
  };
  const loop = startConsumerLoop({
    bus: options.bus,
    topics: options.topics,
    groupId: options.groupId,
    fromBeginning: true,
    onDelivery: (messages) => (writing = write(messages)),
  });
  return {
    count: (topic) => counts.get(topic) ?? 0,
    acked: loop.acked,
    get lines() {
      return lines;
    },
    get files() {
      return [...writers.keys()];
    },
    done: loop.done,
    close: async () => {
      loop.stop();
      await writing.catch(() => undefined);
      for (const writer of writers.values()) await writer.close();
    },
  };
}
