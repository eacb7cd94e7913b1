import { readFileSync } from 'node:fs';
import { Consumer as PlatformaticConsumer } from '@platformatic/kafka';
import kafkajs from 'kafkajs';
import { firstValueFrom, filter, take } from 'rxjs';
import { topicNames } from '../../src/events/index.js';
import { KafkaBus } from '../../src/transport/kafka/index.js';
import { withTimeout } from '../../src/with-timeout.js';
import { benchBroker } from './bench-broker.js';
import { consumerBaseline, produceEvents, trainerEvents } from './kafka-events.js';
import type { SuiteResult } from './types.js';

/**
 * The Kafka client's own read rate, apart from the processor's work: the same trainer-shaped
 * events as `kafka-throughput` (gradient and trajectory topics, 4 partitions) read to the end by
 *
 * - Kafka's ConsumerPerformance (the baseline, the broker's jars);
 * - kafkajs alone, the project's client: a consumer group's `eachBatch` that counts messages;
 * - `KafkaBus.consume`, the project's group consumer over kafkajs, as `lyap process` reads: each
 *   delivery counted and acked, offsets committed;
 * - `@platformatic/kafka` (a pure-JavaScript client, the candidate of issue #15): a consumer
 *   group's message stream, counted, with its default read-ahead of 1,024 messages and with 16,384.
 *
 * Each reader is a new consumer group from the earliest offset; its rate is from its first
 * message to its last (the group join left out, as ConsumerPerformance's fetch rate does).
 * Rounds alternate the readers. What the processor then does per event is `kafka-throughput`'s.
 */
export async function kafkaClientsSuite(params: {
  events: number;
  runs: number;
  rounds: number;
}): Promise<SuiteResult> {
  const broker = await benchBroker();
  const { bootstrap } = broker;
  const prefix = `bench-clients-${Date.now().toString(36)}.`;
  const topics = topicNames(prefix);
  const bus = new KafkaBus({ config: broker.config, topics: { partitions: 4, topicPrefix: prefix } });
  const read = [topics.gradients, topics.trajectory];
  try {
    const events = trainerEvents(params);
    const produced = await produceEvents(bus, topics, events);
    const total = read.reduce((n, t) => n + (produced.byTopic.get(t)?.length ?? 0), 0);
    const readers: Record<string, (round: number) => Promise<number>> = {
      'Kafka ConsumerPerformance (baseline)': async () =>
        (await consumerBaseline(bootstrap, topics, produced)).both,
      'kafkajs eachBatch, counting': (round) =>
        kafkajsRate(bootstrap, read, total, `${prefix}kafkajs-${round}`),
      'KafkaBus.consume (kafkajs), ack + commit per delivery': (round) =>
        busRate(bus, read, total, `${prefix}bus-${round}`),
      '@platformatic/kafka stream, counting': (round) =>
        platformaticRate(bootstrap, read, total, `${prefix}platformatic-${round}`),
      '@platformatic/kafka stream, highWaterMark 16384': (round) =>
        platformaticRate(bootstrap, read, total, `${prefix}platformatic-hwm-${round}`, 16_384),
    };
    const rates = new Map<string, number[]>(Object.keys(readers).map((name) => [name, []]));
    for (let round = 0; round < params.rounds; round++) {
      for (const [name, reader] of Object.entries(readers)) rates.get(name)?.push(await reader(round));
    }
    const best = (name: string): number => Math.max(...(rates.get(name) ?? [Number.NaN]));
    const baseline = best('Kafka ConsumerPerformance (baseline)');
    const rows = [...rates].map(([name, rs]) => ({
      reader: name,
      'records/s, best': Math.round(Math.max(...rs)),
      'records/s, each round': rs.map((r) => Math.round(r)).join(', '),
      'best / baseline': Number((Math.max(...rs) / baseline).toFixed(3)),
    }));
    return {
      suite: 'kafka-clients',
      params: {
        events: total,
        runs: params.runs,
        partitions: 4,
        rounds: params.rounds,
        bytes: produced.bytes,
      },
      rows,
      notes: [
        `${total} gradient and trajectory records (${(produced.bytes / 1e6).toFixed(1)} MB with the run events) on ${broker.description}; each reader a new group from the earliest offset, timed from its first message to its last`,
        `@platformatic/kafka ${platformaticVersion()} and kafkajs ${kafkajsVersion()}; rounds alternate the readers, the best of ${params.rounds} is compared`,
      ],
    };
  } finally {
    await bus.close();
    await broker.stop();
  }
}

/** Messages per second from the first to the last of `total`, given a callback per batch of `n`. */
function rateMeter(total: number): { count: (n: number) => boolean; rate: () => number } {
  let first: number | undefined;
  let last = 0;
  let seen = 0;
  return {
    count: (n) => {
      const now = performance.now();
      first ??= now;
      seen += n;
      last = now;
      return seen >= total;
    },
    // The first batch's own messages arrived at `first`: the rate counts those after it.
    rate: () => (seen - 1) / ((last - (first ?? last)) / 1000),
  };
}

const READ_TIMEOUT_MS = 300_000;

async function kafkajsRate(
  bootstrap: string,
  topics: string[],
  total: number,
  groupId: string,
): Promise<number> {
  const kafka = new kafkajs.Kafka({
    clientId: 'lyap-bench',
    brokers: bootstrap.split(','),
    logLevel: kafkajs.logLevel.NOTHING,
  });
  // The fetch settings KafkaBus uses.
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 1000, maxBytes: 10 * 1024 * 1024 });
  const meter = rateMeter(total);
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  try {
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (meter.count(batch.messages.length)) done();
        await Promise.resolve();
      },
    });
    await withTimeout(finished, READ_TIMEOUT_MS, 'kafkajs reading every message');
    return meter.rate();
  } finally {
    await consumer.disconnect();
  }
}

async function busRate(bus: KafkaBus, topics: string[], total: number, groupId: string): Promise<number> {
  const meter = rateMeter(total);
  await withTimeout(
    firstValueFrom(
      bus.consume(topics, { groupId, fromBeginning: true }).pipe(
        filter((delivery) => {
          const all = meter.count(delivery.messages.length);
          delivery.ack();
          return all;
        }),
        take(1),
      ),
    ),
    READ_TIMEOUT_MS,
    'KafkaBus.consume reading every message',
  );
  return meter.rate();
}

async function platformaticRate(
  bootstrap: string,
  topics: string[],
  total: number,
  groupId: string,
  highWaterMark?: number,
): Promise<number> {
  const consumer = new PlatformaticConsumer({
    clientId: 'lyap-bench',
    groupId,
    bootstrapBrokers: bootstrap.split(','),
    // The fetch settings KafkaBus uses.
    maxWaitTime: 1000,
    maxBytes: 10 * 1024 * 1024,
    // Messages the stream buffers ahead of its reader (default 1,024).
    ...(highWaterMark === undefined ? {} : { highWaterMark }),
  });
  const meter = rateMeter(total);
  try {
    const stream = await consumer.consume({ topics, mode: 'earliest', autocommit: false });
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        stream.on('data', () => {
          if (meter.count(1)) resolve();
        });
        stream.once('error', reject);
      }),
      READ_TIMEOUT_MS,
      '@platformatic/kafka reading every message',
    );
    await new Promise<void>((resolve, reject) => {
      stream.close((error) => {
        if (error) reject(error);
        else resolve();
      });
    });
    return meter.rate();
  } finally {
    await consumer.close();
  }
}

function platformaticVersion(): string {
  return packageVersion('@platformatic/kafka');
}

function kafkajsVersion(): string {
  return packageVersion('kafkajs');
}

function packageVersion(name: string): string {
  try {
    const text = readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8');
    return (JSON.parse(text) as { version: string }).version;
  } catch {
    return '(version unknown)';
  }
}
