import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { localKafkaCluster, uniqueName } from '../../helpers/kafka-broker.js';
import { testKafkaBus } from '../../helpers/kafka-bus.js';

const PATIENCE_MS = 120_000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + PATIENCE_MS;
  while (!(await condition())) {
    assert.ok(Date.now() < deadline, `gave up after ${PATIENCE_MS} ms waiting for ${what}`);
    await sleep(200);
  }
}

// Brokers notice a dead peer after broker.session.timeout.ms (9 s by default); 4 s keeps the test short.
const cluster = await localKafkaCluster({
  nodes: 3,
  heapMb: 384,
  extraProperties: { 'broker.session.timeout.ms': 4000, 'broker.heartbeat.interval.ms': 1000 },
});

describe(
  'scripts > kafka > local 3-node KRaft cluster',
  { skip: cluster === undefined && 'no local Kafka: see above' },
  () => {
    it('keeps acks=all publishing going with one node of three killed, loses nothing, and takes the node back', async () => {
      assert.ok(cluster !== undefined);
      assert.equal(cluster.nodes.length, 3);
      const broker = {
        source: 'local-script' as const,
        brokers: cluster.bootstrap.split(','),
        bootstrap: cluster.bootstrap,
      };
      const bus = testKafkaBus(broker, {
        topics: { partitions: 3, replicationFactor: 3, minInsyncReplicas: 2 },
      });
      const admin = new kafkajs.Kafka({
        brokers: [...broker.brokers],
        logLevel: kafkajs.logLevel.NOTHING,
      }).admin();
      const topic = uniqueName('it-fault');
      const batch = (from: number): { key: string; value: string }[] =>
        Array.from({ length: 50 }, (_, i) => ({ key: `run-${(from + i) % 5}`, value: String(from + i) }));
      try {
        await bus.publish(topic, batch(0));
        const exit = await cluster.kill(2);
        assert.equal(exit?.signal, 'SIGKILL');
        await bus.publish(topic, batch(50)); // two in-sync replicas remain: min.insync.replicas=2 is met
        await cluster.restart(2);
        await bus.publish(topic, batch(100));

        await admin.connect();
        await until(async () => {
          const meta = await admin.fetchTopicMetadata({ topics: [topic] });
          return meta.topics[0]!.partitions.every((p) => p.isr.length === 3);
        }, 'node 2 back in every ISR');

        const seen = new Set<string>();
        const sub = bus.consume([topic], { groupId: uniqueName('g'), fromBeginning: true }).subscribe((d) => {
          for (const m of d.messages) seen.add(Buffer.from(m.value).toString('utf8'));
          d.ack();
        });
        await until(() => seen.size === 150, `150 messages (have ${seen.size})`);
        sub.unsubscribe();
        assert.deepEqual(
          [...seen].map(Number).sort((a, b) => a - b),
          Array.from({ length: 150 }, (_, i) => i),
        );
      } finally {
        await admin.disconnect();
        await bus.close();
      }
    });
  },
);
