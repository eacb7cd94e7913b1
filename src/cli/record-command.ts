import { lastValueFrom, tap } from 'rxjs';
import { LyapError } from '../errors.js';
import { topicNames } from '../events/index.js';
import {
  orderForReplay,
  recordFilter,
  startTopicRecorder,
  type LineWriter,
  type RecordedLine,
} from '../recording/index.js';
import type { BusMessage } from '../transport/index.js';
import { defineCommand } from './define-command.js';
import { EXIT } from './exit-codes.js';
import { lineSink } from './io.js';
import { kafkaBusFromFlags } from './kafka-from-flags.js';
import {
  brokersOption,
  topicPrefixOption,
  type BrokersFlags,
  type TopicPrefixFlags,
} from './service-options.js';

interface RecordFlags extends BrokersFlags, TopicPrefixFlags {
  topic?: string[];
  runId: string;
  output: string;
  follow: boolean;
}

export const recordCommand = defineCommand<RecordFlags>({
  name: 'record',
  description:
    "Dump one run's events from Kafka topics as JSON lines that `lyap replay` reads: what the " +
    'topics hold up to their end offsets when the command starts, then exit; --follow keeps going.',
  options: (command) =>
    command
      .addOption(brokersOption())
      .option(
        '--topic <name>',
        'topic to read (repeat, or comma-separate); default the run, gradient and trajectory topics of --topic-prefix, which is what replay needs',
        (value: string, previous: string[] | undefined) => [
          ...(previous ?? []),
          ...value
            .split(',')
            .map((t) => t.trim())
            .filter((t) => t.length > 0),
        ],
      )
      .addOption(topicPrefixOption())
      .requiredOption('--run-id <id>', 'the run to record')
      .option('-o, --output <file>', 'where the events go, JSON lines; - for stdout', '-')
      .option('--follow', 'after the end offsets, keep recording new events until SIGINT/SIGTERM', false),
  run: runRecord,
});

async function runRecord(flags: RecordFlags): Promise<number> {
  const topics =
    flags.topic !== undefined && flags.topic.length > 0
      ? flags.topic
      : (() => {
          const t = topicNames(flags.topicPrefix);
          return [t.runs, t.gradients, t.trajectory];
        })();
  const bus = kafkaBusFromFlags(flags.brokers, 'record');
  const sink = lineSink(flags.output);
  const keep = recordFilter(flags.runId);
  const log = (msg: string): void => {
    process.stderr.write(`lyap record: ${msg}\n`);
  };
  try {
    // What the topics hold now, merged into one replayable order (event time, then type).
    const held: RecordedLine[] = [];
    const readThrough = new Map<string, bigint>();
    await lastValueFrom(
      bus.readToEnd(topics).pipe(
        tap((batch: BusMessage[]) => {
          for (const m of batch) {
            readThrough.set(`${m.topic}:${m.partition}`, BigInt(m.offset));
            const line = keep(m);
            if (line !== undefined) held.push(line);
          }
        }),
      ),
      { defaultValue: undefined },
    );
    for (const line of orderForReplay(held)) await sink.write(line.text);
    log(`${held.length} events of run ${flags.runId} from ${topics.join(', ')}`);
    if (flags.follow) await follow(flags, topics, keep, sink, readThrough, log);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof LyapError) throw error;
    throw new LyapError(
      'LYAP_E_KAFKA',
      `recording ${flags.runId}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  } finally {
    await sink.close();
    await bus.close();
  }
}

/**
 * Keeps recording after the snapshot: a throwaway consumer group reads the topics from the
 * beginning, skips every record at or below the offset the snapshot read through on its
 * partition, and writes the rest in arrival order until a signal.
 */
async function follow(
  flags: RecordFlags,
  topics: readonly string[],
  keep: (m: BusMessage) => RecordedLine | undefined,
  sink: LineWriter,
  readThrough: ReadonlyMap<string, bigint>,
  log: (msg: string) => void,
): Promise<void> {
  const bus = kafkaBusFromFlags(flags.brokers, 'record');
  const stop = new Promise<string>((resolve) => {
    process.once('SIGINT', () => {
      resolve('SIGINT');
    });
    process.once('SIGTERM', () => {
      resolve('SIGTERM');
    });
  });
  log('following; stop with Ctrl-C');
  const recorder = startTopicRecorder({
    bus,
    topics,
    groupId: `lyap-record-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    route: (m) => {
      const through = readThrough.get(`${m.topic}:${m.partition}`);
      if (through !== undefined && BigInt(m.offset) <= through) return undefined;
      const line = keep(m);
      return line === undefined ? undefined : { file: 'out', line: line.text };
    },
    // The snapshot's sink: closed by the command, not here.
    open: () => ({ write: (line) => sink.write(line), close: () => Promise.resolve() }),
  });
  const why = await Promise.race([stop, recorder.done.then(() => 'input ended')]);
  await recorder.close();
  await bus.close();
  log(`stopped (${why}); ${recorder.lines} more events`);
}
