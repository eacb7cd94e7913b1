import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { shellScript } from '../../../scripts/kafka/acls.js';
import { serverProperties } from '../../../scripts/kafka/server-properties.js';
import { ROLES, roleAcls } from '../../../scripts/kafka/roles.js';
import { FAULT_KINDS, soakSchedule } from '../../../scripts/soak/schedule.js';
import { processorStateTopic, topicNames } from '../../../src/events/index.js';

describe('scripts > kafka > the roles and their ACLs', () => {
  const t = topicNames('p.');
  const writers = (topic: string): string[] =>
    ROLES.filter((role) => roleAcls(role, 'p.').some((r) => r.name === topic && r.operation === 'WRITE'));

  it('lets nobody but the controller write the control topic', () => {
    assert.deepEqual(writers(t.control), ['controller']);
  });

  it('gives each topic the writers of docs/security.md, and every consuming role the dead-letter topic', () => {
    assert.deepEqual(writers(t.gradients), ['trainer']);
    assert.deepEqual(writers(t.estimates), ['processor']);
    assert.deepEqual(writers(t.alerts), ['alerter']);
    assert.deepEqual(writers(processorStateTopic('p.')), ['processor']);
    assert.deepEqual(writers(t.dlq), ['trainer', 'processor', 'controller', 'alerter']);
    assert.deepEqual(writers(t.runs), ['trainer']);
    for (const rule of roleAcls('viewer', 'p.')) assert.equal(rule.operation, 'READ');
  });

  it('ships deploy/kafka/acls.sh as `npm run kafka:acls -- --shell` prints it', () => {
    assert.equal(readFileSync('deploy/kafka/acls.sh', 'utf8'), shellScript());
    const grants = shellScript()
      .split('\n')
      .filter((l) => l.includes('kafka-acls.sh'));
    assert.equal(
      grants.length,
      ROLES.reduce((n, r) => n + roleAcls(r).length, 0),
    );
  });
});

describe('scripts > kafka > secured server.properties', () => {
  it('has SASL_SSL for clients and brokers, mTLS for the controllers, and the StandardAuthorizer', () => {
    const node = { nodeId: 1, brokerPort: 9092, controllerPort: 9093, dataDir: '/d' };
    const text = serverProperties({
      node,
      voters: [node],
      security: {
        dir: '/s',
        caFile: '/s/ca.pem',
        caKeyFile: '/s/ca.key',
        keystoreFile: '/s/broker.p12',
        keystorePassword: 'kp',
        broker: { username: 'broker', password: 'bp' },
        admin: { username: 'admin', password: 'ap' },
        users: {
          trainer: { username: 'trainer', password: 't' },
          processor: { username: 'processor', password: 'p' },
          controller: { username: 'controller', password: 'c' },
          alerter: { username: 'alerter', password: 'a' },
          viewer: { username: 'viewer', password: 'v' },
        },
      },
    });
    const props = new Map(
      text
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    assert.equal(props.get('listeners'), 'SASL_SSL://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093');
    assert.equal(props.get('listener.security.protocol.map'), 'SASL_SSL:SASL_SSL,CONTROLLER:SSL');
    assert.equal(props.get('listener.name.controller.ssl.client.auth'), 'required');
    assert.equal(props.get('sasl.enabled.mechanisms'), 'SCRAM-SHA-512');
    assert.equal(
      props.get('authorizer.class.name'),
      'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    );
    assert.equal(props.get('allow.everyone.if.no.acl.found'), 'false');
    assert.equal(props.get('super.users'), 'User:broker;User:admin;User:CN=lyap-broker');
    assert.ok(!text.includes('PLAINTEXT'));
  });
});

describe('scripts > soak > schedule', () => {
  for (const minutes of [2, 30]) {
    it(`injects every kind of fault within ${minutes} minutes, the rotation in order`, () => {
      const faults = soakSchedule({ minutes });
      const kinds = new Set(faults.map((f) => f.kind));
      for (const kind of FAULT_KINDS) {
        assert.ok(kinds.has(kind), kind);
      }
      const at = (kind: string): number => faults.find((f) => f.kind === kind)?.atMs ?? -1;
      assert.ok(
        at('rotation-trainers') < at('rotation-controller') &&
          at('rotation-controller') < at('rotation-retire'),
      );
      assert.ok(faults.every((f) => f.atMs < minutes * 60_000));
      assert.deepEqual(
        faults.map((f) => f.atMs),
        faults.map((f) => f.atMs).sort((a, b) => a - b),
      );
    });
  }
});
