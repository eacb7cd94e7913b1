import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Subject, VirtualTimeScheduler } from 'rxjs';
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
  /** What the processor did, in order: `publish <topic>` and `commit` (a delivery's `commit()`). */
  readonly log: string[] = [];
  /** While set, publishing to the estimates topic waits for it. */
  estimatesGate: Promise<void> | undefined;
  private readonly deliveries = new Subject<Delivery>();
  private offset = 0;

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    this.published.push({ topic, messages });
    this.log.push(`publish ${topic}`);
    if (topic === topics.estimates) await this.estimatesGate;
  }

  consume(): Subject<Delivery> {
    return this.deliveries;
  }

  close(): Promise<void> {
    this.deliveries.complete();
    return Promise.resolve();
  }

  /**
   * Hands over one batch; resolves with what the processor acknowledged it with. Its
   * `commit()` is logged; `current` says whether its generation is still the consumer's.
   */
  deliver(
    events: readonly LyapEvent[],
    lag?: number,
    current: () => boolean = () => true,
  ): Promise<AckOptions> {
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
      const commit = (): void => {
        this.log.push('commit');
      };
      const delivery = { messages, ack, commit, current };
      this.deliveries.next(lag === undefined ? delivery : { ...delivery, lag });
    });
  }

  snapshotsPublished(): number {
    return this.published.filter((p) => p.topic === store.topic).length;
  }
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(condition(), 'within a second');
}

function start(bus: HandBus, clock: () => number, options: Partial<ProcessorOptions> = {}) {
  return startProcessor({ bus, clock, ticks: new Subject(), commitIntervalMs: 1_000, ...options });
}

/** A processor with a state store, on virtual time, that committed one delivery and deferred the next one's commit. */
async function withOneDeferred(current: () => boolean = () => true) {
  const bus = new HandBus();
  const scheduler = new VirtualTimeScheduler();
  const processor = start(bus, () => scheduler.now(), { state: store, scheduler });
  assert.equal(await bus.deliver([gradient('r', 0)], 0), undefined);
  assert.deepEqual(await bus.deliver([gradient('r', 1)], 0, current), { commit: false });
  return { bus, scheduler, processor, before: bus.log.length };
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

  it('defers a caught-up delivery too, within the interval since the last commit', async () => {
    const bus = new HandBus();
    let now = 0;
    const processor = start(bus, () => now, { state: store });
    assert.equal(await bus.deliver([gradient('r', 0)], 0), undefined);
    now += 999;
    assert.deepEqual(await bus.deliver([gradient('r', 1)], 0), { commit: false });
    now += 1;
    assert.equal(await bus.deliver([gradient('r', 2)], 0), undefined);
    processor.stop();
  });

  it('commits what was left uncommitted when the interval runs out, snapshots first, also when no delivery comes', async () => {
    const { bus, scheduler, processor, before } = await withOneDeferred();
    scheduler.flush();
    await until(() => bus.log.includes('commit'));
    assert.equal(scheduler.now(), 1_000, 'at the end of the interval');
    assert.deepEqual(bus.log.slice(before), [`publish ${store.topic}`, 'commit']);
    processor.stop();
  });

  it('commits nothing on the timer once the consumer has rejoined its group since', async () => {
    let current = true;
    const { bus, scheduler, processor, before } = await withOneDeferred(() => current);
    current = false;
    scheduler.flush();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(bus.log.slice(before), [], 'no snapshot, no commit');
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

describe('processor > a graceful stop (ProcessorHandle.finish)', () => {
  it('writes the snapshots and commits what was acked without a commit, then acks nothing more', async () => {
    const { bus, scheduler, processor, before } = await withOneDeferred();
    await processor.finish();
    assert.equal(scheduler.now(), 0, 'at once, not at the end of the commit interval');
    assert.deepEqual(bus.log.slice(before), [`publish ${store.topic}`, 'commit'], 'snapshots, then offsets');
    let acked = false;
    void bus.deliver([gradient('r', 2)], 0).then(() => (acked = true));
    scheduler.flush();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(acked, false, 'a later delivery is left to the next owner');
    assert.equal(processor.acked(topics.gradients), 2);
    assert.deepEqual(bus.log.slice(before + 2), [], 'and the commit timer does nothing more');
    processor.stop();
  });

  it('has nothing to commit when every ack committed, or when the consumer has rejoined since', async () => {
    const plain = new HandBus();
    const off = start(plain, () => 0, { state: 'off' });
    assert.equal(await plain.deliver([gradient('r', 0)], 0), undefined);
    await off.finish();
    assert.deepEqual(
      plain.log.filter((l) => l === 'commit' || l === `publish ${store.topic}`),
      [],
    );
    off.stop();

    const { bus, processor, before } = await withOneDeferred(() => false);
    await processor.finish();
    assert.deepEqual(bus.log.slice(before), [], "the partitions may be another member's now");
    processor.stop();
  });

  it('resolves at once when the pipeline has already ended', async () => {
    const bus = new HandBus();
    const processor = start(bus, () => 0, { state: store });
    await bus.close();
    await processor.done;
    await processor.finish();
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
