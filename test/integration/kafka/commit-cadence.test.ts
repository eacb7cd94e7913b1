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
import { kafkaBroker, uniqueName, withKafka, type TestBroker } from '../../helpers/kafka-broker.js';
import { groupProgress, readEventsOf, testKafkaBus } from '../../helpers/kafka-bus.js';
import { replayLines } from '../../helpers/replay.js';
import { sleep, until } from '../../helpers/wait.js';

const broker = await kafkaBroker();
const STEPS = 40;

/**
 * One run's first half published event by event (a live trainer's pace, one or two events per
 * delivery) to a first processor of a group, on fresh topics; `handOver` then starts a second
 * processor in the group, publishes the second half and checks that it reads only that half and
 * that every probed step is estimated once, equal to the replay's.
 */
async function scenario(broker: TestBroker, name: string, commitIntervalMs: number) {
  const prefix = `${uniqueName(name)}.`;
  const topics: TopicNames = topicNames(prefix);
  const groupId = uniqueName('procs');
  const admin = testKafkaBus(broker);
  await admin.ensureTopics(Object.values(topics));
  const events: LyapEvent[] = [
    ...simulateQuadraticRun({ runId: name, spectrum: [3, 1, -0.5], lr: 0.3, steps: STEPS }),
  ];
  const publish = async (list: readonly LyapEvent[]): Promise<void> => {
    for (const e of list)
      await admin.publish(topicForType(e.type, topics), [{ key: e.runId, value: encodeEvent(e) }]);
  };
  const processor = (bus: KafkaBus): ProcessorHandle =>
    startProcessor({
      bus,
      fromBeginning: true,
      commitIntervalMs,
      config: { topicPrefix: prefix, groupId, latenessSteps: 0 },
    });
  const half = events.findIndex((e) => e.type === 'gradient' && e.step === STEPS / 2);
  const firstBus = testKafkaBus(broker);
  const secondBus = testKafkaBus(broker);
  const first = processor(firstBus);
  let second: ProcessorHandle | undefined;
  const close = async (): Promise<void> => {
    first.stop();
    second?.stop();
    await Promise.all([firstBus.close(), secondBus.close(), admin.close()]);
  };
  try {
    await publish(events.slice(0, half));
    await until(
      async () => (await readEventsOf(admin, [topics.estimates], 'estimate')).length >= STEPS / 2 - 1,
      'the first half estimated',
      { intervalMs: 200 },
    );
  } catch (error) {
    await close();
    throw error;
  }
  return {
    topics,
    first,
    firstBus,
    half,
    /** Offsets committed and end offsets of the three input topics. */
    progress: () =>
      Promise.all(
        [topics.runs, topics.gradients, topics.trajectory].map((t) => groupProgress(broker, groupId, t)),
      ),
    handOver: async (): Promise<void> => {
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
        'the second processor read only what came after the first stopped',
      );
      const estimates = await readEventsOf(admin, [topics.estimates], 'estimate');
      assert.equal(estimates.length, expected.size, 'each probed step once: nothing was redone');
      for (const e of estimates) sameEstimate(e, expected.get(e.step) ?? e);
    },
    close,
  };
}

withKafka(broker, 'kafka > processor commit cadence', (broker) => {
  describe('kafka > the processor commits a quiet input on its timer', () => {
    it('commits snapshots and offsets within the interval with no delivery after the last one; the next owner re-reads nothing and continues exactly', async () => {
      // Long enough that a delivery-driven commit cannot cover the last deliveries.
      const s = await scenario(broker, 'cadence', 3_000);
      try {
        // The input is quiet now: only the commit timer can commit the last deliveries.
        await until(
          async () => (await s.progress()).every((p) => p.committed === p.end),
          'the quiet input committed to its end',
          { intervalMs: 250 },
        );
        s.first.stop();
        await s.firstBus.close();
        await s.handOver();
      } finally {
        await s.close();
      }
    });

    it('a graceful stop (finish) writes the last snapshots and commits every acked offset before the commit interval runs out; the next owner re-reads nothing and continues exactly', async () => {
      // Far longer than the test: only the first delivery's ack commits, and the timer never
      // fires; without the graceful stop the second processor would redo the first half.
      const s = await scenario(broker, 'finish', 600_000);
      try {
        await until(
          () => s.first.acked(s.topics.gradients) + s.first.acked(s.topics.trajectory) >= s.half - 1,
          'the first half acknowledged',
          { intervalMs: 100 },
        );
        const before = await s.progress();
        assert.ok(
          before.some((p) => p.committed < p.end),
          `acked offsets wait for the commit interval (${JSON.stringify(before)})`,
        );
        await s.first.finish();
        s.first.stop();
        await s.firstBus.close();
        const after = await s.progress();
        assert.ok(
          after.every((p) => p.committed === p.end),
          `every input committed to its end by the graceful stop (${JSON.stringify(after)})`,
        );
        await s.handOver();
      } finally {
        await s.close();
      }
    });
  });
});
