import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Subject } from 'rxjs';
import {
  decodeEvent,
  encodeEvent,
  topicNames,
  type EstimateEvent,
  type LyapEvent,
} from '../../../src/events/index.js';
import { startProcessor, type ProcessorHandle } from '../../../src/processor/index.js';
import { MemoryBus } from '../../../src/transport/index.js';
import { gradient, probe, runEvent } from '../../helpers/events.js';

const topics = topicNames();

function collect(bus: MemoryBus, topic: string): LyapEvent[] {
  const out: LyapEvent[] = [];
  bus.consume([topic], { groupId: `collect-${topic}`, fromBeginning: true }).subscribe((d) => {
    for (const m of d.messages) {
      const decoded = decodeEvent(m.value);
      if (decoded.ok) out.push(decoded.event);
    }
    d.ack();
  });
  return out;
}

/** Polls until `condition` holds (no timing assertion: a slow machine only waits longer). */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(condition(), `timed out waiting for ${what}`);
}

const ingested = (p: { stats: { eventsByTopic: Map<string, number> } }): number =>
  [...p.stats.eventsByTopic.values()].reduce((a, b) => a + b, 0);

/**
 * Resolves once the processor has handled everything sent to it before (deliveries and
 * sweeps are handled in order): a blank message sent after them is acknowledged.
 */
async function handledSoFar(bus: MemoryBus, processor: ProcessorHandle): Promise<void> {
  const target = processor.acked(topics.runs) + 1;
  await bus.publish(topics.runs, [{ value: '' }]);
  await until(() => processor.acked(topics.runs) >= target, 'the processor to catch up');
}

describe('processor > pipeline on wall time', () => {
  it('releases a step whose partner never comes once latenessMs has passed on the injected clock', async () => {
    const bus = new MemoryBus();
    let now = 1_000;
    const ticks = new Subject<void>();
    const estimates = collect(bus, topics.estimates);
    const processor = startProcessor({
      bus,
      config: { latenessSteps: 100, latenessMs: 500, sweepIntervalMs: 1_000_000 },
      clock: () => now,
      ticks,
    });
    await bus.publish(topics.gradients, [
      { key: 'r', value: encodeEvent(gradient('r', 0, { probe: probe(2, 0.1) })) },
    ]);
    await until(() => ingested(processor) === 1, 'the gradient to be ingested');
    now += 499;
    ticks.next();
    await handledSoFar(bus, processor);
    assert.equal(processor.stats.estimates, 0, 'still waiting for the trajectory');
    now += 1;
    ticks.next();
    await until(() => estimates.length === 1, 'the estimate');
    assert.deepEqual(
      estimates.map((e) => (e as EstimateEvent).step),
      [0],
    );
    assert.equal(estimates[0]?.ts, now, 'stamped with the processor clock');
    processor.stop();
    await processor.done;
    await bus.close();
  });

  it('expires a run silent for runTtlMs and releases its state', async () => {
    const bus = new MemoryBus();
    let now = 0;
    const ticks = new Subject<void>();
    const processor = startProcessor({
      bus,
      config: { runTtlMs: 10_000, latenessSteps: 100, latenessMs: 1e9 },
      clock: () => now,
      ticks,
    });
    const estimates = collect(bus, topics.estimates);
    await bus.publish(topics.runs, [{ key: 'r', value: encodeEvent(runEvent('r', 'start')) }]);
    await bus.publish(topics.gradients, [
      { key: 'r', value: encodeEvent(gradient('r', 0, { probe: probe(2, 0.1) })) },
    ]);
    await until(() => ingested(processor) === 2, 'both events to be ingested');
    assert.equal(processor.engine.liveRuns, 1);
    now = 10_000;
    ticks.next();
    await until(() => processor.engine.liveRuns === 0, 'the run to expire');
    await until(() => estimates.length === 1, 'the flushed estimate');
    assert.equal(processor.engine.liveRuns, 0);
    assert.equal(processor.stats.runsExpired, 1);
    assert.equal(estimates.length, 1, 'its pending step was flushed, not lost');
    processor.stop();
    await bus.close();
  });

  it('acknowledges a batch only after its outputs are published (a crash replays, never loses)', async () => {
    const bus = new MemoryBus();
    let release: (() => void) | undefined;
    const gate = new Promise<void>((r) => (release = r));
    let publishing = false;
    const realPublish = bus.publish.bind(bus);
    bus.publish = async (topic, messages) => {
      if (topic === topics.estimates) {
        publishing = true;
        await gate;
      }
      await realPublish(topic, messages);
    };
    const processor = startProcessor({
      bus,
      // Gradients alone, released without waiting for trajectories.
      config: { latenessSteps: 0, maxSkewSteps: 0 },
      fromBeginning: true,
      ticks: new Subject(),
    });
    await realPublish(topics.gradients, [
      { key: 'r', value: encodeEvent(gradient('r', 0, { probe: probe(2, 0.1) })) },
    ]);
    await until(() => publishing, 'the estimate to be published');
    assert.equal(processor.acked(topics.gradients), 0);
    assert.equal(bus.backlog(topics.gradients), 1, 'not committed while the estimate is unpublished');
    release?.();
    await until(() => bus.backlog(topics.gradients) === 0, 'the commit once it is published');
    processor.stop();
    await bus.close();
  });
});
