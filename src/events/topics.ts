import type { EventType } from './event.js';

export const DEFAULT_TOPIC_PREFIX = 'lyap.';
export const MAX_TOPIC_PREFIX_LENGTH = 200;

export interface TopicNames {
  readonly runs: string;
  readonly gradients: string;
  readonly trajectory: string;
  readonly estimates: string;
  readonly control: string;
  readonly alerts: string;
  readonly dlq: string;
}

export const TOPIC_BY_TYPE = {
  run: 'runs',
  gradient: 'gradients',
  trajectory: 'trajectory',
  estimate: 'estimates',
  'lr-command': 'control',
  alert: 'alerts',
  'dead-letter': 'dlq',
} as const satisfies { [T in EventType]: keyof TopicNames };

export function topicNames(prefix: string = DEFAULT_TOPIC_PREFIX): TopicNames {
  if (prefix.length > MAX_TOPIC_PREFIX_LENGTH || !/^[A-Za-z0-9._-]*$/.test(prefix)) {
    throw new RangeError(
      `topic prefix ${JSON.stringify(prefix.slice(0, 40))} is invalid: expected at most ${MAX_TOPIC_PREFIX_LENGTH} characters of [A-Za-z0-9._-]`,
    );
  }
  return Object.freeze({
    runs: `${prefix}runs`,
    gradients: `${prefix}gradients`,
    trajectory: `${prefix}trajectory`,
    estimates: `${prefix}estimates`,
    control: `${prefix}control`,
    alerts: `${prefix}alerts`,
    dlq: `${prefix}dlq`,
  });
}

export function topicForType(type: EventType, topics: TopicNames): string {
  return topics[TOPIC_BY_TYPE[type]];
}

/**
 * The processors' own state topic under a prefix (compacted, keyed by run id): snapshots of
 * each live run's window state, from which a processor that takes over a run (restart,
 * rebalance) continues exactly. Not one of docs/design.md's event topics: its records are not v1 events.
 */
export function processorStateTopic(prefix: string = DEFAULT_TOPIC_PREFIX): string {
  topicNames(prefix); // validates the prefix
  return `${prefix}processor-state`;
}
