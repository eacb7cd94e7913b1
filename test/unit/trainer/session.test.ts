import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backend } from './support/backend-cpu.js';
import { decodeEvent, topicNames, type LyapEvent } from '../../../src/events/index.js';
import { copyTopics } from '../../../src/recording/index.js';
import { createQuadratic, noData, runTrainingSession, type Model } from '../../../src/trainer/index.js';
import { MemoryBus } from '../../../src/transport/index.js';

const topics = topicNames();
const trainerTopics = [topics.runs, topics.gradients, topics.trajectory];

/** A quadratic whose loss throws from its fourth evaluation on: a run that fails mid-way. */
function failingAfter(calls: number): Model {
  const model = createQuadratic({ spectrum: [1, 2], seed: 1 });
  let count = 0;
  return {
    ...model,
    loss: (theta, batch) => {
      if (++count > calls) throw new Error('device lost');
      return model.loss(theta, batch);
    },
  };
}

async function session(model: Model) {
  const bus = new MemoryBus();
  const lines: string[] = [];
  const copied = copyTopics({
    bus,
    topics: trainerTopics,
    sink: {
      write: (line) => {
        lines.push(line);
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
    },
  });
  const run = runTrainingSession({
    bus,
    topics,
    runId: 'session',
    model,
    dataset: noData(),
    backend: backend.reportedName,
    lr: 0.1,
    batchSize: 1,
    steps: 10,
    seed: 1,
    probe: { every: 0, kLyapunov: 1, kSharpness: 1, hvp: 'forward', eps0: 1e-3 },
    lrBounds: { minLr: 1e-3, maxLr: 1 },
    acceptUnsignedCommands: false,
    log: () => undefined,
  }).finally(() => {
    for (const t of trainerTopics) bus.seal(t);
  });
  const result = await run.then(
    (r) => ({ ok: true as const, r }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  await copied;
  const events = lines.map((l) => {
    const d = decodeEvent(l);
    assert.ok(d.ok);
    return d.event;
  });
  return { result, events };
}

const shape = (e: LyapEvent): string =>
  e.type === 'run' ? `run:${e.phase}:${e.status ?? ''}` : `${e.type}:${'step' in e ? e.step : ''}`;

describe('trainer > session', () => {
  it('publishes every event of a run through the bus and reports what it published', async () => {
    const { result, events } = await session(createQuadratic({ spectrum: [1, 2], seed: 1 }));
    assert.ok(result.ok);
    assert.equal(result.r.eventsPublished, 22);
    assert.equal(result.r.eventsDropped, 0);
    assert.equal(events.length, 22);
    assert.equal(shape(events.at(-1)!), 'run:end:completed');
  });

  it('still publishes the steps done and a failed run end when training throws, then rethrows', async () => {
    const { result, events } = await session(failingAfter(3));
    assert.ok(!result.ok && String(result.error).includes('device lost'));
    assert.deepEqual(events.map(shape), [
      'run:start:',
      'gradient:0',
      'trajectory:0',
      'gradient:1',
      'trajectory:1',
      'gradient:2',
      'trajectory:2',
      'run:end:failed',
    ]);
    const end = events.at(-1);
    assert.ok(end?.type === 'run' && end.lastStep === 2);
  });
});

/** A MemoryBus whose control consumers report their join late (or never), as a Kafka group join does. */
class SlowJoinBus extends MemoryBus {
  joinedAt: number | undefined;
  constructor(private readonly joinAfterMs: number | undefined) {
    super();
  }
  override consume(
    ...[topicList, options]: Parameters<MemoryBus['consume']>
  ): ReturnType<MemoryBus['consume']> {
    const onJoined = options.onJoined;
    return super.consume(topicList, {
      ...options,
      onJoined: () => {
        if (this.joinAfterMs === undefined) return;
        setTimeout(() => {
          this.joinedAt = Date.now();
          onJoined?.();
        }, this.joinAfterMs);
      },
    });
  }
}

describe('trainer > session > the control consumer joins before the first step', () => {
  const run = (bus: MemoryBus, warnings: string[], commandJoinTimeoutMs?: number) =>
    runTrainingSession({
      bus,
      topics,
      runId: 'join',
      model: createQuadratic({ spectrum: [1, 2], seed: 1 }),
      dataset: noData(),
      backend: backend.reportedName,
      lr: 0.1,
      batchSize: 1,
      steps: 3,
      seed: 1,
      probe: { every: 0, kLyapunov: 1, kSharpness: 1, hvp: 'forward', eps0: 1e-3 },
      lrBounds: { minLr: 1e-3, maxLr: 1 },
      acceptUnsignedCommands: false,
      ...(commandJoinTimeoutMs === undefined ? {} : { commandJoinTimeoutMs }),
      log: (level, message) => {
        if (level === 'warn') warnings.push(message);
      },
    });

  it('starts the run only once the consumer has joined', async () => {
    const bus = new SlowJoinBus(300);
    const started: number[] = [];
    const sub = bus.consume([topics.runs], { groupId: 'watch', fromBeginning: true }).subscribe((d) => {
      for (const m of d.messages) {
        const e = decodeEvent(m.value);
        if (e.ok && e.event.type === 'run' && e.event.phase === 'start') started.push(e.event.ts);
      }
      d.ack();
    });
    const warnings: string[] = [];
    await run(bus, warnings);
    sub.unsubscribe();
    await bus.close();
    assert.ok(bus.joinedAt !== undefined);
    assert.equal(started.length, 1);
    assert.ok((started[0] ?? 0) >= bus.joinedAt, 'the run started after the join');
    assert.deepEqual(warnings, []);
  });

  it('trains anyway, with a warning, when the consumer does not join in time', async () => {
    const bus = new SlowJoinBus(undefined);
    const warnings: string[] = [];
    const result = await run(bus, warnings, 50);
    await bus.close();
    assert.equal(result.status, 'completed');
    assert.ok(
      warnings.some((w) => /has not joined its group after 50 ms/.test(w)),
      warnings.join('\n'),
    );
  });
});
