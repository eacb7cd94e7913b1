import { processorStateTopic, topicNames } from '../../src/events/topics.js';

/** The pipeline's roles, each a SCRAM user of its own (docs/security.md). */
export const ROLES = ['trainer', 'processor', 'controller', 'alerter', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Users the secured broker creates at format time: the roles, `admin` (a super user) and `broker`. */
export const ADMIN_USER = 'admin';
export const BROKER_USER = 'broker';

export type AclOperation = 'READ' | 'WRITE';

/** One allow rule: `operation` on a topic or a consumer group, by exact name or by prefix. */
export interface AclRule {
  readonly resource: 'topic' | 'group';
  readonly pattern: 'literal' | 'prefixed';
  readonly name: string;
  readonly operation: AclOperation;
}

const topic = (name: string, operation: AclOperation): AclRule => ({
  resource: 'topic',
  pattern: 'literal',
  name,
  operation,
});
const groupPrefix = (name: string): AclRule => ({
  resource: 'group',
  pattern: 'prefixed',
  name,
  operation: 'READ',
});

/**
 * What each role may do under a topic prefix: the only grants there are (the broker's
 * StandardAuthorizer denies everything else; READ and WRITE imply DESCRIBE). Every role that
 * consumes also writes the dead-letter topic, where its stage puts what does not decode.
 * Only `controller` writes the control topic. Groups are prefixes: a role's replicas and its
 * helpers (`lyap-processor-commands`, the `lyap-read-…` groups of state restores) share them.
 */
export function roleAcls(role: Role, prefix = 'lyap.'): AclRule[] {
  const t = topicNames(prefix);
  const state = processorStateTopic(prefix);
  const reads = groupPrefix('lyap-read-');
  switch (role) {
    case 'trainer':
      return [
        topic(t.runs, 'WRITE'),
        topic(t.gradients, 'WRITE'),
        topic(t.trajectory, 'WRITE'),
        topic(t.dlq, 'WRITE'),
        topic(t.control, 'READ'),
        groupPrefix('lyap-trainer-'),
      ];
    case 'processor':
      return [
        topic(t.runs, 'READ'),
        topic(t.gradients, 'READ'),
        topic(t.trajectory, 'READ'),
        topic(t.control, 'READ'),
        topic(state, 'READ'),
        topic(t.estimates, 'WRITE'),
        topic(t.dlq, 'WRITE'),
        topic(state, 'WRITE'),
        groupPrefix('lyap-processor'),
        reads,
      ];
    case 'controller':
      return [
        topic(t.estimates, 'READ'),
        topic(t.control, 'WRITE'),
        topic(t.dlq, 'WRITE'),
        groupPrefix('lyap-controller'),
      ];
    case 'alerter':
      return [
        topic(t.estimates, 'READ'),
        topic(t.alerts, 'WRITE'),
        topic(t.dlq, 'WRITE'),
        groupPrefix('lyap-alerter'),
      ];
    case 'viewer':
      return [
        ...[t.runs, t.gradients, t.trajectory, t.estimates, t.control, t.alerts, t.dlq].map((n) =>
          topic(n, 'READ'),
        ),
        reads,
        groupPrefix('lyap-record-'),
        groupPrefix('lyap-live'),
      ];
  }
}
