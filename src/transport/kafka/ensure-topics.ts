import type { Admin } from 'kafkajs';
import { kafkaError } from './kafka-errors.js';
import type { BusLogger } from './kafka-logger.js';
import type { TopicSpec } from './topic-specs.js';

export interface EnsureTopicsReport {
  readonly created: readonly string[];
  readonly existing: readonly string[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type TopicMetadata = Awaited<ReturnType<Admin['fetchTopicMetadata']>>['topics'];

/** The topics' metadata, or undefined while a just-created topic is not known everywhere yet. */
async function fetchMetadata(admin: Admin, names: string[]): Promise<TopicMetadata | undefined> {
  try {
    return (await admin.fetchTopicMetadata({ topics: names })).topics;
  } catch (error) {
    const e = error as { retriable?: unknown; type?: unknown };
    if (e.retriable === true || e.type === 'UNKNOWN_TOPIC_OR_PARTITION') return undefined;
    throw error;
  }
}

/**
 * Creates the topics of `specs` that do not exist (a concurrent creator is fine), then
 * waits until every partition of every one has a leader. Existing topics are not
 * altered: one with fewer partitions than its spec is reported as a warning, since
 * adding partitions would move keys (runs) to other partitions.
 */
export async function ensureTopics(options: {
  admin: Admin;
  specs: readonly TopicSpec[];
  logger: BusLogger;
  timeoutMs?: number;
}): Promise<EnsureTopicsReport> {
  const { admin, specs, logger } = options;
  if (specs.length === 0) return { created: [], existing: [] };
  const names = specs.map((s) => s.topic);
  let doing = `creating topics ${names.join(', ')}`;
  try {
    const present = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !present.has(s.topic));
    if (missing.length > 0) {
      // With ACLs, a topic this user has no rights on is not listed either.
      doing = `${missing.map((s) => s.topic).join(', ')}: not visible to this Kafka user, so creating ${missing.length === 1 ? 'it' : 'them'}`;
      await admin.createTopics({
        waitForLeaders: false,
        topics: missing.map((s) => ({
          topic: s.topic,
          numPartitions: s.numPartitions,
          replicationFactor: s.replicationFactor,
          configEntries: s.configEntries.map((e) => ({ name: e.name, value: e.value })),
        })),
      });
    }
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
      const topics = await fetchMetadata(admin, names);
      const leaderless =
        topics === undefined
          ? names
          : topics
              .filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0))
              .map((t) => t.name);
      if (topics !== undefined && leaderless.length === 0) {
        for (const t of topics) {
          const spec = specs.find((s) => s.topic === t.name);
          if (spec !== undefined && t.partitions.length < spec.numPartitions) {
            logger({
              level: 'warn',
              namespace: 'lyap.kafka',
              message: `topic ${t.name} has ${t.partitions.length} partitions, fewer than the ${spec.numPartitions} configured; left as it is`,
              fields: { topic: t.name },
            });
          }
        }
        break;
      }
      if (Date.now() > deadline) {
        throw new Error(`no leader yet for ${leaderless.join(', ')}`);
      }
      await sleep(100);
    }
    const created = missing.map((s) => s.topic);
    if (created.length > 0) {
      logger({
        level: 'info',
        namespace: 'lyap.kafka',
        message: `created topics ${created.join(', ')}`,
        fields: {},
      });
    }
    return { created, existing: names.filter((n) => present.has(n)) };
  } catch (error) {
    throw kafkaError(doing, error);
  }
}
