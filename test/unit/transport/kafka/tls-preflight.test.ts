import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PeerCertificate } from 'node:tls';
import kafkajs from 'kafkajs';
import { kafkaError } from '../../../../src/transport/kafka/kafka-errors.js';
import { levelOf } from '../../../../src/transport/kafka/json-lines-logger.js';
import { certificateProblem } from '../../../../src/transport/kafka/tls-preflight.js';

const cert = (fields: Partial<PeerCertificate>): PeerCertificate =>
  ({
    valid_from: 'Jan  1 00:00:00 2020 GMT',
    valid_to: 'Feb  1 00:00:00 2020 GMT',
    issuer: { CN: 'lyap ca' },
    subject: { CN: 'b' },
    ...fields,
  }) as PeerCertificate;

describe('transport > kafka > TLS preflight', () => {
  it('names the cause: expired, not yet valid, untrusted issuer, another host', () => {
    assert.match(
      certificateProblem('127.0.0.1', cert({}), 'CERT_HAS_EXPIRED')?.why ?? '',
      /expired on Feb {2}1 00:00:00 2020 GMT/,
    );
    assert.match(
      certificateProblem('127.0.0.1', cert({}), 'CERT_NOT_YET_VALID')?.why ?? '',
      /not valid before/,
    );
    assert.match(
      certificateProblem('127.0.0.1', cert({}), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')?.why ?? '',
      /issued by CN=lyap ca\) is not signed by a CA this client trusts/,
    );
    const elsewhere = certificateProblem(
      '127.0.0.1',
      cert({ subjectaltname: 'DNS:kafka.example' }),
      'ERR_TLS_CERT_ALTNAME_INVALID',
    );
    assert.deepEqual(elsewhere, {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      why: "the broker's certificate is for DNS:kafka.example, not 127.0.0.1",
    });
    assert.equal(
      certificateProblem('127.0.0.1', cert({ subjectaltname: 'IP Address:127.0.0.1' }), undefined),
      undefined,
    );
  });
});

describe('transport > kafka > refusals', () => {
  const protocolError = (type: string, code: number, topic?: string): Error =>
    Object.assign(
      new kafkajs.KafkaJSProtocolError({
        type,
        code,
        retriable: false,
        message: 'Not authorized',
      } as unknown as Error),
      topic === undefined ? {} : { topic },
    );

  it('codes an ACL refusal LYAP_E_KAFKA_DENIED naming the topic, also inside an aggregate', () => {
    const aggregate = Object.assign(new Error('Topic creation errors'), {
      name: 'KafkaJSAggregateError',
      errors: [protocolError('TOPIC_AUTHORIZATION_FAILED', 29, 'lyap.control')],
    });
    const e = kafkaError('x', aggregate);
    assert.equal(e.code, 'LYAP_E_KAFKA_DENIED');
    assert.match(e.message, /not authorized for topic lyap\.control \(TOPIC_AUTHORIZATION_FAILED\)/);
    assert.equal(
      kafkaError('y', protocolError('GROUP_AUTHORIZATION_FAILED', 30)).code,
      'LYAP_E_KAFKA_DENIED',
    );
  });

  it('codes a SASL failure LYAP_E_KAFKA_AUTH, and keeps kafkajs records of refusals out of the error lines', () => {
    // As kafkajs's SCRAM authenticator throws it (its typings give the class no constructor arguments).
    const sasl = Object.assign(new Error('SASL SCRAM SHA512 authentication failed: invalid credentials'), {
      name: 'KafkaJSSASLAuthenticationError',
      retriable: false,
    });
    assert.equal(kafkaError('connecting', sasl).code, 'LYAP_E_KAFKA_AUTH');
    for (const message of [
      'SASL SCRAM SHA512 authentication failed: x',
      'Crash: KafkaJSGroupCoordinatorNotFound: Failed to find group coordinator',
    ]) {
      assert.equal(levelOf({ level: 'error', namespace: 'kafkajs', message, fields: {} }), 'debug', message);
    }
    assert.equal(
      levelOf({ level: 'error', namespace: 'kafkajs', message: 'disk full', fields: {} }),
      'error',
    );
  });
});
