import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Subject } from 'rxjs';
import { encodeEvent, topicNames, type LyapEvent } from '../../../src/events/index.js';
import { startProcessor, type ProcessorOptions, type StateStore } from '../../../src/processor/index.js';
import type { Bus, BusMessage, Delivery, OutgoingMessage } from '../../../src/transport/index.js';
import { gradient, probe, runEvent, trajectory } from '../../helpers/events.js';

const topics = topicNames();
const store: StateStore = { topic: 'lyap.processor-state', read: () => Promise.resolve([]) };

type AckOptions = { commit?: boolean } | undefined;

/** A bus the test drives by hand: it hands the processor each delivery and hears its ack. */
class HandBus implements Bus {
  readonly published: { topic: string; messages: readonly OutgoingMessage[] }[] = [];
  /** While set, publishing to the estimates topic waits for it. */
  estimatesGate: Promise<void> | undefined;
  private readonly deliveries = new Subject<Delivery>();
  private offset = 0;

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    this.published.push({ topic, messages });
    if (topic === topics.estimates) await this.estimatesGate;
  }

  consume(): Subject<Delivery> {
    return this.deliveries;
  }

  close(): Promise<void> {
    this.deliveries.complete();
    return Promise.resolve();
  }

  /** Hands over one batch; resolves with what the processor acknowledged it with. */
  deliver(events: readonly LyapEvent[], lag?: number): Promise<AckOptions> {
    const messages: BusMessage[] = events.map((event) => ({
      topic:
        event.type === 'run' ? topics.runs : event.type === 'gradient' ? topics.gradients : topics.trajectory,
      partition: 0,
      offset: String(this.offset++),
      key: event.runId,
      value: encodeEvent(event),
      timestampMs: 0,
    }));
    return new Promise((resolve) => {
      const ack = (options?: { commit?: boolean }): void => {
        resolve(options);
      };
      this.deliveries.next(lag === undefined ? { messages, ack } : { messages, ack, lag });
    });
  }

  snapshotsPublished(): number {
    return this.published.filter((p) => p.topic === store.topic).length;
  }
}

function start(bus: HandBus, clock: () => number, options: Partial<ProcessorOptions> = {}) {
  return startProcessor({ bus, clock, ticks: new Subject(), commitIntervalMs: 1_000, ...options });
}

describe('processor > pipeline commits with a state store', () => {
  for (const time of ['wall', 'event'] as const) {
    it(`defers the commit of deliveries behind their partition end for the interval on the injected clock (${time} time)`, async () => {
      const bus = new HandBus();
      let now = 50_000;
      const processor = start(bus, () => now, { state: store, time });
      const acks: AckOptions[] = [];
      acks.push(await bus.deliver([gradient('r', 0)], 3));
      now += 400;
      acks.push(await bus.deliver([gradient('r', 1)], 2));
      now += 599;
      acks.push(await bus.deliver([gradient('r', 2)], 1));
      now += 1;
      acks.push(await bus.deliver([gradient('r', 3)], 1));
      assert.deepEqual(acks, [undefined, { commit: false }, { commit: false }, undefined]);
      assert.equal(bus.snapshotsPublished(), 2, 'snapshots are written with the commits only');
      processor.stop();
    });
  }

  it('commits a caught-up delivery at once, even right after a commit', async () => {
    const bus = new HandBus();
    const processor = start(bus, () => 0, { state: store });
    assert.equal(await bus.deliver([gradient('r', 0)], 5), undefined);
    assert.deepEqual(await bus.deliver([gradient('r', 1)], 4), { commit: false });
    assert.equal(await bus.deliver([gradient('r', 2)], 0), undefined);
    processor.stop();
  });

  it('commits every delivery without a state store', async () => {
    const bus = new HandBus();
    const processor = start(bus, () => 0, { state: 'off' });
    assert.equal(await bus.deliver([gradient('r', 0)], 5), undefined);
    assert.equal(await bus.deliver([gradient('r', 1)], 4), undefined);
    processor.stop();
  });
});

describe('processor > ProcessorHandle.acked', () => {
  it('counts the messages of each input topic in acknowledged deliveries, once their outputs are published', async () => {
    const bus = new HandBus();
    let open: (() => void) | undefined;
    bus.estimatesGate = new Promise((resolve) => (open = resolve));
    const processor = start(bus, () => 0, { config: { latenessSteps: 0 } });
    const acked = (): number[] =>
      [topics.runs, topics.gradients, topics.trajectory].map((topic) => processor.acked(topic));

    const first = bus.deliver([
      runEvent('r', 'start'),
      gradient('r', 0, { probe: probe(2, 0.1) }),
      trajectory('r', 0),
    ]);
    assert.equal(bus.published.at(-1)?.topic, topics.estimates, 'the estimate is being published');
    assert.deepEqual(acked(), [0, 0, 0], 'not before its estimate is out');
    open?.();
    await first;
    assert.deepEqual(acked(), [1, 1, 1]);

    await bus.deliver([gradient('r', 1), gradient('r', 2)]);
    assert.deepEqual(acked(), [1, 3, 1]);
    assert.equal(processor.acked(topics.estimates), 0, 'a topic it does not read');
    processor.stop();
  });
});
