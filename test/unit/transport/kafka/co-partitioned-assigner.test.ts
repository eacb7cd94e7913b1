import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { coPartitionedAssignment } from '../../../../src/transport/kafka/co-partitioned-assigner.js';

const TOPICS = ['p.runs', 'p.gradients', 'p.trajectory'];
const partitions = (n: number): Map<string, number[]> =>
  new Map(TOPICS.map((t) => [t, Array.from({ length: n }, (_, i) => i)]));

/** The member holding partition `p` of `topic`. */
function holder(assignment: Map<string, Record<string, number[]>>, topic: string, p: number): string[] {
  return [...assignment].filter(([, a]) => a[topic]?.includes(p) === true).map(([m]) => m);
}

describe('transport > kafka > coPartitionedAssignment', () => {
  for (const [members, count] of [
    [2, 3],
    [3, 4],
    [5, 12],
    [7, 12],
    [13, 12],
  ] as const) {
    it(`gives partition k of every topic to one member (${members} members, ${count} partitions)`, () => {
      const ids = Array.from({ length: members }, (_, i) => `member-${String.fromCharCode(97 + i)}`);
      const assignment = coPartitionedAssignment(ids, partitions(count));
      for (let p = 0; p < count; p++) {
        const owners = TOPICS.map((t) => holder(assignment, t, p));
        for (const o of owners) assert.equal(o.length, 1, `partition ${p} has one owner per topic`);
        assert.equal(new Set(owners.map((o) => o[0])).size, 1, `partition ${p}: same owner on every topic`);
      }
      // Balanced: partition numbers per member differ by at most one.
      const held = [...assignment.values()].map((a) => a['p.runs']?.length ?? 0);
      assert.ok(Math.max(...held) - Math.min(...held) <= 1, `balanced: ${held.join(',')}`);
    });
  }

  it('is the same whatever order the members come in', () => {
    const a = coPartitionedAssignment(['m2', 'm1', 'm3'], partitions(12));
    const b = coPartitionedAssignment(['m3', 'm1', 'm2'], partitions(12));
    assert.deepEqual([...a].sort(), [...b].sort());
  });
});
