import { LyapError } from '../../errors.js';
import { DEFAULT_TOPIC_PREFIX, processorStateTopic, topicNames } from '../../events/topics.js';

/** How the transport creates the topics it uses (existing topics are left as they are). */
export interface TopicSettings {
  readonly partitions: number;
  readonly replicationFactor: number;
  /** `retention.ms` of the event topics; the runs topic is compacted instead. */
  readonly retentionMs: number;
  /** `min.insync.replicas`; unset: the broker's default. */
  readonly minInsyncReplicas?: number;
  /** Prefix of the docs/design.md topics (`lyap.`): its `runs` topic is created compacted. */
  readonly topicPrefix: string;
}

export const DEFAULT_TOPIC_SETTINGS: Readonly<TopicSettings> = Object.freeze({
  partitions: 12,
  replicationFactor: 1,
  retentionMs: 7 * 24 * 3600 * 1000,
  topicPrefix: DEFAULT_TOPIC_PREFIX,
});

export interface TopicSpec {
  readonly topic: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
  readonly configEntries: readonly { readonly name: string; readonly value: string }[];
}

export function resolveTopicSettings(input: Partial<TopicSettings> = {}): Readonly<TopicSettings> {
  const settings = { ...DEFAULT_TOPIC_SETTINGS, ...input };
  const positive = (name: keyof TopicSettings, value: number | undefined): void => {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw new LyapError('LYAP_E_CONFIG', `topic setting ${name} is ${value}: expected a positive integer`);
    }
  };
  positive('partitions', settings.partitions);
  positive('replicationFactor', settings.replicationFactor);
  positive('retentionMs', settings.retentionMs);
  positive('minInsyncReplicas', settings.minInsyncReplicas);
  if (settings.minInsyncReplicas !== undefined && settings.minInsyncReplicas > settings.replicationFactor) {
    throw new LyapError(
      'LYAP_E_CONFIG',
      `min.insync.replicas ${settings.minInsyncReplicas} exceeds the replication factor ${settings.replicationFactor}: every write would fail`,
    );
  }
  topicNames(settings.topicPrefix);
  return Object.freeze(settings);
}

/**
 * The spec of one topic: the runs topic of the prefix is compacted (the latest `run`
 * event per run id survives), every other topic is deleted by time (`retention.ms`).
 * The processors' state topic is compacted and deleted by time (a snapshot per live run
 * survives; runs silent for `retention.ms` go), with one-minute segments so that
 * compaction keeps up with a snapshot per run per batch.
 */
export function topicSpec(topic: string, settings: Readonly<TopicSettings>): TopicSpec {
  if (topic === processorStateTopic(settings.topicPrefix)) {
    return {
      topic,
      numPartitions: settings.partitions,
      replicationFactor: settings.replicationFactor,
      configEntries: [
        { name: 'cleanup.policy', value: 'compact,delete' },
        { name: 'retention.ms', value: String(settings.retentionMs) },
        { name: 'segment.ms', value: '60000' },
        { name: 'min.cleanable.dirty.ratio', value: '0.1' },
        ...(settings.minInsyncReplicas === undefined
          ? []
          : [{ name: 'min.insync.replicas', value: String(settings.minInsyncReplicas) }]),
      ],
    };
  }
  const compacted = topic === topicNames(settings.topicPrefix).runs;
  const configEntries = [
    compacted ? { name: 'cleanup.policy', value: 'compact' } : { name: 'cleanup.policy', value: 'delete' },
    ...(compacted ? [] : [{ name: 'retention.ms', value: String(settings.retentionMs) }]),
    ...(settings.minInsyncReplicas === undefined
      ? []
      : [{ name: 'min.insync.replicas', value: String(settings.minInsyncReplicas) }]),
  ];
  return {
    topic,
    numPartitions: settings.partitions,
    replicationFactor: settings.replicationFactor,
    configEntries,
  };
}

/** The seven topics of docs/design.md under the prefix. */
export function designTopicSpecs(settings: Readonly<TopicSettings>): TopicSpec[] {
  const t = topicNames(settings.topicPrefix);
  return [t.runs, t.gradients, t.trajectory, t.estimates, t.control, t.alerts, t.dlq].map((topic) =>
    topicSpec(topic, settings),
  );
}
