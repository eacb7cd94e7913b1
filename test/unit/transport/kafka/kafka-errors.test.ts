import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { LyapError } from '../../../../src/errors.js';
import { kafkaError } from '../../../../src/transport/kafka/kafka-errors.js';

/** A broker error as kafkajs builds it from an error code (its typings only admit Error | string). */
const protocolError = (e: { type: string; code: number; retriable: boolean; message: string }): Error =>
  new kafkajs.KafkaJSProtocolError(e as unknown as Error);

describe('transport > kafka > kafkaError', () => {
  it('marks network trouble and retriable broker errors LYAP_E_KAFKA (retriable), keeping the cause', () => {
    const cause = new kafkajs.KafkaJSConnectionError('Connection error: connect ECONNREFUSED');
    const e = kafkaError('publishing to lyap.gradients', cause);
    assert.equal(e.code, 'LYAP_E_KAFKA');
    assert.equal(e.retriable, true);
    assert.equal(e.cause, cause);
    assert.match(e.message, /^publishing to lyap.gradients: Connection error/);
    const leader = protocolError({
      type: 'LEADER_NOT_AVAILABLE',
      code: 5,
      retriable: true,
      message: 'x',
    });
    assert.equal(kafkaError('x', leader).code, 'LYAP_E_KAFKA');
  });

  it('marks refusals LYAP_E_KAFKA_REJECTED (not retriable) with the Kafka error code', () => {
    const tooLarge = protocolError({
      type: 'MESSAGE_TOO_LARGE',
      code: 10,
      retriable: false,
      message: 'The request included a message larger than the max message size the server will accept',
    });
    const e = kafkaError('publishing', tooLarge);
    assert.equal(e.code, 'LYAP_E_KAFKA_REJECTED');
    assert.equal(e.retriable, false);
    assert.equal(e.context['kafkaErrorCode'], 'MESSAGE_TOO_LARGE');
  });

  it('passes a LyapError through unchanged', () => {
    const original = new LyapError('LYAP_E_BUS_CLOSED', 'closed');
    assert.equal(kafkaError('x', original), original);
  });
});
