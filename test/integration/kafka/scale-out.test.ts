import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { topicNames, type EstimateEvent } from '../../../src/events/index.js';
import { lyap } from '../../helpers/cli.js';
import { kafkaBroker, uniqueName, withKafka } from '../../helpers/kafka-broker.js';
import { groupMembers, readEventsOf, testKafkaBus } from '../../helpers/kafka-bus.js';
import { spawnLyap, type LyapProcess } from '../../helpers/lyap-process.js';
import { sameEstimate } from '../../helpers/estimates.js';
import { poll } from '../../helpers/wait.js';

const broker = await kafkaBroker();
const STEPS = 60;

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
        for (const p of processors) p.child.kill('SIGTERM');
        for (const p of processors) assert.equal(await p.exited, 0, p.stderr());
        await bus.close();
      }
    });
  });
});
