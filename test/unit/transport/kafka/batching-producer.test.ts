import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isLyapError, LyapError } from '../../../../src/errors.js';
import type { OutgoingMessage } from '../../../../src/transport/index.js';
import { BatchingProducer, type TopicBatch } from '../../../../src/transport/kafka/index.js';

const msgs = (prefix: string, n: number, size = 1): OutgoingMessage[] =>
  Array.from({ length: n }, (_, i) => ({ key: 'k', value: `${prefix}${i}`.padEnd(size, '.') }));

/** A fake broker: records each request and answers it when told to. */
function fakeSend(): {
  send: (batches: readonly TopicBatch[]) => Promise<void>;
  requests: TopicBatch[][];
  answer: (error?: Error) => void;
} {
  const requests: TopicBatch[][] = [];
  const pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
  return {
    requests,
    send: (batches) => {
      requests.push([...batches]);
      return new Promise((resolve, reject) => pending.push({ resolve, reject }));
    },
    answer: (error) => {
      const next = pending.shift();
      assert.ok(next !== undefined, 'a request to answer');
      if (error === undefined) next.resolve();
      else next.reject(error);
    },
  };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const values = (batches: TopicBatch[]): string[] =>
  batches.flatMap((b) => b.messages.map((m) => String(m.value)));

describe('transport > kafka > BatchingProducer', () => {
  it('resolves publish only when the brokers acknowledged the request', async () => {
    const broker = fakeSend();
    const producer = new BatchingProducer({ send: broker.send });
    let done = false;
    const published = producer.publish('t', msgs('m', 2)).then(() => (done = true));
    await turn();
    assert.equal(broker.requests.length, 1);
    assert.equal(done, false);
    broker.answer();
    await published;
    assert.equal(producer.bufferedMessages, 0);
  });

  it('sends the calls made while a request is out together in the next one, in call order', async () => {
    const broker = fakeSend();
    const producer = new BatchingProducer({ send: broker.send });
    const first = producer.publish('a', msgs('a', 1));
    await turn();
    const later = [
      producer.publish('a', msgs('b', 2)),
      producer.publish('c', msgs('c', 1)),
      producer.publish('a', msgs('d', 1)),
    ];
    await turn();
    assert.equal(broker.requests.length, 1, 'one request at a time');
    broker.answer();
    await first;
    await turn();
    assert.equal(broker.requests.length, 2);
    assert.deepEqual(
      broker.requests[1]!.map((b) => [b.topic, b.messages.map((m) => String(m.value))]),
      [
        ['a', ['b0', 'b1', 'd0']],
        ['c', ['c0']],
      ],
    );
    broker.answer();
    await Promise.all(later);
  });

  it('splits large calls so no request exceeds maxBatchMessages or maxBatchBytes', async () => {
    const broker = fakeSend();
    const producer = new BatchingProducer({ send: broker.send, maxBatchMessages: 3, maxBatchBytes: 200 });
    const published = producer.publish('t', msgs('m', 7));
    while (broker.requests.length < 3) {
      await turn();
      if (broker.requests.length > 0 && values(broker.requests.flat()).length < 7) broker.answer();
    }
    broker.answer();
    await published;
    assert.deepEqual(
      broker.requests.map((r) => values(r).length),
      [3, 3, 1],
    );
    const big = fakeSend();
    const bytes = new BatchingProducer({ send: big.send, maxBatchBytes: 200 });
    const p2 = bytes.publish('t', msgs('m', 4, 100)); // 132 bytes each with overhead: one per request
    for (let i = 0; i < 4; i++) {
      await turn();
      big.answer();
    }
    await p2;
    assert.deepEqual(
      big.requests.map((r) => values(r).length),
      [1, 1, 1, 1],
    );
  });

  it('makes publish wait while maxBufferedMessages are unacknowledged (bounded buffer), then lets it in', async () => {
    const broker = fakeSend();
    const producer = new BatchingProducer({ send: broker.send, maxBufferedMessages: 5 });
    const first = producer.publish('t', msgs('a', 4));
    let secondIn = false;
    const second = producer.publish('t', msgs('b', 2)).then(() => (secondIn = true));
    await turn();
    await turn();
    assert.equal(producer.bufferedMessages, 4, 'the second call is held back');
    assert.deepEqual(values(broker.requests.flat()), ['a0', 'a1', 'a2', 'a3']);
    broker.answer();
    await first;
    await turn();
    assert.equal(producer.bufferedMessages, 2);
    broker.answer();
    await second;
    assert.ok(secondIn);
  });

  it('takes a call larger than the whole buffer when nothing else is buffered', async () => {
    const broker = fakeSend();
    const producer = new BatchingProducer({ send: broker.send, maxBufferedMessages: 2 });
    const published = producer.publish('t', msgs('m', 5));
    await turn();
    broker.answer();
    await published;
    assert.equal(values(broker.requests.flat()).length, 5);
  });

  it('fails the calls of a failed request and goes on with the next', async () => {
    const broker = fakeSend();
    const producer = new BatchingProducer({ send: broker.send });
    const failed = producer.publish('t', msgs('a', 1));
    await turn();
    const next = producer.publish('t', msgs('b', 1));
    broker.answer(new LyapError('LYAP_E_KAFKA', 'broker gone'));
    await assert.rejects(failed, (e: unknown) => isLyapError(e, 'LYAP_E_KAFKA'));
    await turn();
    broker.answer();
    await next;
    assert.equal(producer.bufferedMessages, 0);
  });

  it('flushes what it accepted and refuses new messages once closed', async () => {
    const broker = fakeSend();
    const producer = new BatchingProducer({ send: broker.send });
    const accepted = producer.publish('t', msgs('m', 3));
    producer.close();
    await assert.rejects(producer.publish('t', msgs('x', 1)), (e: unknown) =>
      isLyapError(e, 'LYAP_E_BUS_CLOSED'),
    );
    let flushed = false;
    const flushing = producer.flush().then(() => (flushed = true));
    await turn();
    assert.equal(flushed, false);
    broker.answer();
    await Promise.all([accepted, flushing]);
    assert.deepEqual(values(broker.requests.flat()), ['m0', 'm1', 'm2']);
  });
});
