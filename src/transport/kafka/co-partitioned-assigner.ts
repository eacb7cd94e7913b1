import kafkajs, { type PartitionAssigner } from 'kafkajs';

/** Partition numbers per topic, for one member of the group. */
export type TopicAssignment = Record<string, number[]>;

/**
 * Partition k of every topic goes to the same member: the members sorted by id take the
 * partition numbers in turn (k modulo the member count). A run's events are keyed by its id,
 * so they are on the same partition number of each input topic (same partition count,
 * murmur2 of the key) and co-partitioning puts a run's gradients and trajectories in one
 * processor for any number of processors. kafkajs's round-robin deals topic-partitions in
 * turn across topics, which keeps this only when the member count divides the partition count.
 */
export function coPartitionedAssignment(
  memberIds: readonly string[],
  partitionsByTopic: ReadonlyMap<string, readonly number[]>,
): Map<string, TopicAssignment> {
  const members = [...memberIds].sort();
  const out = new Map<string, TopicAssignment>(members.map((m) => [m, {}]));
  for (const [topic, partitions] of partitionsByTopic) {
    for (const partition of partitions) {
      const assignment = out.get(members[partition % members.length] ?? '');
      if (assignment !== undefined) (assignment[topic] ??= []).push(partition);
    }
  }
  return out;
}

const { AssignerProtocol } = kafkajs;

/** `coPartitionedAssignment` as a kafkajs assigner (the group leader runs it). */
export const coPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: 'LyapCoPartitioned',
  version: 0,
  assign: ({ members, topics }) => {
    const partitionsByTopic = new Map(
      topics.map((topic) => [topic, cluster.findTopicPartitionMetadata(topic).map((m) => m.partitionId)]),
    );
    const assignment = coPartitionedAssignment(
      members.map((m) => m.memberId),
      partitionsByTopic,
    );
    return Promise.resolve(
      [...assignment].map(([memberId, topicPartitions]) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 0,
          assignment: topicPartitions,
          userData: Buffer.alloc(0),
        }),
      })),
    );
  },
  protocol: ({ topics }) => ({
    name: 'LyapCoPartitioned',
    metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
  }),
});
