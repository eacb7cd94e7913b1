import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  encodeEvent,
  topicForType,
  topicNames,
  type EstimateEvent,
  type LyapEvent,
} from '../../../src/events/index.js';
import { simulateQuadraticRun } from '../../../src/simulate/index.js';
import { sameEstimate } from '../../helpers/estimates.js';
import { kafkaBroker, uniqueName, withKafka } from '../../helpers/kafka-broker.js';
import { groupProgress, readEventsOf, testKafkaBus } from '../../helpers/kafka-bus.js';
import { spawnLyap } from '../../helpers/lyap-process.js';
import { replayLines } from '../../helpers/replay.js';
import { poll } from '../../helpers/wait.js';

const broker = await kafkaBroker();
const STEPS = 80;

withKafka(broker, 'kafka > processor restart', (broker) => {
  describe('kafka > a processor killed with SIGKILL mid-run and restarted', () => {
    it('misses no probed step, and every estimate (before, after, and re-done) equals the replay', async () => {
      const prefix = `${uniqueName('kill')}.`;
      const topics = topicNames(prefix);
      const bus = testKafkaBus(broker);
      await bus.ensureTopics(Object.values(topics));
      const group = uniqueName('procs');
      const args = ['process', '--brokers', broker.bootstrap, '--topic-prefix', prefix, '--group-id', group];
      const events: LyapEvent[] = [
        ...simulateQuadraticRun({ runId: 'killed', spectrum: [3, 1, -0.5], lr: 0.3, steps: STEPS }),
      ];
      const publish = async (list: readonly LyapEvent[]): Promise<void> => {
        for (const e of list) {
          const topic = topicForType(e.type, topics);
          await bus.publish(topic, [{ key: e.runId, value: encodeEvent(e) }]);
        }
      };
      const half = events.findIndex((e) => e.type === 'gradient' && e.step === STEPS / 2);
      const first = spawnLyap(args);
      let second: ReturnType<typeof spawnLyap> | undefined;
      try {
        await first.waitFor(/"msg":"started"/);
        await publish(events.slice(0, half));
        // Killed once it has estimated part of the first half and committed it (snapshots and
        // offsets go together at most once per commit interval, 1 s): mid-run, window half full.
        let before: EstimateEvent[] = [];
        await poll(
          async () => {
            before = await readEventsOf(bus, [topics.estimates], 'estimate');
            return (
              before.length >= 25 && (await groupProgress(broker, group, topics.gradients)).committed >= 25
            );
          },
          { timeoutMs: 60_000, intervalMs: 200 },
        );
        assert.ok(
          before.length >= 25,
          `the first processor estimated ${before.length} steps: ${first.stderr()}`,
        );
        first.child.kill('SIGKILL');
        assert.equal(await first.exited, null, 'killed by the signal');
        await publish(events.slice(half));

        second = spawnLyap(args);
        let estimates: EstimateEvent[] = [];
        await poll(
          async () => {
            estimates = await readEventsOf(bus, [topics.estimates], 'estimate');
            return new Set(estimates.map((e) => e.step)).size >= STEPS;
          },
          { timeoutMs: 120_000, intervalMs: 500 },
        );
        const steps = new Set(estimates.map((e) => e.step));
        assert.deepEqual(
          [...steps].sort((a, b) => a - b),
          Array.from({ length: STEPS }, (_, i) => i),
          'every probed step has an estimate',
        );
        assert.match(second.stderr(), /"msg":"started"/);
        const replayed = await replayLines(events.map((e) => encodeEvent(e)));
        assert.equal(replayed.estimates.length, STEPS);
        const expected = new Map(replayed.estimates.map((e) => [e.step, e]));
        // Duplicates (a batch redone after the kill) are allowed; each copy must carry the replay's numbers.
        for (const e of estimates) sameEstimate(e, expected.get(e.step) ?? e);
        assert.ok(estimates.length - STEPS < STEPS / 2, `${estimates.length - STEPS} duplicates`);
      } finally {
        first.child.kill('SIGKILL');
        second?.child.kill('SIGTERM');
        if (second !== undefined) assert.equal(await second.exited, 0, second.stderr());
        await bus.close();
      }
    });
  });
});
