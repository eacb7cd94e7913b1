// npm run kafka:compat — checks what this project needs from kafkajs against a real
// broker, and prints the findings as a Markdown table (the evidence in docs/kafka.md).
// Uses KAFKA_BROKERS if set, else starts a local broker of KAFKA_VERSION (default: the
// version scripts/kafka runs). Exits 1 if a check fails.
import kafkajs, { type Admin, type Kafka } from 'kafkajs';
import { brokerApiVersions, negotiate, type Negotiated } from './api-versions.js';
import { startLocalCluster, type LocalCluster } from './local-cluster.js';

const { Kafka: KafkaClient, logLevel, Partitioners, CompressionTypes, ConfigResourceTypes } = kafkajs;

interface Finding {
  check: string;
  ok: boolean;
  ms: number;
  detail: string;
}

const suffix = Date.now().toString(36);
const name = (what: string): string => `compat-${what}-${suffix}`;

async function consumeAll(
  kafka: Kafka,
  options: { topic: string; groupId: string; count: number; commit: boolean },
): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: options.groupId, heartbeatInterval: 500, maxWaitTimeInMs: 250 });
  await consumer.connect();
  await consumer.subscribe({ topics: [options.topic], fromBeginning: true });
  const values: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`only ${values.length} of ${options.count} messages within 30 s`));
    }, 30_000);
    consumer
      .run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async (payload) => {
          const { batch } = payload;
          for (const m of batch.messages) {
            values.push(m.value?.toString() ?? '');
            payload.resolveOffset(m.offset);
          }
          if (options.commit) {
            const offset = (BigInt(batch.lastOffset()) + 1n).toString();
            await payload.commitOffsetsIfNecessary({
              topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset }] }],
            });
          }
          if (values.length >= options.count) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return values;
}

async function topicConfig(admin: Admin, topic: string, key: string): Promise<string | undefined> {
  const result = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: [key] }],
  });
  return result.resources[0]?.configEntries.find((e) => e.configName === key)?.configValue;
}

async function main(): Promise<void> {
  let local: LocalCluster | undefined;
  const named = process.env['KAFKA_BROKERS'];
  const brokers =
    named === undefined || named === ''
      ? (local = await startLocalCluster({
          log: (l) => process.stderr.write(`[kafka] ${l}\n`),
        })).bootstrap.split(',')
      : named.split(',');
  const kafka = new KafkaClient({ clientId: 'lyap-compat', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const findings: Finding[] = [];
  const check = async (label: string, run: () => Promise<string>): Promise<void> => {
    const started = Date.now();
    try {
      const detail = await run();
      findings.push({ check: label, ok: true, ms: Date.now() - started, detail });
    } catch (error) {
      findings.push({
        check: label,
        ok: false,
        ms: Date.now() - started,
        detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
    }
  };
  const plain = name('plain');
  const compacted = name('compacted');

  const apis: Negotiated[] = [];
  try {
    apis.push(...negotiate(await brokerApiVersions(brokers[0] ?? '127.0.0.1:9092')));
    await admin.connect();
    await check('admin: describeCluster', async () => {
      const c = await admin.describeCluster();
      return `${c.brokers.length} broker(s), controller ${c.controller}, cluster ${c.clusterId}`;
    });
    await check('admin: createTopics with configs (cleanup.policy=compact, retention.ms)', async () => {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          { topic: plain, numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '3600000' }] },
          {
            topic: compacted,
            numPartitions: 3,
            configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
          },
        ],
      });
      const policy = await topicConfig(admin, compacted, 'cleanup.policy');
      const retention = await topicConfig(admin, plain, 'retention.ms');
      if (policy !== 'compact' || retention !== '3600000')
        throw new Error(`read back ${policy}, ${retention}`);
      return `read back cleanup.policy=${policy}, retention.ms=${retention}`;
    });
    await check('idempotent producer (acks=all, maxInFlightRequests=1), keyed sendBatch', async () => {
      const producer = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      const result = await producer.sendBatch({
        acks: -1,
        topicMessages: [
          {
            topic: plain,
            messages: Array.from({ length: 30 }, (_, i) => ({ key: `run-${i % 3}`, value: `m${i}` })),
          },
          {
            topic: compacted,
            messages: [
              { key: 'run-1', value: 'start' },
              { key: 'run-1', value: 'end' },
            ],
          },
        ],
      });
      await producer.disconnect();
      return `${result.length} partition acks, error codes ${[...new Set(result.map((r) => r.errorCode))].join(',')}`;
    });
    await check('gzip-compressed produce, consumed back', async () => {
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      const topic = name('gzip');
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
      await producer.connect();
      await producer.send({ topic, compression: CompressionTypes.GZIP, messages: [{ value: 'zipped' }] });
      await producer.disconnect();
      const values = await consumeAll(kafka, { topic, groupId: name('gzip-g'), count: 1, commit: false });
      return `read back ${JSON.stringify(values)}`;
    });
    const groupId = name('group');
    await check('consumer group: eachBatch, manual commits (autoCommit off)', async () => {
      const values = await consumeAll(kafka, { topic: plain, groupId, count: 30, commit: true });
      const offsets = await admin.fetchOffsets({ groupId, topics: [plain] });
      const committed = offsets[0]?.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
      if (committed !== 30) throw new Error(`committed offsets add up to ${committed}, not 30`);
      return `${values.length} messages; committed offsets add up to ${committed}`;
    });
    await check('consumer group: a new member resumes from the committed offsets', async () => {
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      await producer.send({ topic: plain, acks: -1, messages: [{ key: 'run-0', value: 'after' }] });
      await producer.disconnect();
      const values = await consumeAll(kafka, { topic: plain, groupId, count: 1, commit: true });
      if (values.join() !== 'after') throw new Error(`re-read ${values.length} messages: ${values.join()}`);
      return 'only the new message was read';
    });
    await check('transactions: commit visible, abort invisible (read_committed), sendOffsets', async () => {
      const topic = name('txn');
      const txGroup = name('txn-g');
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
      const producer = kafka.producer({
        transactionalId: name('txn-id'),
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      const committed = await producer.transaction();
      await committed.send({ topic, messages: [{ key: 'k', value: 'committed' }] });
      await committed.sendOffsets({
        consumerGroupId: txGroup,
        topics: [{ topic: plain, partitions: [{ partition: 0, offset: '1' }] }],
      });
      await committed.commit();
      const aborted = await producer.transaction();
      await aborted.send({ topic, messages: [{ key: 'k', value: 'aborted' }] });
      await aborted.abort();
      const last = await producer.transaction();
      await last.send({ topic, messages: [{ key: 'k', value: 'committed-2' }] });
      await last.commit();
      await producer.disconnect();
      const values = await consumeAll(kafka, { topic, groupId: name('txn-read'), count: 2, commit: false });
      const offsets = await admin.fetchOffsets({ groupId: txGroup, topics: [plain] });
      const sent = offsets[0]?.partitions.find((p) => p.partition === 0)?.offset;
      if (values.join() !== 'committed,committed-2' || sent !== '1') {
        throw new Error(`read ${values.join()}, sendOffsets left ${sent}`);
      }
      return `read_committed saw ${values.join(', ')}; sendOffsets committed offset ${sent}`;
    });
    await check(
      'transactions: a second producer with the same transactionalId fences the first',
      async () => {
        const topic = name('fence');
        const transactionalId = name('fence-id');
        await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
        const make = (): kafkajs.Producer =>
          kafka.producer({
            transactionalId,
            idempotent: true,
            maxInFlightRequests: 1,
            retry: { retries: 2 },
          });
        const zombie = make();
        await zombie.connect();
        const tx = await zombie.transaction();
        await tx.send({ topic, messages: [{ value: 'zombie' }] });
        const fresh = make();
        await fresh.connect();
        const tx2 = await fresh.transaction();
        await tx2.send({ topic, messages: [{ value: 'fresh' }] });
        await tx2.commit();
        let fenced = 'not fenced';
        try {
          await tx.commit();
        } catch (error) {
          fenced = error instanceof Error ? error.message : String(error);
        }
        await Promise.allSettled([zombie.disconnect(), fresh.disconnect()]);
        if (fenced === 'not fenced') throw new Error('the zombie committed');
        return `the zombie's commit failed: ${fenced}`;
      },
    );
    await check('admin: deleteTopics', async () => {
      await admin.deleteTopics({ topics: [plain, compacted] });
      return 'deleted';
    });
  } finally {
    await admin.disconnect().catch(() => undefined);
    await local?.stop();
  }

  const version = local?.version ?? `(the cluster at ${brokers.join(',')})`;
  console.log(`\nkafkajs 2.2.4 against Apache Kafka ${version}\n`);
  console.log('| check | result | ms | detail |\n| --- | --- | --- | --- |');
  for (const f of findings) {
    console.log(
      `| ${f.check} | ${f.ok ? 'ok' : '**FAILED**'} | ${f.ms} | ${f.detail.replaceAll('|', '\\|')} |`,
    );
  }
  console.log('\nAPI versions: what kafkajs implements, what the broker accepts, what kafkajs sends\n');
  console.log(
    '| API (key) | kafkajs max | broker min–max | kafkajs sends | usable |\n| --- | --- | --- | --- | --- |',
  );
  for (const a of apis) {
    const range = a.broker === undefined ? 'not offered' : `${a.broker.min}–${a.broker.max}`;
    console.log(
      `| ${a.name} (${a.apiKey}) | ${a.kafkajsMax} | ${range} | ${a.used ?? '–'} | ${a.ok ? 'yes' : '**no**'} |`,
    );
  }
  const failed = findings.filter((f) => !f.ok).length;
  console.log(`\n${findings.length - failed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

await main();
