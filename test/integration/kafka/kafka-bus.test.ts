import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { topicNames } from '../../../src/events/index.js';
import type { Delivery } from '../../../src/transport/index.js';
import { brokerApiVersions, negotiate } from '../../../scripts/kafka/api-versions.js';
import { busContract } from '../../helpers/bus-contract.js';
import { kafkaBroker, uniqueName, withKafka } from '../../helpers/kafka-broker.js';
import { testAdmin, testKafkaBus } from '../../helpers/kafka-bus.js';
import { PATIENCE_MS, sleep, until } from '../../helpers/wait.js';

const broker = await kafkaBroker();

const text = (d: Delivery): string[] => d.messages.map((m) => Buffer.from(m.value).toString('utf8'));

withKafka(broker, 'transport > KafkaBus', (broker) => {
  busContract('KafkaBus', () => testKafkaBus(broker), {
    patienceMs: PATIENCE_MS,
    quietMs: 1500,
    uniqueName,
  });

  describe('transport > KafkaBus', () => {
    it('speaks a version of every API kafkajs implements that the broker accepts', async () => {
      const apis = negotiate(await brokerApiVersions(broker.brokers[0]!));
      const unusable = apis
        .filter((a) => !a.ok)
        .map(
          (a) =>
            `${a.name} (kafkajs ≤ ${a.kafkajsMax}, broker ${a.broker?.min ?? '–'}–${a.broker?.max ?? '–'})`,
        );
      assert.deepEqual(unusable, [], 'APIs whose versions kafkajs cannot send to this broker');
      assert.ok(apis.length > 20);
    });

    it('creates the docs/design.md topics with the configured partitions, the runs topic compacted', async () => {
      const prefix = `${uniqueName('it')}.`;
      const bus = testKafkaBus(broker, {
        topics: { topicPrefix: prefix, partitions: 4, retentionMs: 3_600_000 },
      });
      const client = testAdmin(broker);
      try {
        const first = await bus.ensureTopics();
        const names = topicNames(prefix);
        assert.deepEqual([...first.created].sort(), Object.values(names).sort());
        const again = await bus.ensureTopics();
        assert.deepEqual(again.created, [], 'a second call creates nothing');
        await client.connect();
        const meta = await client.fetchTopicMetadata({ topics: [names.runs, names.gradients] });
        for (const t of meta.topics) assert.equal(t.partitions.length, 4, `${t.name} partitions`);
        const configs = await client.describeConfigs({
          includeSynonyms: false,
          resources: [names.runs, names.gradients].map((name) => ({
            type: kafkajs.ConfigResourceTypes.TOPIC,
            name,
            configNames: ['cleanup.policy', 'retention.ms'],
          })),
        });
        const value = (topic: string, key: string): string | undefined =>
          configs.resources
            .find((r) => r.resourceName === topic)
            ?.configEntries.find((e) => e.configName === key)?.configValue;
        assert.equal(value(names.runs, 'cleanup.policy'), 'compact');
        assert.equal(value(names.gradients, 'cleanup.policy'), 'delete');
        assert.equal(value(names.gradients, 'retention.ms'), '3600000');
      } finally {
        await client.disconnect();
        await bus.close();
      }
    });

    it('defers a commit with ack({ commit: false }) until the next plain ack, across partitions', async () => {
      const topic = uniqueName('it-defer');
      const group = uniqueName('g');
      const bus = testKafkaBus(broker);
      const read = async (commitLast: boolean): Promise<string[]> => {
        const seen: string[] = [];
        const reader = testKafkaBus(broker);
        const sub = reader.consume([topic], { groupId: group, fromBeginning: true }).subscribe((d) => {
          seen.push(...text(d));
          d.ack(seen.length >= 8 && commitLast ? undefined : { commit: false });
        });
        await until(() => seen.length >= 8, '8 messages');
        await sleep(500);
        sub.unsubscribe();
        await reader.close();
        return seen;
      };
      try {
        // Eight keys over three partitions: several deliveries, several partitions.
        await bus.publish(
          topic,
          Array.from({ length: 8 }, (_, i) => ({ key: `run-${i}`, value: String(i) })),
        );
        const first = await read(false);
        assert.equal(first.length, 8);
        const again = await read(true);
        assert.deepEqual(again.sort(), first.sort(), 'nothing was committed: all read again');
        const seen: string[] = [];
        const last = bus.consume([topic], { groupId: group, fromBeginning: true }).subscribe((d) => {
          seen.push(...text(d));
          d.ack();
        });
        await sleep(3_000);
        last.unsubscribe();
        assert.deepEqual(seen, [], 'the plain ack committed every partition read before it');
      } finally {
        await bus.close();
      }
    });

    it('keeps every message of one key (run id) on one partition', async () => {
      const bus = testKafkaBus(broker);
      const topic = uniqueName('it-keys');
      try {
        for (const runId of ['run-1', 'run-2', 'run-3', 'run-4']) {
          await bus.publish(
            topic,
            Array.from({ length: 5 }, (_, i) => ({ key: runId, value: `${runId}:${i}` })),
          );
        }
        const partitions = new Map<string, Set<number>>();
        let count = 0;
        const sub = bus.consume([topic], { groupId: uniqueName('g'), fromBeginning: true }).subscribe((d) => {
          for (const m of d.messages) {
            const set = partitions.get(m.key ?? '') ?? new Set<number>();
            set.add(m.partition);
            partitions.set(m.key ?? '', set);
            count++;
          }
          d.ack();
        });
        await until(() => count === 20, '20 messages');
        sub.unsubscribe();
        for (const [key, set] of partitions) assert.equal(set.size, 1, `${key} on one partition`);
      } finally {
        await bus.close();
      }
    });

    it('keeps its consumer in the group while a delivery waits longer than the session timeout', async () => {
      const bus = testKafkaBus(broker, {
        consumer: { heartbeatIntervalMs: 500, sessionTimeoutMs: 6000, maxWaitTimeMs: 250 },
      });
      const topic = uniqueName('it-slow');
      try {
        await bus.publish(
          topic,
          Array.from({ length: 4 }, (_, i) => ({ key: 'k', value: `m${i}` })),
        );
        const deliveries: Delivery[] = [];
        const sub = bus
          .consume([topic], { groupId: uniqueName('g'), fromBeginning: true, maxBatchSize: 2 })
          .subscribe((d) => deliveries.push(d));
        await until(() => deliveries.length === 1, 'the first delivery');
        await sleep(8000); // a slow processor: longer than the 6 s session timeout
        deliveries[0]!.ack();
        await until(() => deliveries.length === 2, 'the second delivery');
        deliveries[1]!.ack();
        await sleep(1000);
        sub.unsubscribe();
        assert.deepEqual(
          deliveries.flatMap(text),
          ['m0', 'm1', 'm2', 'm3'],
          'no rebalance redelivered m0, m1',
        );
      } finally {
        await bus.close();
      }
    });

    it('commits a delivery acked while the bus is closing, and not the ones after it', async () => {
      const topic = uniqueName('it-close');
      const groupId = uniqueName('g');
      const first = testKafkaBus(broker);
      await first.publish(
        topic,
        Array.from({ length: 6 }, (_, i) => ({ key: 'k', value: `m${i}` })),
      );
      const deliveries: Delivery[] = [];
      let completed = false;
      first.consume([topic], { groupId, fromBeginning: true, maxBatchSize: 2 }).subscribe({
        next: (d) => deliveries.push(d),
        complete: () => (completed = true),
      });
      await until(() => deliveries.length === 1, 'the first delivery');
      const closed = first.close();
      await sleep(200);
      deliveries[0]!.ack(); // within closeGraceMs
      await closed;
      assert.ok(completed, 'the consumer completed');
      assert.equal(deliveries.length, 1, 'nothing was delivered after close began');

      const second = testKafkaBus(broker);
      try {
        const rest: Delivery[] = [];
        const sub = second.consume([topic], { groupId, fromBeginning: true }).subscribe((d) => {
          rest.push(d);
          d.ack();
        });
        await until(() => rest.flatMap(text).length === 4, 'the four unacked messages');
        sub.unsubscribe();
        assert.deepEqual(rest.flatMap(text), ['m2', 'm3', 'm4', 'm5']);
      } finally {
        await second.close();
      }
    });

    it('reads what topics hold up to their end offsets at the call, and stops there', async () => {
      const bus = testKafkaBus(broker);
      const [t1, t2, empty] = [uniqueName('it-rte'), uniqueName('it-rte'), uniqueName('it-rte')];
      try {
        await bus.ensureTopics([empty]);
        await bus.publish(
          t1,
          Array.from({ length: 30 }, (_, i) => ({ key: `run-${i % 4}`, value: `a${i}` })),
        );
        await bus.publish(t2, [{ key: 'run-0', value: 'b0' }]);
        const read: string[] = [];
        let completed = false;
        bus.readToEnd([t1, t2, empty]).subscribe({
          next: (batch) => {
            for (const m of batch) read.push(Buffer.from(m.value).toString('utf8'));
          },
          complete: () => (completed = true),
        });
        await until(() => read.length > 0, 'the first batch'); // the end offsets are fixed by now
        await bus.publish(t1, [{ key: 'run-0', value: 'later' }]);
        await until(() => completed, 'the read to complete');
        assert.equal(read.length, 31);
        assert.ok(!read.includes('later'), 'a record written after the end offsets were taken');
        assert.deepEqual(
          read.filter((v) => v.startsWith('a')).sort(),
          Array.from({ length: 30 }, (_, i) => `a${i}`).sort(),
        );
        assert.ok(read.includes('b0'));
      } finally {
        await bus.close();
      }
    });

    it('hands binary values through unchanged and tombstones as empty values', async () => {
      const bus = testKafkaBus(broker);
      const topic = uniqueName('it-bytes');
      try {
        const bytes = new Uint8Array([0, 255, 1, 254, 0xc3, 0x28]);
        await bus.publish(topic, [
          { key: 'k', value: bytes },
          { key: 'k', value: 'text' },
        ]);
        const seen: Delivery[] = [];
        const sub = bus.consume([topic], { groupId: uniqueName('g'), fromBeginning: true }).subscribe((d) => {
          seen.push(d);
          d.ack();
        });
        await until(() => seen.flatMap((d) => d.messages).length === 2, 'two messages');
        sub.unsubscribe();
        const [a, b] = seen.flatMap((d) => d.messages);
        assert.deepEqual(new Uint8Array(a!.value as Uint8Array), bytes);
        assert.equal(Buffer.from(b!.value).toString('utf8'), 'text');
        assert.ok(a!.timestampMs > 0 && Number.isFinite(a!.timestampMs));
      } finally {
        await bus.close();
      }
    });
  });
});
