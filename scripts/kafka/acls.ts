// npm run kafka:acls — grants every role of docs/security.md its ACLs under a topic prefix and
// creates the topics (roles may not create topics), as an admin user of a secured cluster:
//
//   KAFKA_BROKERS=… KAFKA_SASL_MECHANISM=scram-sha-512 KAFKA_SASL_USERNAME=admin \
//   KAFKA_SASL_PASSWORD=… KAFKA_SSL_CA_FILE=ca.pem npm run kafka:acls -- [--prefix lyap.] \
//     [--user trainer=team-a-trainer …] [--partitions 12] [--replication-factor 3]
//
// Idempotent: an ACL or topic that exists is left as it is. `npm run kafka:start -- --secure`
// runs it for the default prefix.
import { parseArgs } from 'node:util';
import kafkajs, { type Admin } from 'kafkajs';
import { DEFAULT_TOPIC_PREFIX, processorStateTopic, topicNames } from '../../src/events/topics.js';
import { designTopicSpecs, resolveTopicSettings, topicSpec } from '../../src/transport/kafka/topic-specs.js';
import { ensureTopics } from '../../src/transport/kafka/ensure-topics.js';
import { kafkaClientOptions } from '../../src/transport/kafka/kafka-client-options.js';
import { kafkaConfigFromEnv, type KafkaConfig } from '../../src/transport/kafka/kafka-config.js';
import { ROLES, roleAcls, type AclRule, type Role } from './roles.js';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, ResourcePatternTypes } = kafkajs;

export interface GrantOptions {
  readonly admin: Admin;
  readonly prefix?: string;
  /** The user of each role (default: the role's name). */
  readonly users?: Partial<Record<Role, string>>;
  /** How long to wait for the broker to apply them (default 30 s). */
  readonly timeoutMs?: number;
}

type AclEntry = Parameters<Admin['createAcls']>[0]['acl'][number];

function aclEntry(user: string, rule: AclRule): AclEntry {
  return {
    resourceType: rule.resource === 'topic' ? AclResourceTypes.TOPIC : AclResourceTypes.GROUP,
    resourceName: rule.name,
    resourcePatternType:
      rule.pattern === 'literal' ? ResourcePatternTypes.LITERAL : ResourcePatternTypes.PREFIXED,
    principal: `User:${user}`,
    host: '*',
    operation: rule.operation === 'READ' ? AclOperationTypes.READ : AclOperationTypes.WRITE,
    permissionType: AclPermissionTypes.ALLOW,
  };
}

/** Creates the ACLs of every role (docs/security.md) under `prefix`; returns how many rules. */
export async function grantRoleAcls(options: GrantOptions): Promise<number> {
  const acl = ROLES.flatMap((role) =>
    roleAcls(role, options.prefix ?? DEFAULT_TOPIC_PREFIX).map((rule) =>
      aclEntry(options.users?.[role] ?? role, rule),
    ),
  );
  await options.admin.createAcls({ acl });
  await waitForAcls(options.admin, acl, options.timeoutMs ?? 30_000);
  return acl.length;
}

const aclKey = (a: AclEntry): string =>
  [a.resourceType, a.resourceName, a.resourcePatternType, a.principal, a.operation].join('|');

/**
 * Waits until the broker answers with every ACL of `acl`: the authorizer applies them when the
 * metadata log reaches it, a moment after `createAcls` returns, and a client that connects
 * before then is refused.
 */
async function waitForAcls(admin: Admin, acl: readonly AclEntry[], timeoutMs: number): Promise<void> {
  const wanted = new Set(acl.map(aclKey));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { resources } = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    const present = new Set(
      resources.flatMap((r) =>
        r.acls.map((a) =>
          [r.resourceType, r.resourceName, r.resourcePatternType, a.principal, a.operation].join('|'),
        ),
      ),
    );
    if ([...wanted].every((k) => present.has(k))) return;
    if (Date.now() > deadline) throw new Error(`the broker does not show the ACLs after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The seven topics of docs/design.md and the processors' state topic under `prefix`. */
export async function createPipelineTopics(
  admin: Admin,
  options: { prefix?: string; partitions?: number; replicationFactor?: number; minInsyncReplicas?: number },
): Promise<string[]> {
  const settings = resolveTopicSettings({
    topicPrefix: options.prefix ?? DEFAULT_TOPIC_PREFIX,
    ...(options.partitions === undefined ? {} : { partitions: options.partitions }),
    ...(options.replicationFactor === undefined ? {} : { replicationFactor: options.replicationFactor }),
    ...(options.minInsyncReplicas === undefined ? {} : { minInsyncReplicas: options.minInsyncReplicas }),
  });
  const specs = [
    ...designTopicSpecs(settings),
    topicSpec(processorStateTopic(settings.topicPrefix), settings),
  ];
  const report = await ensureTopics({ admin, specs, logger: () => undefined });
  return [...report.created];
}

/** A kafkajs admin client for a `KafkaConfig` (quiet). */
export function adminFor(config: KafkaConfig): Admin {
  return new Kafka(kafkaClientOptions({ config, logger: () => undefined, logLevel: 'error' })).admin();
}

const SENTINEL = 'PREFIXSENTINEL.';

/**
 * The same topics and grants as shell commands for Kafka's own tools (`kafka-topics.sh`,
 * `kafka-acls.sh`), for a cluster without Node (deploy/kafka/acls.sh is this output; a test
 * keeps it in step with roles.ts). `$BOOTSTRAP`, `$ADMIN_CONFIG` and `$PREFIX` are read at run time.
 */
export function shellScript(): string {
  const settings = resolveTopicSettings({ topicPrefix: SENTINEL, partitions: 12, replicationFactor: 3 });
  const specs = [...designTopicSpecs(settings), topicSpec(processorStateTopic(SENTINEL), settings)];
  const sub = (text: string): string => text.replaceAll(SENTINEL, '${PREFIX}');
  const lines = [
    '#!/bin/sh',
    '# Generated by `npm run -s kafka:acls -- --shell` from scripts/kafka/roles.ts: do not edit.',
    "# The topics of docs/design.md and the roles' ACLs of docs/security.md, with Kafka's own tools:",
    '#   BOOTSTRAP=kafka:9092 ADMIN_CONFIG=admin.properties PREFIX=lyap. sh acls.sh',
    'set -eu',
    ': "${BOOTSTRAP:?}" "${ADMIN_CONFIG:?}"',
    'PREFIX="${PREFIX:-lyap.}"',
    'BIN="${KAFKA_BIN:-/opt/kafka/bin}"',
    'PARTITIONS="${PARTITIONS:-12}"',
    'REPLICATION="${REPLICATION:-3}"',
    ...specs.map(
      (spec) =>
        `"$BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" --create --if-not-exists --topic "${sub(spec.topic)}" --partitions "$PARTITIONS" --replication-factor "$REPLICATION"${spec.configEntries.map((e) => ` --config ${e.name}=${e.value}`).join('')}`,
    ),
    ...ROLES.flatMap((role) =>
      roleAcls(role, SENTINEL).map(
        (rule) =>
          `"$BIN/kafka-acls.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" --add --allow-principal "User:${role}" --operation ${rule.operation === 'READ' ? 'Read' : 'Write'} --${rule.resource} "${sub(rule.name)}"${rule.pattern === 'prefixed' ? ' --resource-pattern-type prefixed' : ''}`,
      ),
    ),
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  if (process.argv.includes('--shell')) {
    process.stdout.write(shellScript());
    return;
  }
  const { values } = parseArgs({
    options: {
      prefix: { type: 'string', default: DEFAULT_TOPIC_PREFIX },
      user: { type: 'string', multiple: true, default: [] },
      partitions: { type: 'string' },
      'replication-factor': { type: 'string' },
    },
  });
  topicNames(values.prefix);
  const users: Partial<Record<Role, string>> = {};
  for (const pair of values.user) {
    const [role, user] = pair.split('=', 2);
    if (!ROLES.includes(role as Role) || user === undefined || user === '') {
      throw new Error(`--user ${pair}: expected <role>=<user> with a role of ${ROLES.join(', ')}`);
    }
    users[role as Role] = user;
  }
  const admin = adminFor(kafkaConfigFromEnv(process.env));
  await admin.connect();
  try {
    const created = await createPipelineTopics(admin, {
      prefix: values.prefix,
      ...(values.partitions === undefined ? {} : { partitions: Number(values.partitions) }),
      ...(values['replication-factor'] === undefined
        ? {}
        : { replicationFactor: Number(values['replication-factor']) }),
    });
    const rules = await grantRoleAcls({ admin, prefix: values.prefix, users });
    console.log(
      `${rules} ACL rules for ${ROLES.join(', ')} under ${values.prefix}; ${created.length} topics created`,
    );
  } finally {
    await admin.disconnect();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(`kafka:acls: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
