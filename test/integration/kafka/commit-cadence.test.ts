import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  encodeEvent,
  topicForType,
  topicNames,
  type LyapEvent,
  type TopicNames,
} from '../../../src/events/index.js';
import { startProcessor, type ProcessorHandle } from '../../../src/processor/index.js';
import { simulateQuadraticRun } from '../../../src/simulate/index.js';
import type { KafkaBus } from '../../../src/transport/kafka/index.js';
import { sameEstimate } from '../../helpers/estimates.js';
import { kafkaBroker, uniqueName, withKafka } from '../../helpers/kafka-broker.js';
import { groupProgress, readEventsOf, testKafkaBus } from '../../helpers/kafka-bus.js';
import { replayLines } from '../../helpers/replay.js';
import { sleep, until } from '../../helpers/wait.js';

const broker = await kafkaBroker();
const STEPS = 40;

withKafka(broker, 'kafka > processor commit cadence', (broker) => {
  describe('kafka > the processor commits a quiet input on its timer', () => {
    it('commits snapshots and offsets within the interval with no delivery after the last one; the next owner re-reads nothing and continues exactly', async () => {
      const prefix = `${uniqueName('cadence')}.`;
      const topics: TopicNames = topicNames(prefix);
      const groupId = uniqueName('procs');
      const inputs = [topics.runs, topics.gradients, topics.trajectory];
      const admin = testKafkaBus(broker);
      await admin.ensureTopics(Object.values(topics));
      const events: LyapEvent[] = [
        ...simulateQuadraticRun({ runId: 'quiet', spectrum: [3, 1, -0.5], lr: 0.3, steps: STEPS }),
      ];
      const publish = async (list: readonly LyapEvent[]): Promise<void> => {
        // One publish per event: a live trainer's pace, one or two events per delivery.
        for (const e of list)
          await admin.publish(topicForType(e.type, topics), [{ key: e.runId, value: encodeEvent(e) }]);
      };
      const processor = (bus: KafkaBus): ProcessorHandle =>
        startProcessor({
          bus,
          fromBeginning: true,
          // Long enough that a delivery-driven commit cannot cover the last deliveries.
          commitIntervalMs: 3_000,
          config: { topicPrefix: prefix, groupId, latenessSteps: 0 },
        });
      const half = events.findIndex((e) => e.type === 'gradient' && e.step === STEPS / 2);
      const firstBus = testKafkaBus(broker);
      const secondBus = testKafkaBus(broker);
      const first = processor(firstBus);
      let second: ProcessorHandle | undefined;
      try {
        await publish(events.slice(0, half));
        await until(
          async () => (await readEventsOf(admin, [topics.estimates], 'estimate')).length >= STEPS / 2 - 1,
          'the first half estimated',
          { intervalMs: 200 },
        );
        // The input is quiet now: only the commit timer can commit the last deliveries.
        await until(
          async () => {
            const progress = await Promise.all(inputs.map((t) => groupProgress(broker, groupId, t)));
            return progress.every((p) => p.committed === p.end);
          },
          'the quiet input committed to its end',
          { intervalMs: 250 },
        );
        first.stop();
        await firstBus.close();

        second = processor(secondBus);
        await publish(events.slice(half));
        const replayed = await replayLines(events.map((e) => encodeEvent(e)));
        const expected = new Map(replayed.estimates.map((e) => [e.step, e]));
        await until(
          async () =>
            new Set((await readEventsOf(admin, [topics.estimates], 'estimate')).map((e) => e.step)).size >=
            expected.size,
          'every probed step estimated',
          { intervalMs: 250 },
        );
        await sleep(1_000);
        const secondHalf = events.slice(half);
        const count = (type: LyapEvent['type']): number => secondHalf.filter((e) => e.type === type).length;
        assert.deepEqual(
          [second.acked(topics.gradients), second.acked(topics.trajectory)],
          [count('gradient'), count('trajectory')],
          'the second processor read only what came after the commit',
        );
        const estimates = await readEventsOf(admin, [topics.estimates], 'estimate');
        assert.equal(estimates.length, expected.size, 'each probed step once: nothing was redone');
        for (const e of estimates) sameEstimate(e, expected.get(e.step) ?? e);
      } finally {
        first.stop();
        second?.stop();
        await Promise.all([firstBus.close(), secondBus.close(), admin.close()]);
      }
    });
  });
});
