import { concatMap, defer, type Subscription } from 'rxjs';
import {
  decodeEvent,
  type AlertEvent,
  type EstimateEvent,
  type LrCommandEvent,
  type TopicNames,
} from '../events/index.js';
import type { Bus, Delivery } from '../transport/index.js';

export type RecordedFile = 'events' | 'estimates' | 'alerts' | 'dead-letters';

/** The files of a recording, in its folder. `events.jsonl` is what `lyap replay` reads. */
export const RECORDED_FILE_NAMES: Readonly<Record<RecordedFile, string>> = Object.freeze({
  events: 'events.jsonl',
  estimates: 'estimates.jsonl',
  alerts: 'alerts.jsonl',
  'dead-letters': 'dead-letters.jsonl',
});

export interface LineWriter {
  write(line: string): Promise<void>;
  close(): Promise<void>;
}

export interface RecorderOptions {
  bus: Bus;
  topics: TopicNames;
  groupId: string;
  /** Opens a file the first time a line goes to it. */
  open: (file: RecordedFile) => LineWriter;
  /** Told of every estimate, command and alert, decoded, in bus order. */
  onEvent?: (event: EstimateEvent | LrCommandEvent | AlertEvent) => void;
}

export interface Recorder {
  /** Messages recorded per topic so far. */
  count(topic: string): number;
  /** The files written to so far. */
  readonly files: readonly RecordedFile[];
  /** Settles if the bus ends the subscription (sealed topics, closed bus). */
  readonly done: Promise<void>;
  /** Stops reading and closes the files. */
  stop(): Promise<void>;
}

/**
 * Records a demo's traffic as JSON lines, byte for byte as it went over the bus: the
 * trainers' run, gradient and trajectory events and the controller's commands to
 * `events.jsonl`, in the order the processor read them (so that `lyap replay` of it
 * reproduces the processor's estimates), the estimates to `estimates.jsonl`, the alerts to
 * `alerts.jsonl` and any dead letters to `dead-letters.jsonl`.
 */
export function startRecorder(options: RecorderOptions): Recorder {
  const { topics } = options;
  const fileOf = new Map<string, RecordedFile>([
    [topics.runs, 'events'],
    [topics.gradients, 'events'],
    [topics.trajectory, 'events'],
    [topics.control, 'events'],
    [topics.estimates, 'estimates'],
    [topics.alerts, 'alerts'],
    [topics.dlq, 'dead-letters'],
  ]);
  const decoded = new Set([topics.estimates, topics.control, topics.alerts]);
  const writers = new Map<RecordedFile, LineWriter>();
  const counts = new Map<string, number>();
  const text = new TextDecoder();
  const writerOf = (file: RecordedFile): LineWriter => {
    let writer = writers.get(file);
    if (writer === undefined) writers.set(file, (writer = options.open(file)));
    return writer;
  };

  const record = async (delivery: Delivery): Promise<void> => {
    for (const m of delivery.messages) {
      const file = fileOf.get(m.topic);
      if (file === undefined) continue;
      const line = typeof m.value === 'string' ? m.value : text.decode(m.value);
      await writerOf(file).write(line);
      counts.set(m.topic, (counts.get(m.topic) ?? 0) + 1);
      if (options.onEvent !== undefined && decoded.has(m.topic)) {
        const result = decodeEvent(line);
        if (
          result.ok &&
          (result.event.type === 'estimate' ||
            result.event.type === 'lr-command' ||
            result.event.type === 'alert')
        ) {
          options.onEvent(result.event);
        }
      }
    }
    delivery.ack();
  };

  let subscription: Subscription | undefined;
  let settle: (() => void) | undefined;
  /** The delivery being written, awaited before the files close. */
  let writing: Promise<void> = Promise.resolve();
  const done = new Promise<void>((resolve, reject) => {
    settle = resolve;
    subscription = options.bus
      .consume([...fileOf.keys()], { groupId: options.groupId, fromBeginning: true })
      .pipe(concatMap((delivery) => defer(() => (writing = record(delivery)))))
      .subscribe({ error: reject, complete: resolve });
  });

  return {
    count: (topic) => counts.get(topic) ?? 0,
    get files() {
      return [...writers.keys()];
    },
    done,
    stop: async () => {
      subscription?.unsubscribe();
      settle?.();
      await writing.catch(() => undefined);
      for (const writer of writers.values()) await writer.close();
    },
  };
}
