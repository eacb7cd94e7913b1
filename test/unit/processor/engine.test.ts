import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEvent, type EstimateEvent, type LyapEvent } from '../../../src/events/index.js';
import {
  ProcessorEngine,
  resolveProcessorConfig,
  type ProcessorConfigInput,
} from '../../../src/processor/index.js';
import type { BusMessage } from '../../../src/transport/index.js';
import { gradient, probe, probeK2, runEvent, T0, trajectory } from '../../helpers/events.js';

function engine(config: ProcessorConfigInput = {}): ProcessorEngine {
  return new ProcessorEngine(resolveProcessorConfig(config));
}

let offset = 0;
function message(event: LyapEvent | string, topic = 'lyap.gradients'): BusMessage {
  return {
    topic,
    partition: 0,
    offset: String(offset++),
    value: typeof event === 'string' ? event : encodeEvent(event),
    timestampMs: 0,
  };
}

function estimates(e: ProcessorEngine): EstimateEvent[] {
  return e
    .drain()
    .map((o) => o.event)
    .filter((ev): ev is EstimateEvent => ev.type === 'estimate');
}

describe('processor > ProcessorEngine', () => {
  it('keeps an ended run open for its stragglers: the end may overtake its last steps', () => {
    const e = engine({ endGraceMs: 1_000, latenessSteps: 0 });
    e.ingest(message(runEvent('r', 'start')), 0);
    e.ingest(message(runEvent('r', 'end')), 10);
    e.ingest(message(gradient('r', 0, { probe: probe(2, 0.1) })), 20);
    e.ingest(message(trajectory('r', 0)), 20);
    assert.deepEqual(
      estimates(e).map((x) => x.step),
      [0],
    );
    e.tick(1_010);
    assert.equal(e.liveRuns, 0, 'closed once the grace has passed');
    e.ingest(message(gradient('r', 1, { probe: probe(2, 0.1) })), 1_020);
    assert.deepEqual(estimates(e), []);
    assert.equal(e.stats.afterEnd, 1);
  });

  it('closes an ended run as soon as the lastStep it announced is out', () => {
    const e = engine({ endGraceMs: 1e9, latenessSteps: 0 });
    e.ingest(message(runEvent('r', 'end', { lastStep: 1 })), 0);
    e.ingest(message(gradient('r', 0, { probe: probe(2, 0.1) })), 0);
    assert.equal(e.liveRuns, 1);
    e.ingest(message(gradient('r', 1, { probe: probe(2, 0.1) })), 0);
    e.ingest(message(trajectory('r', 1)), 0);
    assert.equal(e.liveRuns, 0);
    assert.equal(e.stats.runsEnded, 1);
    assert.equal(estimates(e).length, 2);
  });

  it('reopens a run id on a new start after its end', () => {
    const e = engine({ endGraceMs: 0, latenessSteps: 0 });
    e.ingest(message(runEvent('r', 'end')), 0);
    e.ingest(message(runEvent('r', 'start')), 1);
    e.ingest(message(gradient('r', 0, { probe: probe(2, 0.1) })), 2);
    e.ingest(message(trajectory('r', 0)), 2);
    assert.equal(estimates(e).length, 1);
  });

  it('refuses runs beyond maxRuns with a run-capacity dead letter', () => {
    const e = engine({ maxRuns: 2 });
    for (const id of ['a', 'b', 'c']) e.ingest(message(gradient(id, 0)), 0);
    const out = e.drain();
    assert.equal(e.liveRuns, 2);
    assert.equal(out.length, 1);
    const dl = out[0]?.event;
    assert.equal(dl?.type, 'dead-letter');
    assert.equal(dl?.runId, 'c');
    assert.ok(dl?.type === 'dead-letter' && dl.error.startsWith('run-capacity'));
    assert.equal(e.stats.invalid.get('lyap.gradients\u0000run-capacity'), 1);
  });

  it('dead-letters a step whose estimate cannot be made, and goes on with the run', () => {
    // Schema-valid, finite, and past float64 once symmetrised: (1.7e308 + 1.7e308)/2. The
    // estimator threw here and failed the processor, which a restart would re-read and fail again.
    const e = engine({ latenessSteps: 0 });
    e.ingest(message(runEvent('r', 'start'), 'lyap.runs'), 0);
    let poisoned: BusMessage | undefined;
    for (let step = 0; step < 4; step++) {
      const p = probeK2(step === 2);
      const read = message(gradient('r', step, { probe: p }));
      if (step === 2) poisoned = read;
      e.ingest(read, 0);
      e.ingest(message(trajectory('r', step), 'lyap.trajectory'), 0);
    }
    e.flush(0);
    const out = e.drain().map((o) => o.event);
    assert.deepEqual(
      out.filter((ev) => ev.type === 'estimate').map((ev) => ev.step),
      [0, 1, 3],
      'the steps around it are estimated',
    );
    const dead = out.filter((ev) => ev.type === 'dead-letter');
    assert.equal(dead.length, 1);
    assert.ok(dead[0]?.type === 'dead-letter');
    assert.equal(dead[0].sourceTopic, 'lyap.gradients');
    assert.deepEqual(
      [dead[0].partition, dead[0].offset],
      [poisoned?.partition, poisoned?.offset],
      'where the gradient was read',
    );
    assert.equal(dead[0].runId, 'r');
    assert.match(dead[0].error, /^estimate-failed: step 2: ritzValues: non-finite Rayleigh matrix/);
    assert.equal((JSON.parse(dead[0].raw) as { step: number }).step, 2, 'the gradient event is kept');
    assert.equal(e.stats.invalid.get('lyap.gradients\u0000estimate-failed'), 1);
    assert.equal(e.stats.deadLetters, 1);
  });

  it('ignores event types that are not its input, and counts them', () => {
    const e = engine();
    const estimate: EstimateEvent = {
      v: 1,
      type: 'estimate',
      runId: 'r',
      ts: T0,
      step: 0,
      window: 0,
      lr: 0.1,
      lyapunov: [],
      curvature: [],
      sharpness: 0,
      stabilityRatio: 0,
      regime: 'unknown',
      samples: 0,
    };
    e.ingest(message(estimate, 'lyap.estimates'), 0);
    assert.deepEqual(e.drain(), []);
    assert.equal(e.stats.ignored, 1);
    assert.equal(e.liveRuns, 0);
  });

  it('ignores lr-command events, yet they move the event-time clock (old recordings replay as before)', () => {
    const e = engine({ latenessSteps: 100, latenessMs: 500, sweepIntervalMs: 1 });
    e.ingest(message(gradient('r', 0, { probe: probe(2, 0.1) })));
    const command: LyapEvent = {
      v: 1,
      type: 'lr-command',
      runId: 'r',
      ts: T0 + 10_000,
      seq: 0,
      lr: 0.05,
      previousLr: 0.1,
      reason: 'brake',
      basedOnStep: 0,
    };
    e.ingest(message(command, 'lyap.control'));
    assert.equal(e.stats.ignored, 1);
    assert.equal(e.watermarkMs, T0 + 10_000);
    assert.deepEqual(
      estimates(e).map((x) => [x.step, x.ts]),
      [[0, T0 + 10_000]],
      'the half-step waited latenessMs on event time',
    );
  });

  it('keys dead letters by the run id when the payload had a readable one', () => {
    const e = engine();
    e.ingest(message(JSON.stringify({ ...gradient('mine', 0), loss: 'lots' })), 0);
    const [out] = e.drain();
    assert.equal(out?.key, 'mine');
    assert.equal(out?.topic, 'lyap.dlq');
  });

  it('counts events per topic and invalid events per topic and reason', () => {
    const e = engine();
    e.ingest(message('nope', 'lyap.trajectory'), 0);
    e.ingest(message(gradient('r', 0)), 0);
    assert.equal(e.stats.eventsByTopic.get('lyap.trajectory'), 1);
    assert.equal(e.stats.eventsByTopic.get('lyap.gradients'), 1);
    assert.equal(e.stats.invalid.get('lyap.trajectory\u0000invalid-json'), 1);
  });
});
