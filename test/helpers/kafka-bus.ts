import kafkajs from 'kafkajs';
import { lastValueFrom, toArray } from 'rxjs';
import { decodeEvent, type EventOfType, type EventType, type LyapEvent } from '../../src/events/index.js';
import { KafkaBus, type KafkaBusOptions, type LogRecord } from '../../src/transport/kafka/index.js';
import type { TestBroker } from './kafka-broker.js';

/** kafkajs logs of the tests, kept in memory (printed only with LYAP_TEST_KAFKA_LOG=1). */
export const kafkaLogs: LogRecord[] = [];

/** Where the tests' Kafka clients log: `kafkaLogs`, and stderr with LYAP_TEST_KAFKA_LOG=1. */
export const testKafkaLogger = (record: LogRecord): void => {
  if (kafkaLogs.length < 10_000) kafkaLogs.push(record);
  if (process.env['LYAP_TEST_KAFKA_LOG'] === '1') {
    process.stderr.write(
      `${record.level} [${record.namespace}] ${record.message} ${JSON.stringify(record.fields)}\n`,
    );
  }
};

/**
 * The settings of a Kafka client on the test broker: few partitions, quick heartbeats and
 * fetches, quiet logs; without the logger, so that they can be handed to another thread.
 */
export function testKafkaOptions(broker: TestBroker): Omit<KafkaBusOptions, 'logger'> {
  return {
    config: { brokers: broker.brokers, clientId: 'lyap-test' },
    logLevel: 'warn',
    topics: { partitions: 3 },
    consumer: { heartbeatIntervalMs: 500, sessionTimeoutMs: 10_000, maxWaitTimeMs: 250, closeGraceMs: 5000 },
  };
}

/** A KafkaBus on the test broker (`testKafkaOptions`), logging to `testKafkaLogger`. */
export function testKafkaBus(broker: TestBroker, overrides: Partial<KafkaBusOptions> = {}): KafkaBus {
  return new KafkaBus({ ...testKafkaOptions(broker), logger: testKafkaLogger, ...overrides });
}

/** A kafkajs admin client on the test broker, silent; the caller connects and disconnects it. */
export function testAdmin(broker: TestBroker): kafkajs.Admin {
  return new kafkajs.Kafka({ brokers: [...broker.brokers], logLevel: kafkajs.logLevel.NOTHING }).admin();
}

/** How many members the consumer group has now (0 when it is unknown or empty). */
export async function groupMembers(broker: TestBroker, groupId: string): Promise<number> {
  const admin = testAdmin(broker);
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    const group = groups[0];
    return group?.state === 'Stable' ? group.members.length : 0;
  } finally {
    await admin.disconnect();
  }
}

/**
 * How far consumer group `groupId` has committed `topic`: the committed offsets and the end
 * offsets, each summed over the partitions (a partition without a commit counts 0).
 */
export async function groupProgress(
  broker: TestBroker,
  groupId: string,
  topic: string,
): Promise<{ committed: number; end: number }> {
  const admin = testAdmin(broker);
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    let sum = 0;
    for (const p of committed?.partitions ?? []) sum += Math.max(0, Number(p.offset));
    return { committed: sum, end: ends.reduce((total, p) => total + Number(p.high), 0) };
  } finally {
    await admin.disconnect();
  }
}

/** The events `topics` hold up to their end offsets now (`readToEnd`), decoded; what does not decode is left out. */
export async function readEvents(bus: KafkaBus, topics: readonly string[]): Promise<LyapEvent[]> {
  const batches = await lastValueFrom(bus.readToEnd(topics).pipe(toArray()));
  return batches.flat().flatMap((m) => {
    const d = decodeEvent(m.value);
    return d.ok ? [d.event] : [];
  });
}

/** `readEvents`, keeping the events of one type. */
export async function readEventsOf<T extends EventType>(
  bus: KafkaBus,
  topics: readonly string[],
  type: T,
): Promise<EventOfType<T>[]> {
  return (await readEvents(bus, topics)).filter((e): e is EventOfType<T> => e.type === type);
}
