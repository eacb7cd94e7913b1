import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEvent, topicNames, type LyapEvent } from '../../../src/events/index.js';
import { LyapError } from '../../../src/errors.js';
import { EventBuffer } from '../../../src/trainer/index.js';
import { MemoryBus, type Delivery } from '../../../src/transport/index.js';
import { gradient, runEvent, trajectory } from '../../helpers/events.js';

const topics = topicNames();
const allTopics = [topics.runs, topics.gradients, topics.trajectory];

/** Reads every topic the trainer writes; holds its acknowledgements until released. */
function reader(bus: MemoryBus, options: { holdAcks: boolean }) {
  const seen: LyapEvent[] = [];
  const held: Delivery[] = [];
  let holding = options.holdAcks;
  bus.consume(allTopics, { groupId: 'reader', fromBeginning: true }).subscribe((delivery) => {
    for (const m of delivery.messages) {
      const decoded = decodeEvent(m.value);
      assert.ok(decoded.ok);
      assert.equal(m.key, decoded.event.runId);
      seen.push(decoded.event);
    }
    if (holding) held.push(delivery);
    else delivery.ack();
  });
  return {
    seen,
    release: () => {
      holding = false;
      for (const d of held.splice(0)) d.ack();
    },
  };
}

const steps = (from: number, to: number): LyapEvent[] =>
  Array.from({ length: to - from }, (_, i) => [gradient('r', from + i), trajectory('r', from + i)]).flat();
const label = (e: LyapEvent): string =>
  e.type === 'run' ? `run:${e.phase}` : `${e.type}:${'step' in e ? e.step : ''}`;

describe('trainer > event buffer', () => {
  it('publishes every event, keyed by run, in push order across topics', async () => {
    const bus = new MemoryBus();
    const out = reader(bus, { holdAcks: false });
    const buffer = new EventBuffer({ bus, topics });
    const events = [runEvent('r', 'start'), ...steps(0, 50), runEvent('r', 'end')];
    for (const e of events) buffer.push(e);
    await buffer.flush();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(out.seen.map(label), events.map(label));
    assert.equal(buffer.published, events.length);
    assert.equal(buffer.dropped, 0);
  });

  it('never blocks a push: when full it drops the oldest step events, keeps run events, and counts the drops', async () => {
    const bus = new MemoryBus({ highWaterMessages: 0 });
    const out = reader(bus, { holdAcks: true });
    const buffer = new EventBuffer({ bus, topics, capacityEvents: 5 });
    buffer.push(runEvent('r', 'start'));
    for (const e of steps(0, 10)) buffer.push(e);
    buffer.push(runEvent('r', 'end'));
    assert.equal(buffer.pending, 5);
    assert.equal(buffer.dropped, 17);
    out.release();
    await buffer.flush();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Nothing leaves before the pushing code is done: the queue kept the start and the newest four
    // step events (g8 … t9), then the end displaced g8.
    assert.deepEqual(out.seen.map(label), [
      'run:start',
      'trajectory:8',
      'gradient:9',
      'trajectory:9',
      'run:end',
    ]);
    assert.equal(buffer.published + buffer.dropped, 22);
  });

  it('counts the events of a failed publish as dropped and reports the error', async () => {
    const bus = new MemoryBus();
    await bus.close();
    const errors: unknown[] = [];
    const buffer = new EventBuffer({ bus, topics, onError: (e) => errors.push(e) });
    buffer.push(runEvent('r', 'start'));
    buffer.push(gradient('r', 0));
    await buffer.flush();
    assert.equal(buffer.dropped, 2);
    assert.match(String(errors[0]), /closed/);
  });
});

describe('trainer > event buffer > one round, one request', () => {
  it("issues every publish of a round before waiting for any (a broker bus sends them together), and drops only a failed call's events", async () => {
    const calls: { topic: string; count: number; settle: (error?: Error) => void }[] = [];
    const bus = {
      publish: (topic: string, messages: readonly unknown[]) =>
        new Promise<void>((resolve, reject) => {
          calls.push({
            topic,
            count: messages.length,
            settle: (e) => {
              if (e === undefined) resolve();
              else reject(e);
            },
          });
        }),
      consume: () => {
        throw new Error('not read here');
      },
      close: () => Promise.resolve(),
    };
    const errors: unknown[] = [];
    const buffer = new EventBuffer({ bus, topics, onError: (e) => errors.push(e) });
    for (const e of steps(0, 3)) buffer.push(e);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      calls.map((c) => c.topic),
      [
        topics.gradients,
        topics.trajectory,
        topics.gradients,
        topics.trajectory,
        topics.gradients,
        topics.trajectory,
      ],
      'all six calls out, in push order, none answered yet',
    );
    calls[1]?.settle(new Error('refused'));
    for (const c of calls) if (c !== calls[1]) c.settle();
    await buffer.flush();
    assert.equal(buffer.published, 5);
    assert.equal(buffer.dropped, 1);
    assert.equal(errors.length, 1);
  });
});

/** A bus whose publishes fail with `failure()` while it returns an error, and are recorded otherwise. */
function flakyBus(failure: () => Error | undefined) {
  const written: { topic: string; keys: string[]; values: string[] }[] = [];
  let attempts = 0;
  return {
    written,
    get attempts() {
      return attempts;
    },
    bus: {
      publish: (topic: string, messages: readonly { key: string; value: string }[]) => {
        attempts++;
        const error = failure();
        if (error !== undefined) return Promise.reject(error);
        written.push({ topic, keys: messages.map((m) => m.key), values: messages.map((m) => m.value) });
        return Promise.resolve();
      },
      consume: () => {
        throw new Error('not read here');
      },
      close: () => Promise.resolve(),
    },
  };
}

describe('trainer > event buffer > failures that may pass', () => {
  it('keeps the events of a retriable failure (a broker restarting) and publishes them once it passes, losing none', async () => {
    // Every call of the first round fails (as when the broker holding them restarts), then none.
    let failures = 5;
    const flaky = flakyBus(() =>
      failures-- > 0
        ? new LyapError('LYAP_E_KAFKA', 'creating topics lyap.runs: Connection error: read ECONNRESET')
        : undefined,
    );
    const retries: [number, number][] = [];
    const errors: unknown[] = [];
    const buffer = new EventBuffer({
      bus: flaky.bus,
      topics,
      onError: (e) => errors.push(e),
      onRetry: (_e, attempt, delayMs) => retries.push([attempt, delayMs]),
    });
    const events = [runEvent('r', 'start'), ...steps(0, 2)];
    for (const e of events) buffer.push(e);
    await buffer.flush();
    assert.deepEqual(errors, []);
    assert.equal(buffer.dropped, 0);
    assert.equal(buffer.published, events.length);
    assert.deepEqual(retries, [[1, 100]]);
    const seen = flaky.written
      .flatMap((w) => w.values.map((v) => decodeEvent(v)))
      .map((d) => (d.ok ? label(d.event) : '?'));
    assert.deepEqual(seen, events.map(label), 'each once, in push order');
  });

  it('publishes again only the calls that failed: all arrive, the retried ones after the rest of their round', async () => {
    let calls = 0;
    const flaky = flakyBus(() =>
      calls++ === 1 ? new LyapError('LYAP_E_KAFKA', 'leader moving') : undefined,
    );
    const buffer = new EventBuffer({ bus: flaky.bus, topics });
    for (const e of steps(0, 2)) buffer.push(e);
    await buffer.flush();
    const seen = flaky.written
      .flatMap((w) => w.values.map((v) => decodeEvent(v)))
      .map((d) => (d.ok ? label(d.event) : '?'));
    assert.deepEqual(seen, ['gradient:0', 'gradient:1', 'trajectory:1', 'trajectory:0']);
    assert.equal(buffer.published, 4);
    assert.equal(buffer.dropped, 0);
  });

  it('backs off, doubling, and after retryForMs drops the events, counts them and reports the error', async () => {
    const flaky = flakyBus(() => new LyapError('LYAP_E_KAFKA', 'Connection error: connect ECONNREFUSED'));
    const retries: number[] = [];
    const errors: unknown[] = [];
    const buffer = new EventBuffer({
      bus: flaky.bus,
      topics,
      retryForMs: 500,
      onError: (e) => errors.push(e),
      onRetry: (_e, _attempt, delayMs) => retries.push(delayMs),
    });
    buffer.push(gradient('r', 0));
    await buffer.flush();
    assert.deepEqual(retries.slice(0, 3), [100, 200, 400]);
    assert.equal(buffer.dropped, 1);
    assert.equal(buffer.published, 0);
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /ECONNREFUSED/);
  });

  it('drops at once what retrying cannot fix (the ACLs refused it), without retrying', async () => {
    const flaky = flakyBus(
      () => new LyapError('LYAP_E_KAFKA_DENIED', 'publishing to lyap.runs: not authorized'),
    );
    const retries: number[] = [];
    const buffer = new EventBuffer({ bus: flaky.bus, topics, onRetry: (_e, a) => retries.push(a) });
    buffer.push(runEvent('r', 'start'));
    await buffer.flush();
    assert.equal(flaky.attempts, 1);
    assert.deepEqual(retries, []);
    assert.equal(buffer.dropped, 1);
  });
});
