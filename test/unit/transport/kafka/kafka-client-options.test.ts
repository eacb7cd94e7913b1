import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { isLyapError } from '../../../../src/errors.js';
import { kafkaClientOptions, type LogRecord } from '../../../../src/transport/kafka/index.js';

describe('transport > kafka > kafkaClientOptions', () => {
  it('reads the TLS files and passes SASL through', () => {
    const read: string[] = [];
    const options = kafkaClientOptions({
      config: {
        brokers: ['k:9093'],
        clientId: 'c',
        sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
        tls: { caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/k.pem', rejectUnauthorized: true },
      },
      logger: () => undefined,
      readFile: (path) => {
        read.push(path);
        return Buffer.from(`contents of ${path}`);
      },
    });
    assert.deepEqual(read, ['/ca.pem', '/c.pem', '/k.pem']);
    assert.deepEqual(options.brokers, ['k:9093']);
    assert.deepEqual(options.sasl, { mechanism: 'scram-sha-512', username: 'u', password: 'p' });
    const ssl = options.ssl as { ca: Buffer[]; cert: Buffer; key: Buffer; rejectUnauthorized: boolean };
    assert.equal(ssl.rejectUnauthorized, true);
    assert.equal(ssl.ca[0]?.toString(), 'contents of /ca.pem');
    assert.equal(ssl.key.toString(), 'contents of /k.pem');
  });

  it('names the variable of a TLS file it cannot read', () => {
    assert.throws(
      () =>
        kafkaClientOptions({
          config: {
            brokers: ['k:9093'],
            clientId: 'c',
            tls: { caFile: '/nope.pem', rejectUnauthorized: true },
          },
          logger: () => undefined,
          readFile: () => {
            throw new Error('ENOENT');
          },
        }),
      (e: unknown) => isLyapError(e, 'LYAP_E_CONFIG') && /KAFKA_SSL_CA_FILE \/nope.pem/.test(e.message),
    );
  });

  it('routes kafkajs log lines to the injected logger, without kafkajs timestamp and logger fields', () => {
    const records: LogRecord[] = [];
    const options = kafkaClientOptions({
      config: { brokers: ['k:1'], clientId: 'c' },
      logger: (r) => records.push(r),
    });
    const log = options.logCreator?.(kafkajs.logLevel.INFO);
    log?.({
      namespace: 'Consumer',
      level: kafkajs.logLevel.WARN,
      label: 'WARN',
      log: { timestamp: 'now', logger: 'kafkajs', message: 'rebalancing', groupId: 'g' },
    });
    assert.deepEqual(records, [
      { level: 'warn', namespace: 'kafkajs.Consumer', message: 'rebalancing', fields: { groupId: 'g' } },
    ]);
  });
});
