// npm run kafka:start [-- --secure] — a single-node KRaft broker in the background, on a free
// loopback port, with data, logs, pid and bootstrap address in .cache/kafka/run/. Prints the
// bootstrap address as its last line. KAFKA_VERSION picks another Kafka version.
//
// --secure: TLS (a CA and broker certificate made here), SASL/SCRAM-SHA-512 users created at
// format time (one per role, admin, broker), ACLs (StandardAuthorizer) granted per role
// (scripts/kafka/acls.ts), the topics created; prints what each role's client needs and
// writes it to .cache/kafka/run/security/<role>.env (docs/security.md).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kafkaConfigFromEnv } from '../../src/transport/kafka/kafka-config.js';
import { adminFor, createPipelineTopics, grantRoleAcls } from './acls.js';
import { clientEnv, type BrokerSecurity } from './broker-security.js';
import { RUN_DIR } from './kafka-paths.js';
import { startLocalCluster } from './local-cluster.js';
import { ROLES } from './roles.js';
import { isKafkaProcess, readRunState, writeRunState } from './run-state.js';
import { scriptArgs } from '../script-args.js';

const log = (line: string): void => {
  process.stderr.write(`[kafka] ${line}\n`);
};

const { secure } = scriptArgs({
  name: 'kafka:start',
  usage: `Usage: npm run kafka:start [-- --secure]

Starts a single-node KRaft broker in the background on a free loopback port (data, logs, pid and
bootstrap address in .cache/kafka/run/) and prints the bootstrap address as its last line;
KAFKA_VERSION picks another Kafka version. npm run kafka:stop stops it.

  --secure  TLS, SASL/SCRAM-SHA-512 users per role and ACLs; prints what each role's client
            needs and writes it to .cache/kafka/run/security/<role>.env (docs/security.md)`,
  options: { secure: { type: 'boolean', default: false } },
}).values;

/** Topics and ACLs as the admin; then each role's KAFKA_* settings, printed and in <role>.env files. */
async function secureSetup(security: BrokerSecurity, bootstrap: string): Promise<void> {
  const admin = adminFor(kafkaConfigFromEnv(clientEnv(security, bootstrap, security.admin)));
  await admin.connect();
  try {
    const created = await createPipelineTopics(admin, {});
    const rules = await grantRoleAcls({ admin });
    log(`created ${created.length} topics and ${rules} ACL rules for ${ROLES.join(', ')} (docs/security.md)`);
  } finally {
    await admin.disconnect();
  }
  for (const [name, user] of [
    ...ROLES.map((r) => [r, security.users[r]] as const),
    ['admin', security.admin] as const,
  ]) {
    const env = clientEnv(security, bootstrap, user);
    const text = Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n');
    const file = join(security.dir, `${name}.env`);
    writeFileSync(file, `${text}\n`, { mode: 0o600 });
    log(`${name}: ${file}`);
  }
  const example = clientEnv(security, bootstrap, security.users.processor);
  log('a client needs (here the processor; each role has its user and password):');
  for (const [k, v] of Object.entries(example)) log(`  ${k}=${v}`);
}

const running = readRunState();
if (running !== undefined && isKafkaProcess(running.pid)) {
  log(`already running (pid ${running.pid}, Kafka ${running.version}); npm run kafka:stop stops it`);
  console.log(running.bootstrap);
} else {
  rmSync(RUN_DIR, { recursive: true, force: true });
  mkdirSync(RUN_DIR, { recursive: true });
  const cluster = await startLocalCluster({ nodes: 1, dir: RUN_DIR, detached: true, log, secure });
  const node = cluster.node(1);
  writeRunState({
    pid: node.pid ?? -1,
    bootstrap: cluster.bootstrap,
    version: cluster.version,
    clusterId: cluster.clusterId,
    startedAt: new Date().toISOString(),
  });
  if (cluster.security !== undefined) await secureSetup(cluster.security, cluster.bootstrap);
  log(`pid ${node.pid}, logs in ${join(node.logsDir, 'server.log')}; npm run kafka:stop stops it`);
  console.log(cluster.bootstrap);
}
