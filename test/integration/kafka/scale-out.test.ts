import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encodeEvent,
  topicForType,
  topicNames,
  type EstimateEvent,
  type LyapEvent,
} from '../../../src/events/index.js';
import { interleave, simulateQuadraticRun } from '../../../src/simulate/index.js';
import type { OutgoingMessage } from '../../../src/transport/index.js';
import { lyap } from '../../helpers/cli.js';
import { kafkaBroker, uniqueName, withKafka } from '../../helpers/kafka-broker.js';
import { groupMembers, readEventsOf, testKafkaBus } from '../../helpers/kafka-bus.js';
import { spawnLyap, type LyapProcess, stopGracefully } from '../../helpers/lyap-process.js';
import { sameEstimate } from '../../helpers/estimates.js';
import { replayLines } from '../../helpers/replay.js';
import { poll, sleep } from '../../helpers/wait.js';

const broker = await kafkaBroker();
const STEPS = 60;
const HANDOVER_STEPS = 300;

const metricsBody = async (url: string): Promise<string> => (await fetch(`${url}/metrics`)).text();

withKafka(broker, 'kafka > scale-out', (broker) => {
  describe('kafka > two trainers and two processors (one consumer group) as processes', () => {
    it('estimates every probed step of both runs once, with the numbers of lyap replay on the recorded events', async () => {
      const prefix = `${uniqueName('scale')}.`;
      const topics = topicNames(prefix);
      const bus = testKafkaBus(broker, { topics: { partitions: 4 } });
      await bus.ensureTopics(Object.values(topics));
      const group = uniqueName('procs');
      const common = ['--brokers', broker.bootstrap, '--topic-prefix', prefix];
      const processors: LyapProcess[] = [0, 1].map(() =>
        spawnLyap(['process', ...common, '--group-id', group, '--metrics-port', '0']),
      );
      const runs = [
        { id: 'scale-a', lr: 0.05 },
        { id: 'scale-b', lr: 0.3 },
      ];
      const dir = mkdtempSync(join(tmpdir(), 'lyap-scale-'));
      try {
        const urls = await Promise.all(processors.map((p) => p.waitFor(/"metricsUrl":"([^"]+)"/)));
        // Both processors in the group before any event: the partitions are split once, up front.
        await poll(async () => (await groupMembers(broker, group)) >= 2, {
          timeoutMs: 60_000,
          intervalMs: 200,
        });
        assert.equal(await groupMembers(broker, group), 2, 'both processors joined the group');
        const trainers = runs.map((r) =>
          spawnLyap([
            'train',
            ...common,
            '--dataset',
            'quadratic',
            '--spectrum',
            '3,1,-0.5',
            '--steps',
            String(STEPS),
            '--probe-every',
            '1',
            '--backend',
            'cpu',
            '--lr',
            String(r.lr),
            '--run-id',
            r.id,
          ]),
        );
        for (const t of trainers) assert.equal(await t.exited, 0, t.stderr());

        let estimates: EstimateEvent[] = [];
        const complete = (): boolean =>
          runs.every(
            (r) => new Set(estimates.filter((e) => e.runId === r.id).map((e) => e.step)).size >= STEPS,
          );
        await poll(
          async () => {
            estimates = await readEventsOf(bus, [topics.estimates], 'estimate');
            return complete();
          },
          { timeoutMs: 90_000, intervalMs: 500 },
        );
        for (const r of runs) {
          const mine = estimates.filter((e) => e.runId === r.id);
          assert.deepEqual(
            mine.map((e) => e.step).sort((a, b) => a - b),
            Array.from({ length: STEPS }, (_, i) => i),
            `${r.id}: exactly one estimate per probed step`,
          );
        }

        // Each run was processed by exactly one of the two processors.
        const seenBy = await Promise.all(
          urls.map(async (m) => (await fetch(`${m[1] ?? ''}/metrics`)).text()),
        );
        for (const r of runs) {
          const holders = seenBy.filter((body) => body.includes(`lyap_training_step{run_id="${r.id}"}`));
          assert.equal(holders.length, 1, `${r.id} is known to exactly one processor`);
        }

        // Recorded from the topics, replayed offline: the same numbers.
        for (const r of runs) {
          const file = join(dir, `${r.id}.jsonl`);
          const rec = await lyap(['record', ...common, '--run-id', r.id, '--output', file]);
          assert.equal(rec.code, 0, rec.stderr);
          assert.equal(readFileSync(file, 'utf8').trimEnd().split('\n').length, 2 + 2 * STEPS);
          const rep = await lyap(['replay', '--input', file]);
          assert.equal(rep.code, 0, rep.stderr);
          const replayed = rep.stdout
            .trimEnd()
            .split('\n')
            .map((line) => JSON.parse(line) as EstimateEvent);
          const live = new Map(estimates.filter((e) => e.runId === r.id).map((e) => [e.step, e]));
          assert.equal(replayed.length, STEPS);
          for (const e of replayed) sameEstimate(live.get(e.step), e);
        }
      } finally {
        await stopGracefully(...processors);
        await bus.close();
      }
    });
  });

  describe('kafka > a processor joins, then another leaves, while events stream', () => {
    it('hands the runs over at each rebalance: every probed step estimated, every copy equal to lyap replay', async () => {
      const prefix = `${uniqueName('handover')}.`;
      const topics = topicNames(prefix);
      const bus = testKafkaBus(broker, { topics: { partitions: 4 } });
      await bus.ensureTopics(Object.values(topics));
      const group = uniqueName('procs');
      // Lateness longer than a rebalance on a loaded machine: a half-step waiting in a snapshot is
      // not finalised alone while its partition changes hands (docs/reliability.md).
      const args = ['process', '--brokers', broker.bootstrap, '--topic-prefix', prefix, '--group-id', group];
      const spawnProcessor = (): LyapProcess =>
        spawnLyap([...args, '--lateness-ms', '30000', '--metrics-port', '0']);
      // Published faster than the processors read them on a loaded machine: each rebalance finds
      // them behind, committing and snapshotting once a second (the catching-up path).
      const RUNS = 24;
      const events = [
        ...interleave(
          Array.from({ length: RUNS }, (_, i) =>
            simulateQuadraticRun({
              runId: `handover-${i}`,
              spectrum: [3, 1, -0.5],
              lr: 0.05 + 0.03 * i,
              steps: HANDOVER_STEPS,
              probeEvery: 2,
              seed: i + 1,
            }),
          ),
          3,
        ),
      ] as LyapEvent[];
      const CHUNKS = 60;
      const chunk = Math.ceil(events.length / CHUNKS);
      const publishChunk = async (list: readonly LyapEvent[]): Promise<void> => {
        const byTopic = new Map<string, OutgoingMessage[]>();
        for (const e of list) {
          const topic = topicForType(e.type, topics);
          byTopic.set(topic, [...(byTopic.get(topic) ?? []), { key: e.runId, value: encodeEvent(e) }]);
        }
        for (const [topic, messages] of byTopic) await bus.publish(topic, messages);
      };
      const first = spawnProcessor();
      let second: LyapProcess | undefined;
      try {
        const firstUrl = (await first.waitFor(/"metricsUrl":"([^"]+)"/))[1] ?? '';
        let heldByBoth: string[] = [];
        for (let c = 0; c < CHUNKS; c++) {
          if (c === 15) second = spawnProcessor();
          if (c === 25 && second !== undefined) {
            // The second processor has joined while events kept coming; both hold runs now.
            const secondUrl = (await second.waitFor(/"metricsUrl":"([^"]+)"/))[1] ?? '';
            await poll(async () => (await groupMembers(broker, group)) >= 2, {
              timeoutMs: 60_000,
              intervalMs: 200,
            });
            await poll(
              async () => {
                heldByBoth = await Promise.all([firstUrl, secondUrl].map((u) => metricsBody(u)));
                return heldByBoth.every((body) => body.includes('lyap_training_step{run_id="handover-'));
              },
              { timeoutMs: 60_000, intervalMs: 250 },
            );
          }
          // The first processor leaves (SIGTERM: it leaves the group) mid-stream.
          if (c === 40) first.child.kill('SIGTERM');
          await publishChunk(events.slice(c * chunk, (c + 1) * chunk));
          await sleep(20);
        }
        assert.equal(await first.exited, 0, first.stderr());
        assert.equal(heldByBoth.length, 2, 'both processors held runs between the join and the leave');

        const replayed = await replayLines(events.map((e) => encodeEvent(e)));
        const expected = new Map(replayed.estimates.map((e) => [`${e.runId}/${e.step}`, e]));
        assert.equal(
          replayed.estimates.length,
          (RUNS * HANDOVER_STEPS) / 2,
          'replay: one estimate per probed step',
        );
        let estimates: EstimateEvent[] = [];
        await poll(
          async () => {
            estimates = await readEventsOf(bus, [topics.estimates], 'estimate');
            return new Set(estimates.map((e) => `${e.runId}/${e.step}`)).size >= expected.size;
          },
          { timeoutMs: 120_000, intervalMs: 500 },
        );
        // After dedup by (run, step): exactly the replay's steps, each copy with the replay's numbers.
        const copies = new Map<string, number>();
        for (const e of estimates) {
          const key = `${e.runId}/${e.step}`;
          sameEstimate(e, expected.get(key) ?? e);
          copies.set(key, (copies.get(key) ?? 0) + 1);
        }
        assert.deepEqual([...copies.keys()].sort(), [...expected.keys()].sort(), 'every probed step, once');
        // A batch is redone at most once per rebalance (two here) after the last commit.
        const most = Math.max(...copies.values());
        assert.ok(most <= 3, `a step estimated ${most} times`);
      } finally {
        first.child.kill('SIGTERM');
        second?.child.kill('SIGTERM');
        if (second !== undefined) assert.equal(await second.exited, 0, second.stderr());
        await bus.close();
      }
    });
  });
});
