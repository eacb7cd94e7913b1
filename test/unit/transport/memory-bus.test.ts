import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { firstValueFrom, take } from 'rxjs';
import { isLyapError } from '../../../src/errors.js';
import { MemoryBus, type Delivery } from '../../../src/transport/index.js';
import { busContract } from '../../helpers/bus-contract.js';

const msgs = (prefix: string, n: number): { key: string; value: string }[] =>
  Array.from({ length: n }, (_, i) => ({ key: 'k', value: `${prefix}${i}` }));

const values = (d: Delivery): string[] => d.messages.map((m) => String(m.value));

/** Polls until `condition` holds (no timing assertion: a slow machine only waits longer). */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(condition(), `timed out waiting for ${what}`);
}

/** Lets the bus run every callback it has scheduled. */
const turn = (): Promise<void> => new Promise((r) => setTimeout(r, 10));

/** Collects deliveries, acking each at once. */
function drain(bus: MemoryBus, topics: string[], group: string, maxBatchSize = 500): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const seen: string[] = [];
    bus.consume(topics, { groupId: group, fromBeginning: true, maxBatchSize }).subscribe({
      next: (d) => {
        seen.push(...values(d));
        d.ack();
      },
      error: reject,
      complete: () => {
        resolve(seen);
      },
    });
  });
}

busContract('MemoryBus', () => new MemoryBus(), { patienceMs: 10_000, quietMs: 50 });

describe('transport > MemoryBus', () => {
  it('delivers the messages of several topics in publish order, in batches of at most maxBatchSize', async () => {
    const bus = new MemoryBus();
    await bus.publish('a', msgs('a', 3));
    await bus.publish('b', msgs('b', 2));
    await bus.publish('a', msgs('c', 2));
    const batches: string[][] = [];
    const sub = bus
      .consume(['a', 'b'], { groupId: 'g', fromBeginning: true, maxBatchSize: 3 })
      .subscribe((d) => {
        batches.push(values(d));
        d.ack();
      });
    await until(() => batches.flat().length === 7, 'all seven messages');
    sub.unsubscribe();
    assert.deepEqual(batches, [['a0', 'a1', 'a2'], ['b0', 'b1', 'c0'], ['c1']]);
  });

  it('completes a consumer once every topic it reads is sealed and read to the end', async () => {
    const bus = new MemoryBus();
    const done = drain(bus, ['t'], 'g', 2);
    await bus.publish('t', msgs('m', 5));
    bus.seal('t');
    assert.deepEqual(await done, ['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  it('makes publish wait while a consumer lags past the high-water mark (backpressure), then releases it', async () => {
    const bus = new MemoryBus({ highWaterMessages: 10, maxBatchSize: 4 });
    const pending: Delivery[] = [];
    const sub = bus
      .consume(['t'], { groupId: 'slow', fromBeginning: true })
      .subscribe((d) => pending.push(d));
    let resolved = false;
    const published = bus.publish('t', msgs('m', 25)).then(() => {
      resolved = true;
    });
    await until(() => pending.length === 1, 'the first batch');
    await turn();
    assert.equal(resolved, false, 'the producer waits');
    assert.equal(bus.backlog('t'), 25);
    while (!resolved) {
      pending.shift()?.ack();
      await new Promise((r) => setTimeout(r, 5));
    }
    await published;
    assert.ok(bus.backlog('t') <= 5, `backlog ${bus.backlog('t')} fell to half the high-water mark`);
    sub.unsubscribe();
  });

  it('starts a new group at the end of the topic unless fromBeginning', async () => {
    const bus = new MemoryBus();
    await bus.publish('t', msgs('old', 2));
    const latest = firstValueFrom(bus.consume(['t'], { groupId: 'g' }).pipe(take(1)));
    await new Promise((r) => setTimeout(r, 5));
    await bus.publish('t', msgs('new', 1));
    assert.deepEqual(values(await latest), ['new0']);
  });

  it('refuses a second consumer in the same group with a retriable LYAP_E_BUS_GROUP_BUSY', async () => {
    const bus = new MemoryBus();
    const sub = bus.consume(['t'], { groupId: 'g' }).subscribe();
    await assert.rejects(firstValueFrom(bus.consume(['t'], { groupId: 'g' })), (e: unknown) => {
      assert.ok(isLyapError(e, 'LYAP_E_BUS_GROUP_BUSY') && e.retriable);
      return true;
    });
    sub.unsubscribe();
  });

  it('keeps only the newest retainMessages of a topic nobody reads', async () => {
    const bus = new MemoryBus({ retainMessages: 3 });
    await bus.publish('t', msgs('m', 10));
    bus.seal('t');
    assert.deepEqual(await drain(bus, ['t'], 'late'), ['m7', 'm8', 'm9']);
  });
});
