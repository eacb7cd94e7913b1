import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { topicNames } from '../../../src/events/index.js';
import { clusterBroker, localKafkaCluster, uniqueName, withKafka } from '../../helpers/kafka-broker.js';
import { readEventsOf, testAdmin, testKafkaBus } from '../../helpers/kafka-bus.js';
import { spawnLyap } from '../../helpers/lyap-process.js';
import { sleep, until, type PollOptions } from '../../helpers/wait.js';

const patience: PollOptions = { timeoutMs: 120_000, intervalMs: 200 };

// Brokers notice a dead peer after broker.session.timeout.ms (9 s by default); 4 s keeps the test short.
const cluster = await localKafkaCluster({
  nodes: 3,
  heapMb: 384,
  extraProperties: { 'broker.session.timeout.ms': 4000, 'broker.heartbeat.interval.ms': 1000 },
});

withKafka(cluster, 'scripts > kafka > local 3-node KRaft cluster', (cluster) => {
  const broker = clusterBroker(cluster);
  describe('scripts > kafka > local 3-node KRaft cluster', () => {
    it('keeps acks=all publishing going with one node of three killed, loses nothing, and takes the node back', async () => {
      assert.equal(cluster.nodes.length, 3);
      const bus = testKafkaBus(broker, {
        topics: { partitions: 3, replicationFactor: 3, minInsyncReplicas: 2 },
      });
      const admin = testAdmin(broker);
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
        await until(
          async () => {
            const meta = await admin.fetchTopicMetadata({ topics: [topic] });
            return meta.topics[0]!.partitions.every((p) => p.isr.length === 3);
          },
          'node 2 back in every ISR',
          patience,
        );

        const seen = new Set<string>();
        const sub = bus.consume([topic], { groupId: uniqueName('g'), fromBeginning: true }).subscribe((d) => {
          for (const m of d.messages) seen.add(Buffer.from(m.value).toString('utf8'));
          d.ack();
        });
        await until(
          () => seen.size === 150,
          () => `150 messages (have ${seen.size})`,
          patience,
        );
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

    it('a live trainer keeps training through a broker kill and restart, and every step reaches lyap.gradients', async () => {
      // Long enough (about 30 s here) to span the outage and the restart.
      const STEPS = 15_000;
      const prefix = `${uniqueName('fault')}.`;
      const topics = topicNames(prefix);
      const bus = testKafkaBus(broker, {
        topics: { partitions: 3, replicationFactor: 3, minInsyncReplicas: 2 },
      });
      const admin = testAdmin(broker);
      await bus.ensureTopics(Object.values(topics));
      const trainer = spawnLyap([
        'train',
        '--brokers',
        broker.bootstrap,
        '--topic-prefix',
        prefix,
        '--dataset',
        'least-squares',
        '--model',
        'linear',
        '--steps',
        String(STEPS),
        '--probe-every',
        '1',
        '--backend',
        'cpu',
        '--run-id',
        'fault-run',
        // Room for every event of the outage: the rate (about 1,000 events/s here) times its length.
        '--buffer-events',
        '100000',
      ]);
      try {
        await admin.connect();
        // Offsets of new topics can answer "not the leader" for a moment: count that as nothing yet.
        const produced = async (): Promise<number> =>
          (await admin.fetchTopicOffsets(topics.gradients).catch(() => [])).reduce(
            (n, p) => n + Number(p.high),
            0,
          );
        await until(async () => (await produced()) >= 300, 'the run to be under way', patience);
        const killedAt = Date.now();
        await cluster.kill(1);
        // Long enough for the cluster to notice (broker.session.timeout.ms 4 s) and move leaders.
        await sleep(6_000);
        const restartingAt = Date.now();
        await cluster.restart(1);
        assert.equal(await trainer.exited, 0, trainer.stderr());
        const end = /"eventsDropped":(\d+)/.exec(trainer.stderr());
        assert.equal(end?.[1], '0', `no event dropped by the trainer's buffer: ${trainer.stderr()}`);

        const steps = new Set<number>();
        let duringOutage = 0;
        for (const gradient of await readEventsOf(bus, [topics.gradients], 'gradient')) {
          steps.add(gradient.step);
          if (gradient.ts >= killedAt && gradient.ts < restartingAt) duringOutage++;
        }
        assert.equal(steps.size, STEPS, 'every step 0..N-1 is on lyap.gradients');
        assert.equal(Math.max(...steps), STEPS - 1);
        assert.ok(duringOutage > 0, 'the trainer kept training while a broker was down');
      } finally {
        trainer.child.kill('SIGKILL');
        await admin.disconnect();
        await bus.close();
      }
    });
  });
});
