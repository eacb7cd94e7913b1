import { KafkaBus, type KafkaBusOptions, type LogRecord } from '../../src/transport/kafka/index.js';
import type { TestBroker } from './kafka-broker.js';

/** kafkajs logs of the tests, kept in memory (printed only with LYAP_TEST_KAFKA_LOG=1). */
export const kafkaLogs: LogRecord[] = [];

const testLogger = (record: LogRecord): void => {
  if (kafkaLogs.length < 10_000) kafkaLogs.push(record);
  if (process.env['LYAP_TEST_KAFKA_LOG'] === '1') {
    process.stderr.write(
      `${record.level} [${record.namespace}] ${record.message} ${JSON.stringify(record.fields)}\n`,
    );
  }
};

/** A KafkaBus on the test broker: few partitions, quick heartbeats and fetches, quiet logs. */
export function testKafkaBus(broker: TestBroker, overrides: Partial<KafkaBusOptions> = {}): KafkaBus {
  return new KafkaBus({
    config: { brokers: broker.brokers, clientId: 'lyap-test' },
    logger: testLogger,
    logLevel: 'warn',
    topics: { partitions: 3 },
    consumer: { heartbeatIntervalMs: 500, sessionTimeoutMs: 10_000, maxWaitTimeMs: 250, closeGraceMs: 5000 },
    ...overrides,
  });
}
