// The behaviour every Bus adapter owes the pipeline, as one suite that each adapter's
// tests run: MemoryBus in test/unit/transport, KafkaBus in test/integration/kafka.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { firstValueFrom, type Subscription } from 'rxjs';
import { isLyapError } from '../../src/errors.js';
import type { Bus, BusMessage, Delivery } from '../../src/transport/index.js';
import { sleep, until } from './wait.js';

export interface BusContractOptions {
  /** The longest to wait for something that must happen (a bound for slow machines, not a claim). */
  readonly patienceMs?: number;
  /** How long to watch for something that must not happen. */
  readonly quietMs?: number;
  /** A topic or group name of its own for each use. */
  readonly uniqueName?: (prefix: string) => string;
}

let counter = 0;
const localName = (prefix: string): string => `${prefix}-${process.pid}-${++counter}`;

const text = (m: BusMessage): string =>
  typeof m.value === 'string' ? m.value : Buffer.from(m.value).toString('utf8');

/** Registers the Bus contract for `name`; `makeBus` gives each test a bus of its own. */
export function busContract(
  name: string,
  makeBus: () => Bus | Promise<Bus>,
  options: BusContractOptions = {},
): void {
  const patienceMs = options.patienceMs ?? 10_000;
  const quietMs = options.quietMs ?? 50;
  const unique = options.uniqueName ?? localName;

  const patience = { timeoutMs: patienceMs, intervalMs: 10 };

  /** Subscribes and acks every delivery at once, until `count` messages are in; then unsubscribes. */
  async function collect(
    bus: Bus,
    topics: string[],
    groupId: string,
    count: number,
    maxBatchSize?: number,
  ): Promise<BusMessage[]> {
    const seen: BusMessage[] = [];
    let failure: unknown;
    const sub = bus
      .consume(topics, {
        groupId,
        fromBeginning: true,
        ...(maxBatchSize === undefined ? {} : { maxBatchSize }),
      })
      .subscribe({
        next: (d) => {
          seen.push(...d.messages);
          d.ack();
        },
        error: (e: unknown) => (failure = e),
      });
    try {
      await until(
        () => seen.length >= count || failure !== undefined,
        () => `${count} messages on ${topics.join(',')} (have ${seen.length})`,
        patience,
      );
      if (failure !== undefined)
        throw failure instanceof Error ? failure : new Error('the consumer failed', { cause: failure });
      return seen;
    } finally {
      sub.unsubscribe();
    }
  }

  async function withBus(test: (bus: Bus) => Promise<void>): Promise<void> {
    const bus = await makeBus();
    try {
      await test(bus);
    } finally {
      await bus.close();
    }
  }

  const messages = (key: string, prefix: string, n: number): { key: string; value: string }[] =>
    Array.from({ length: n }, (_, i) => ({ key, value: `${prefix}${i}` }));

  describe(`transport > ${name} (Bus contract)`, () => {
    it('delivers every published message with its key, in publish order per key', () =>
      withBus(async (bus) => {
        const topic = unique('contract-order');
        const keys = ['run-a', 'run-b', 'run-c'];
        for (let round = 0; round < 4; round++) {
          for (const key of keys) await bus.publish(topic, messages(key, `${key}/${round}.`, 5));
        }
        const seen = await collect(bus, [topic], unique('g'), 60);
        assert.equal(seen.length, 60);
        for (const key of keys) {
          const expected = Array.from({ length: 4 }, (_, r) =>
            messages(key, `${key}/${r}.`, 5).map((m) => m.value),
          ).flat();
          assert.deepEqual(
            seen.filter((m) => m.key === key).map(text),
            expected,
            `messages of ${key} in publish order`,
          );
        }
        for (const m of seen) assert.equal(m.topic, topic);
      }));

    it('emits the next delivery of a subscription only after the current one is acked', () =>
      withBus(async (bus) => {
        const topic = unique('contract-ack');
        await bus.publish(topic, messages('k', 'm', 6));
        const deliveries: Delivery[] = [];
        let acked = 0;
        let early = 0;
        const sub = bus
          .consume([topic], { groupId: unique('g'), fromBeginning: true, maxBatchSize: 2 })
          .subscribe((d) => {
            if (deliveries.length !== acked) early++;
            deliveries.push(d);
          });
        const total = (): number => deliveries.reduce((n, d) => n + d.messages.length, 0);
        try {
          await until(
            () => deliveries.length === 1,
            () => 'the first delivery',
            patience,
          );
          await sleep(quietMs);
          assert.equal(deliveries.length, 1, 'a second delivery came before the first was acked');
          while (total() < 6) {
            assert.ok(deliveries[acked]!.messages.length <= 2, 'at most maxBatchSize messages');
            deliveries[acked]!.ack();
            acked++;
            await until(
              () => deliveries.length > acked || total() >= 6,
              () => `delivery ${acked + 1}`,
              patience,
            );
          }
          assert.equal(early, 0, 'deliveries emitted before the previous one was acked');
          assert.deepEqual(
            deliveries.flatMap((d) => d.messages.map(text)),
            ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'],
          );
        } finally {
          sub.unsubscribe();
        }
      }));

    it('redelivers an unacked delivery to the next consumer of the group (at-least-once)', () =>
      withBus(async (bus) => {
        const topic = unique('contract-redeliver');
        const groupId = unique('g');
        await bus.publish(topic, messages('k', 'm', 4));
        const deliveries: Delivery[] = [];
        const first: Subscription = bus
          .consume([topic], { groupId, fromBeginning: true, maxBatchSize: 2 })
          .subscribe((d) => deliveries.push(d));
        await until(
          () => deliveries.length === 1,
          () => 'the first delivery',
          patience,
        );
        deliveries[0]!.ack();
        await until(
          () => deliveries.length === 2,
          () => 'the second delivery',
          patience,
        );
        first.unsubscribe(); // the second delivery is never acked
        const acked = deliveries[0]!.messages.map(text);
        const unacked = ['m0', 'm1', 'm2', 'm3'].filter((v) => !acked.includes(v));
        const again = await collect(bus, [topic], groupId, unacked.length);
        assert.deepEqual(again.map(text), unacked);
      }));

    it('resumes a group after its last acked delivery', () =>
      withBus(async (bus) => {
        const topic = unique('contract-resume');
        const groupId = unique('g');
        await bus.publish(topic, messages('k', 'early', 5));
        assert.equal((await collect(bus, [topic], groupId, 5)).length, 5);
        await bus.publish(topic, messages('k', 'late', 5));
        const later = await collect(bus, [topic], groupId, 5);
        assert.deepEqual(later.map(text), ['late0', 'late1', 'late2', 'late3', 'late4']);
      }));

    it('gives each consumer group every message', () =>
      withBus(async (bus) => {
        const topic = unique('contract-groups');
        await bus.publish(topic, [...messages('x', 'x', 10), ...messages('y', 'y', 10)]);
        const [a, b] = await Promise.all([
          collect(bus, [topic], unique('ga'), 20),
          collect(bus, [topic], unique('gb'), 20),
        ]);
        const sorted = (ms: BusMessage[]): string[] => ms.map(text).sort();
        assert.equal(a.length, 20);
        assert.deepEqual(sorted(a), sorted(b));
      }));

    it('reads several topics in one subscription', () =>
      withBus(async (bus) => {
        const [t1, t2] = [unique('contract-multi'), unique('contract-multi')];
        await bus.publish(t1, messages('k', 'one', 3));
        await bus.publish(t2, messages('k', 'two', 3));
        const seen = await collect(bus, [t1, t2], unique('g'), 6);
        assert.deepEqual(seen.map((m) => `${m.topic === t1 ? 't1' : 't2'}:${text(m)}`).sort(), [
          't1:one0',
          't1:one1',
          't1:one2',
          't2:two0',
          't2:two1',
          't2:two2',
        ]);
      }));

    it('completes its consumers and refuses to publish or consume once closed', async () => {
      const bus = await makeBus();
      const topic = unique('contract-close');
      let completed = false;
      bus.consume([topic], { groupId: unique('g') }).subscribe({
        complete: () => (completed = true),
        error: () => undefined,
      });
      await bus.close();
      await until(
        () => completed,
        () => 'the consumer to complete',
        patience,
      );
      await assert.rejects(bus.publish(topic, messages('k', 'm', 1)), (e: unknown) =>
        isLyapError(e, 'LYAP_E_BUS_CLOSED'),
      );
      await assert.rejects(firstValueFrom(bus.consume([topic], { groupId: unique('g') })), (e: unknown) =>
        isLyapError(e, 'LYAP_E_BUS_CLOSED'),
      );
    });
  });
}
