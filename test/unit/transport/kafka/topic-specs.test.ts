import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isLyapError } from '../../../../src/errors.js';
import { designTopicSpecs, resolveTopicSettings, topicSpec } from '../../../../src/transport/kafka/index.js';

describe('transport > kafka > topic specs', () => {
  it('gives the seven docs/design.md topics 12 partitions by default, the runs topic compacted', () => {
    const specs = designTopicSpecs(resolveTopicSettings());
    assert.deepEqual(
      specs.map((s) => s.topic),
      [
        'lyap.runs',
        'lyap.gradients',
        'lyap.trajectory',
        'lyap.estimates',
        'lyap.control',
        'lyap.alerts',
        'lyap.dlq',
      ],
    );
    for (const s of specs) assert.equal(s.numPartitions, 12);
    assert.deepEqual(specs[0]?.configEntries, [{ name: 'cleanup.policy', value: 'compact' }]);
    assert.deepEqual(specs[1]?.configEntries, [
      { name: 'cleanup.policy', value: 'delete' },
      { name: 'retention.ms', value: String(7 * 24 * 3600 * 1000) },
    ]);
  });

  it('applies the prefix, replication factor and min.insync.replicas', () => {
    const settings = resolveTopicSettings({
      topicPrefix: 'x.',
      partitions: 3,
      replicationFactor: 3,
      minInsyncReplicas: 2,
    });
    const runs = topicSpec('x.runs', settings);
    assert.equal(runs.replicationFactor, 3);
    assert.deepEqual(runs.configEntries, [
      { name: 'cleanup.policy', value: 'compact' },
      { name: 'min.insync.replicas', value: '2' },
    ]);
    assert.equal(
      topicSpec('lyap.runs', settings).configEntries[0]?.value,
      'delete',
      'another prefix is not compacted',
    );
  });

  it('refuses settings no cluster could honour', () => {
    const bad = (input: Parameters<typeof resolveTopicSettings>[0], pattern: RegExp): void => {
      assert.throws(
        () => resolveTopicSettings(input),
        (e: unknown) => isLyapError(e, 'LYAP_E_CONFIG') && pattern.test(e.message),
      );
    };
    bad({ partitions: 0 }, /partitions is 0/);
    bad({ replicationFactor: 1.5 }, /replicationFactor/);
    bad({ replicationFactor: 2, minInsyncReplicas: 3 }, /exceeds the replication factor/);
    assert.throws(() => resolveTopicSettings({ topicPrefix: 'bad prefix' }), RangeError);
  });
});
