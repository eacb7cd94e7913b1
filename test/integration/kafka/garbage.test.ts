import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEvent, topicForType, topicNames, type EstimateEvent } from '../../../src/events/index.js';
import type { DeadLetterEvent } from '../../../src/events/index.js';
import { simulateQuadraticRun } from '../../../src/simulate/index.js';
import type { OutgoingMessage } from '../../../src/transport/index.js';
import { sameEstimate } from '../../helpers/estimates.js';
import { kafkaBroker, uniqueName, withKafka } from '../../helpers/kafka-broker.js';
import { readEvents, testKafkaBus } from '../../helpers/kafka-bus.js';
import { spawnLyap, stopGracefully } from '../../helpers/lyap-process.js';
import { replayLines } from '../../helpers/replay.js';
import { poll } from '../../helpers/wait.js';

const broker = await kafkaBroker();
const GARBAGE = 10_000;
const STEPS = 40;

/** Five kinds of bad payload, some keyed with the live run's id, none of them blank. */
function garbage(i: number, runId: string): OutgoingMessage {
  switch (i % 5) {
    case 0:
      return { key: `junk-${i % 7}`, value: `not json {${i}` };
    case 1:
      return { key: runId, value: JSON.stringify({ v: 2, type: 'gradient', runId, ts: 1, step: i }) };
    case 2:
      return {
        key: runId,
        value: JSON.stringify({
          v: 1,
          type: 'gradient',
          runId,
          ts: 1,
          step: -1,
          lr: 0.1,
          loss: 1,
          gradNorm: 1,
          batchSize: 1,
        }),
      };
    case 3:
      return { value: String(i) };
    default:
      return {
        key: `junk-${i % 7}`,
        value: JSON.stringify({ v: 1, type: 'no-such-type', runId: 'x', ts: 1 }),
      };
  }
}

withKafka(broker, 'kafka > garbage producer', (broker) => {
  describe('kafka > a garbage producer next to a live run (lyap process)', () => {
    it(`dead-letters all ${GARBAGE} bad messages with their reason, counts them, and leaves the run's estimates as replay has them`, async () => {
      const prefix = `${uniqueName('junk')}.`;
      const topics = topicNames(prefix);
      const bus = testKafkaBus(broker);
      await bus.ensureTopics(Object.values(topics));
      const processor = spawnLyap([
        'process',
        '--brokers',
        broker.bootstrap,
        '--topic-prefix',
        prefix,
        '--group-id',
        uniqueName('g'),
        '--metrics-port',
        '0',
      ]);
      try {
        const url = (await processor.waitFor(/"metricsUrl":"([^"]+)"/))[1] ?? '';
        const runId = 'live-run';
        const events = [...simulateQuadraticRun({ runId, spectrum: [3, 1, -0.5], lr: 0.05, steps: STEPS })];
        const perStep = GARBAGE / STEPS;
        let sent = 0;
        for (const e of events) {
          const topic = topicForType(e.type, topics);
          await bus.publish(topic, [{ key: e.runId, value: encodeEvent(e) }]);
          if (e.type === 'gradient') {
            // The garbage goes in concurrently with the run, into the same topic.
            const batch = Array.from({ length: perStep }, (_, j) => garbage(sent + j, runId));
            sent += batch.length;
            await bus.publish(topics.gradients, batch);
          }
        }
        assert.equal(sent, GARBAGE);

        let deadLetters: DeadLetterEvent[] = [];
        let estimates: EstimateEvent[] = [];
        await poll(
          async () => {
            const decoded = await readEvents(bus, [topics.dlq, topics.estimates]);
            deadLetters = decoded.filter((e): e is DeadLetterEvent => e.type === 'dead-letter');
            estimates = decoded.filter((e): e is EstimateEvent => e.type === 'estimate');
            return deadLetters.length >= GARBAGE && estimates.length >= STEPS;
          },
          { timeoutMs: 120_000, intervalMs: 500 },
        );
        assert.equal(deadLetters.length, GARBAGE, 'every bad message is in the dead-letter topic');
        assert.ok(deadLetters.every((d) => d.error.length > 0 && d.sourceTopic === topics.gradients));
        const reasons = new Set(deadLetters.map((d) => d.error.split(':')[0]));
        assert.ok(reasons.size >= 3, `the reasons say what was wrong: ${[...reasons].join(', ')}`);

        const body = await (await fetch(`${url}/metrics`)).text();
        const invalid = [...body.matchAll(/^lyap_events_invalid_total\{[^}]*\} (\d+)$/gm)].reduce(
          (sum, m) => sum + Number(m[1]),
          0,
        );
        assert.equal(invalid, GARBAGE, 'lyap_events_invalid_total counts every bad message');

        const clean = await replayLines(events.map((e) => encodeEvent(e)));
        assert.equal(estimates.length, clean.estimates.length);
        const live = new Map(estimates.map((e) => [e.step, e]));
        for (const e of clean.estimates) sameEstimate(live.get(e.step), e);
      } finally {
        await stopGracefully(processor);
        await bus.close();
      }
    });
  });
});
