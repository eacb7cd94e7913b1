import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chunksOf, nextOffset, toBusMessage } from '../../../../src/transport/kafka/kafka-message.js';

describe('transport > kafka > messages', () => {
  it('hands a record on with its key as text and a tombstone as an empty value', () => {
    const record = {
      key: Buffer.from('run-1'),
      value: null,
      timestamp: '1700000000000',
      attributes: 0,
      offset: '41',
      headers: {},
    };
    const message = toBusMessage('t', 3, record);
    assert.deepEqual(
      { ...message, value: [...(message.value as Uint8Array)] },
      { topic: 't', partition: 3, offset: '41', key: 'run-1', value: [], timestampMs: 1_700_000_000_000 },
    );
    assert.equal('key' in toBusMessage('t', 0, { ...record, key: null }), false);
  });

  it('commits the offset after the last one processed, beyond 2^53', () => {
    assert.equal(nextOffset('0'), '1');
    assert.equal(nextOffset('9007199254740993'), '9007199254740994');
  });

  it('cuts a batch into deliveries of at most maxBatchSize', () => {
    assert.deepEqual(chunksOf([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
    assert.deepEqual(chunksOf([], 2), []);
  });
});
