import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isLyapError } from '../../../../src/errors.js';
import {
  sendAcknowledged,
  type PartitionAck,
  type PartitionedMessage,
} from '../../../../src/transport/kafka/acknowledged-send.js';

const message = (partition: number, value: string): PartitionedMessage => ({
  topic: 't',
  partition,
  key: 'k',
  value,
});
const ack = (partition: number, errorCode = 0): PartitionAck => ({ topicName: 't', partition, errorCode });

describe('transport > kafka > sendAcknowledged', () => {
  it('sends again, and only, the partitions a produce call resolved without acknowledging (kafkajs #1303)', async () => {
    const calls: string[][] = [];
    const missing: string[][] = [];
    await sendAcknowledged({
      messages: [message(0, 'a'), message(1, 'b'), message(1, 'c'), message(2, 'd')],
      send: (pending) => {
        calls.push(pending.map((m) => String(m.value)));
        // First call: partition 1's leader died and kafkajs dropped it; partition 2 failed with an error code.
        return Promise.resolve(
          calls.length === 1 ? [ack(0), ack(2, 6)] : pending.map((m) => ack(m.partition)),
        );
      },
      onUnacknowledged: (partitions) => missing.push([...partitions]),
    });
    assert.deepEqual(calls, [
      ['a', 'b', 'c', 'd'],
      ['b', 'c', 'd'],
    ]);
    assert.deepEqual(missing, [['t[1]', 't[2]']]);
  });

  it('fails, retriable, after maxAttempts calls that leave a partition unacknowledged', async () => {
    let calls = 0;
    await assert.rejects(
      sendAcknowledged({
        messages: [message(3, 'x')],
        maxAttempts: 3,
        send: () => {
          calls++;
          return Promise.resolve([]);
        },
      }),
      (e: unknown) =>
        isLyapError(e, 'LYAP_E_KAFKA') && e.retriable && /t\[3\] not acknowledged after 3/.test(e.message),
    );
    assert.equal(calls, 3);
  });

  it('passes a failed call on as it is', async () => {
    const failure = new Error('broker gone');
    await assert.rejects(
      sendAcknowledged({ messages: [message(0, 'a')], send: () => Promise.reject(failure) }),
      failure,
    );
  });
});
