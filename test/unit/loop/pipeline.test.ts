import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEvent, topicForType, type EstimateEvent } from '../../../src/events/index.js';
import { startPipeline, type Pipeline } from '../../../src/loop/index.js';
import { interleave, simulateQuadraticRun } from '../../../src/simulate/index.js';
import { startStage } from '../../../src/stage/index.js';
import { MemoryBus, type Bus } from '../../../src/transport/index.js';

const STEPS = 60;
const RUNS = [
  { runId: 'calm', lr: 0.1 },
  { runId: 'wild', lr: 0.9 },
];

/** A MemoryBus that, like Kafka, has no end to a topic: the drain must count what was read. */
function endlessBus(inner: MemoryBus): Bus {
  return {
    publish: (topic, messages) => inner.publish(topic, messages),
    consume: (topics, options) => inner.consume(topics, options),
    close: () => inner.close(),
  };
}

function startWithSink(bus: Bus): { pipeline: Pipeline; seen: EstimateEvent[] } {
  const seen: EstimateEvent[] = [];
  const pipeline = startPipeline({
    bus,
    groupPrefix: 'test-',
    processor: { config: { latenessSteps: 0, windowProbes: 5 } },
    // The simulated probes carry no batch sharpness: the sharpness rule acts on them.
    controller: { config: { mode: 'control', rule: 'quasi-newton', minWindow: 3, convergenceEstimates: 3 } },
    alerter: {},
    sinks: [
      ({ bus: b, topics, groupPrefix }) => {
        const part = startStage({
          bus: b,
          inputs: [topics.estimates],
          groupId: `${groupPrefix}sink`,
          fromBeginning: true,
          accepts: ['estimate'],
          handle: (e) => {
            seen.push(e);
            return undefined;
          },
        });
        return { part, inputs: [topics.estimates] };
      },
    ],
  });
  return { pipeline, seen };
}

async function trainersPublish(pipeline: Pipeline): Promise<void> {
  const runs = RUNS.map(({ runId, lr }) =>
    simulateQuadraticRun({ runId, spectrum: [2, 1, 0.5], lr, steps: STEPS, probeEvery: 1 }),
  );
  for (const event of interleave(runs)) {
    await pipeline.bus.publish(topicForType(event.type, pipeline.topics), [
      { key: event.runId, value: encodeEvent(event) },
    ]);
  }
}

describe('loop > startPipeline', () => {
  for (const [name, busOf] of [
    ['a bus with sealed topics (each stage ends when its inputs are sealed)', (m: MemoryBus): Bus => m],
    ['a bus without ends, as Kafka (each stage ends when it has read what was published)', endlessBus],
  ] as const) {
    it(`drains stage by stage on ${name}: every estimate reaches the controller, the alerter and the sinks`, async () => {
      const memory = new MemoryBus();
      const { pipeline, seen } = startWithSink(busOf(memory));
      await trainersPublish(pipeline);
      const { drained, failures } = await pipeline.drain({ timeoutMs: 20_000 });
      assert.deepEqual(failures, []);
      assert.equal(drained, true);

      const estimates = pipeline.processor.stats.estimates;
      assert.equal(estimates, RUNS.length * STEPS, 'one estimate per probed step');
      assert.equal(pipeline.controller?.stats.estimates, estimates);
      assert.equal(pipeline.alerter?.stats.estimates, estimates);
      assert.equal(seen.length, estimates);
      assert.ok((pipeline.controller?.stats.commands ?? 0) > 0, 'the controller acted');
      assert.equal(
        pipeline.processor.stats.eventsByTopic.get(pipeline.topics.control),
        undefined,
        'commands are no input of the processor',
      );
      await pipeline.stop();
      await memory.close();
    });
  }

  it('gives up at its timeout, and says it did not drain, when a stage cannot finish', async () => {
    const memory = new MemoryBus();
    const { pipeline } = startWithSink(endlessBus(memory));
    await trainersPublish(pipeline);
    // A processor stopped before the end never reads what the trainers published.
    pipeline.processor.stop();
    const { drained } = await pipeline.drain({ timeoutMs: 300 });
    assert.equal(drained, false);
    await pipeline.stop();
    await memory.close();
  });
});
