import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEFAULT_KAFKA_VERSION, kafkaVersion, POM_FILE } from '../../../scripts/kafka/kafka-paths.js';
import { randomClusterId } from '../../../scripts/kafka/kraft-node.js';
import { serverProperties, type KraftNodeSpec } from '../../../scripts/kafka/server-properties.js';

const node = (nodeId: number): KraftNodeSpec => ({
  nodeId,
  brokerPort: 9000 + nodeId,
  controllerPort: 9100 + nodeId,
  dataDir: `/data/${nodeId}`,
});

const parse = (text: string): Map<string, string> =>
  new Map(
    text
      .trim()
      .split('\n')
      .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
  );

describe('scripts > kafka > server.properties', () => {
  it('makes a single node a standalone broker+controller on loopback with replication factor 1', () => {
    const p = parse(serverProperties({ node: node(1), voters: [node(1)] }));
    assert.equal(p.get('process.roles'), 'broker,controller');
    assert.equal(p.get('controller.quorum.bootstrap.servers'), '127.0.0.1:9101');
    assert.equal(p.has('controller.quorum.voters'), false);
    assert.equal(p.get('listeners'), 'PLAINTEXT://127.0.0.1:9001,CONTROLLER://127.0.0.1:9101');
    assert.equal(p.get('advertised.listeners'), 'PLAINTEXT://127.0.0.1:9001');
    assert.equal(p.get('offsets.topic.replication.factor'), '1');
    assert.equal(p.get('transaction.state.log.min.isr'), '1');
    assert.equal(p.get('group.initial.rebalance.delay.ms'), '0');
    assert.equal(p.get('auto.create.topics.enable'), 'false');
  });

  it('gives three nodes one static voter set, replication factor 3 and min ISR 2 for internal topics', () => {
    const voters = [node(1), node(2), node(3)];
    const p = parse(
      serverProperties({ node: node(2), voters, extra: { 'broker.session.timeout.ms': 4000 } }),
    );
    assert.equal(p.get('node.id'), '2');
    assert.equal(p.get('controller.quorum.voters'), '1@127.0.0.1:9101,2@127.0.0.1:9102,3@127.0.0.1:9103');
    assert.equal(p.has('controller.quorum.bootstrap.servers'), false);
    assert.equal(p.get('log.dirs'), '/data/2');
    assert.equal(p.get('offsets.topic.replication.factor'), '3');
    assert.equal(p.get('transaction.state.log.min.isr'), '2');
    assert.equal(p.get('broker.session.timeout.ms'), '4000');
  });
});

describe('scripts > kafka > versions and ids', () => {
  it('fetches by default the Kafka version the scripts run', () => {
    const pom = readFileSync(POM_FILE, 'utf8');
    assert.equal(/<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1], DEFAULT_KAFKA_VERSION);
    assert.equal(kafkaVersion({}), DEFAULT_KAFKA_VERSION);
    assert.equal(kafkaVersion({ KAFKA_VERSION: '3.9.1' }), '3.9.1');
    assert.throws(() => kafkaVersion({ KAFKA_VERSION: 'latest' }), /x\.y\.z/);
  });

  it('makes cluster ids as StorageTool does: 22 URL-safe base64 characters, never a leading dash', () => {
    for (let i = 0; i < 200; i++) {
      const id = randomClusterId();
      assert.match(id, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
      assert.equal(Buffer.from(id, 'base64url').length, 16);
    }
  });
});
