import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isLyapError } from '../../../../src/errors.js';
import { kafkaConfigFromEnv } from '../../../../src/transport/kafka/index.js';

const rejects = (env: NodeJS.ProcessEnv, variable: string, pattern: RegExp): void => {
  assert.throws(
    () => kafkaConfigFromEnv(env),
    (e: unknown) => {
      assert.ok(isLyapError(e, 'LYAP_E_CONFIG'), 'a LYAP_E_CONFIG error');
      assert.equal(e.retriable, false);
      assert.equal(e.context['variable'], variable);
      assert.match(e.message, pattern);
      return true;
    },
  );
};

describe('transport > kafka > kafkaConfigFromEnv', () => {
  it('reads a comma-separated broker list, trimming blanks, with the default client id and no TLS or SASL', () => {
    const config = kafkaConfigFromEnv({ KAFKA_BROKERS: ' k1:9092, 10.0.0.2:19092 ,[::1]:9093,' });
    assert.deepEqual(config, { brokers: ['k1:9092', '10.0.0.2:19092', '[::1]:9093'], clientId: 'lyap' });
    assert.ok(Object.isFrozen(config));
  });

  it('requires KAFKA_BROKERS and checks every host:port', () => {
    rejects({}, 'KAFKA_BROKERS', /is not set/);
    rejects({ KAFKA_BROKERS: ' , ' }, 'KAFKA_BROKERS', /is empty/);
    rejects({ KAFKA_BROKERS: 'k1' }, 'KAFKA_BROKERS', /"k1".*host:port/);
    rejects({ KAFKA_BROKERS: 'k1:9092,k2:70000' }, 'KAFKA_BROKERS', /"k2:70000"/);
    rejects({ KAFKA_BROKERS: 'http://k1:9092' }, 'KAFKA_BROKERS', /host:port/);
  });

  it('takes SASL PLAIN and SCRAM with a user name and password, case-insensitively', () => {
    for (const [given, mechanism] of [
      ['PLAIN', 'plain'],
      ['scram-sha-256', 'scram-sha-256'],
      ['SCRAM-SHA-512', 'scram-sha-512'],
    ] as const) {
      const config = kafkaConfigFromEnv({
        KAFKA_BROKERS: 'k:9092',
        KAFKA_SASL_MECHANISM: given,
        KAFKA_SASL_USERNAME: 'alice',
        KAFKA_SASL_PASSWORD: 's3cret',
      });
      assert.deepEqual(config.sasl, { mechanism, username: 'alice', password: 's3cret' });
    }
  });

  it('refuses an unknown SASL mechanism, a missing credential, or credentials without a mechanism', () => {
    const base = { KAFKA_BROKERS: 'k:9092' };
    rejects({ ...base, KAFKA_SASL_MECHANISM: 'gssapi' }, 'KAFKA_SASL_MECHANISM', /expected one of plain/);
    rejects(
      { ...base, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: 'p' },
      'KAFKA_SASL_USERNAME',
      /required/,
    );
    rejects(
      { ...base, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' },
      'KAFKA_SASL_PASSWORD',
      /required/,
    );
    rejects(
      { ...base, KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' },
      'KAFKA_SASL_MECHANISM',
      /not set/,
    );
  });

  it('reads the SASL password from KAFKA_SASL_PASSWORD_FILE (a mounted secret), not from both', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lyap-sasl-'));
    try {
      const file = join(dir, 'password');
      writeFileSync(file, 's3cret\n');
      const base = {
        KAFKA_BROKERS: 'k:9092',
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'u',
      };
      assert.equal(kafkaConfigFromEnv({ ...base, KAFKA_SASL_PASSWORD_FILE: file }).sasl?.password, 's3cret');
      rejects(
        { ...base, KAFKA_SASL_PASSWORD_FILE: file, KAFKA_SASL_PASSWORD: 'p' },
        'KAFKA_SASL_PASSWORD_FILE',
        /set one/,
      );
      rejects(
        { ...base, KAFKA_SASL_PASSWORD_FILE: join(dir, 'absent') },
        'KAFKA_SASL_PASSWORD_FILE',
        /cannot be read/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never puts the SASL password in an error message', () => {
    try {
      kafkaConfigFromEnv({
        KAFKA_BROKERS: 'k',
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_PASSWORD: 'hunter2',
      });
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(isLyapError(e, 'LYAP_E_CONFIG') && /KAFKA_SASL_USERNAME/.test(e.message));
      assert.ok(!e.message.includes('hunter2') && !JSON.stringify(e.context).includes('hunter2'));
    }
  });

  it('turns TLS on with KAFKA_SSL=true or any TLS file, verifying the server by default', () => {
    assert.deepEqual(kafkaConfigFromEnv({ KAFKA_BROKERS: 'k:9093', KAFKA_SSL: 'true' }).tls, {
      rejectUnauthorized: true,
    });
    assert.deepEqual(kafkaConfigFromEnv({ KAFKA_BROKERS: 'k:9093', KAFKA_SSL_CA_FILE: '/ca.pem' }).tls, {
      rejectUnauthorized: true,
      caFile: '/ca.pem',
    });
    assert.deepEqual(
      kafkaConfigFromEnv({
        KAFKA_BROKERS: 'k:9093',
        KAFKA_SSL: 'yes',
        KAFKA_SSL_CERT_FILE: '/c.pem',
        KAFKA_SSL_KEY_FILE: '/k.pem',
        KAFKA_SSL_REJECT_UNAUTHORIZED: 'false',
      }).tls,
      { rejectUnauthorized: false, certFile: '/c.pem', keyFile: '/k.pem' },
    );
    assert.equal(kafkaConfigFromEnv({ KAFKA_BROKERS: 'k:9092', KAFKA_SSL: '0' }).tls, undefined);
  });

  it('refuses contradictory or half TLS settings', () => {
    const base = { KAFKA_BROKERS: 'k:9093' };
    rejects({ ...base, KAFKA_SSL: 'maybe' }, 'KAFKA_SSL', /expected true or false/);
    rejects({ ...base, KAFKA_SSL: 'false', KAFKA_SSL_CA_FILE: '/ca.pem' }, 'KAFKA_SSL', /files/);
    rejects({ ...base, KAFKA_SSL_CERT_FILE: '/c.pem' }, 'KAFKA_SSL_KEY_FILE', /both/);
    rejects({ ...base, KAFKA_SSL: 'true', KAFKA_SSL_KEY_FILE: '/k.pem' }, 'KAFKA_SSL_CERT_FILE', /both/);
    rejects(
      { ...base, KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' },
      'KAFKA_SSL_REJECT_UNAUTHORIZED',
      /TLS is off/,
    );
  });

  it('takes a client id of Kafka-safe characters', () => {
    assert.equal(
      kafkaConfigFromEnv({ KAFKA_BROKERS: 'k:1', KAFKA_CLIENT_ID: 'proc-1.a_b' }).clientId,
      'proc-1.a_b',
    );
    rejects({ KAFKA_BROKERS: 'k:1', KAFKA_CLIENT_ID: 'has space' }, 'KAFKA_CLIENT_ID', /A-Za-z0-9/);
  });
});
