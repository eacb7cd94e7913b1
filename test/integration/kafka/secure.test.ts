// The secured broker of `npm run kafka:start -- --secure`, really started: TLS with the CA and
// broker certificate the script makes, SASL/SCRAM-SHA-512 users created at format time, the
// StandardAuthorizer with the roles' ACLs of scripts/kafka/roles.ts. Every role's client is a
// real `lyap` process or a KafkaBus logged in as that role's user.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:tls';
import { firstValueFrom } from 'rxjs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminFor, createPipelineTopics, grantRoleAcls } from '../../../scripts/kafka/acls.js';
import { clientEnv, type BrokerSecurity, type Credentials } from '../../../scripts/kafka/broker-security.js';
import { issueCertificate, makeCertificateAuthority } from '../../../scripts/kafka/certificates.js';
import type { LocalCluster } from '../../../scripts/kafka/local-cluster.js';
import { ROLES, roleAcls, type Role } from '../../../scripts/kafka/roles.js';
import { isLyapError } from '../../../src/errors.js';
import {
  CommandKeyring,
  parseCommandKeys,
  processorStateTopic,
  topicNames,
  type TopicNames,
  verifyCommand,
  type EstimateEvent,
  type LrCommandEvent,
} from '../../../src/events/index.js';
import { KafkaBus, kafkaConfigFromEnv } from '../../../src/transport/kafka/index.js';
import { sameEstimate } from '../../helpers/estimates.js';
import { localKafkaCluster, uniqueName, withKafka } from '../../helpers/kafka-broker.js';
import { readEvents } from '../../helpers/kafka-bus.js';
import { spawnLyap, type LyapProcess, stopGracefully } from '../../helpers/lyap-process.js';
import { replayLines } from '../../helpers/replay.js';
import { poll } from '../../helpers/wait.js';

const cluster = await localKafkaCluster({ nodes: 1, secure: true });

const KEYS = 'k1:first-secret,k2:second-secret';

/** The one `lyap: … (CODE)` line a failed command ends with, and that no JSON line is an error. */
function failureLine(p: LyapProcess): string {
  const lines = p.stderr().split('\n');
  const final = lines.filter((l) => l.startsWith('lyap: ') && !l.startsWith('lyap: exiting'));
  assert.equal(final.length, 1, `one lyap: line:\n${p.stderr()}`);
  assert.ok(
    !lines.some((l) => l.startsWith('{"level":"error"')),
    `no error records besides it:\n${p.stderr()}`,
  );
  return final[0] ?? '';
}

withKafka(cluster, 'kafka > secured broker (SASL_SSL, ACLs)', (cluster: LocalCluster) => {
  const security = cluster.security as BrokerSecurity;
  const env = (user: Credentials): Record<string, string> => clientEnv(security, cluster.bootstrap, user);
  const busAs = (user: Credentials): KafkaBus =>
    new KafkaBus({
      config: kafkaConfigFromEnv(env(user)),
      logger: () => undefined,
      consumer: {
        heartbeatIntervalMs: 500,
        sessionTimeoutMs: 10_000,
        maxWaitTimeMs: 250,
        closeGraceMs: 2000,
      },
    });
  const prefix = `${uniqueName('sec')}.`;
  const topics: TopicNames = topicNames(prefix);
  const stateTopic: string = processorStateTopic(prefix);

  before(async () => {
    const admin = adminFor(kafkaConfigFromEnv(env(security.admin)));
    await admin.connect();
    try {
      await createPipelineTopics(admin, { prefix, partitions: 3 });
      await grantRoleAcls({ admin, prefix });
    } finally {
      await admin.disconnect();
    }
  });

  describe('kafka > secured broker > the roles (scripts/kafka/roles.ts)', () => {
    it('lets each role write exactly its topics: every other write is refused by the broker with LYAP_E_KAFKA_DENIED', async () => {
      const all = [...Object.values(topics as Readonly<Record<keyof TopicNames, string>>), stateTopic];
      const outcomes: string[] = [];
      for (const role of ROLES) {
        const writable = new Set(
          roleAcls(role, prefix)
            .filter((r) => r.resource === 'topic' && r.operation === 'WRITE')
            .map((r) => r.name),
        );
        const bus = busAs(security.users[role]);
        try {
          for (const topic of all) {
            const result = await bus.publish(topic, [{ key: 'r', value: `probe from ${role}` }]).then(
              () => 'written',
              (error: unknown) => error,
            );
            if (writable.has(topic)) {
              assert.equal(result, 'written', `${role} writes ${topic}`);
            } else {
              assert.ok(
                isLyapError(result, 'LYAP_E_KAFKA_DENIED'),
                `${role} may not write ${topic}: ${String(result)}`,
              );
              // Refused by Produce (a topic the role sees), before it (one it does not even see), or,
              // for a role with WRITE on no topic at all (viewer), when its idempotent producer starts.
              assert.ok(
                result.message.startsWith(`publishing to ${topic}: not authorized for the topic`) ||
                  result.message.startsWith(`${topic}: not visible to this Kafka user`) ||
                  (role === 'viewer' &&
                    result.message.startsWith(
                      `publishing to ${topic}: connecting the Kafka producer: not authorized for a cluster operation (CLUSTER_AUTHORIZATION_FAILED)`,
                    )),
                result.message,
              );
              outcomes.push(`${role} ✗ ${topic}`);
            }
          }
        } finally {
          await bus.close();
        }
      }
      const controlWriters = ROLES.filter((r) => !outcomes.includes(`${r} ✗ ${topics.control}`));
      assert.deepEqual(controlWriters, ['controller'], 'nobody but the controller writes control');
    });

    it('refuses every read a role has no ACL for, at once, naming the topic', async () => {
      const all = [...Object.values(topics as Readonly<Record<keyof TopicNames, string>>), stateTopic];
      const groups: Record<Role, string> = {
        trainer: 'lyap-trainer-probe',
        processor: 'lyap-processor-probe',
        controller: 'lyap-controller-probe',
        alerter: 'lyap-alerter-probe',
        viewer: 'lyap-live-probe',
      };
      let refused = 0;
      for (const role of ROLES) {
        const readable = new Set(
          roleAcls(role, prefix)
            .filter((r) => r.resource === 'topic' && r.operation === 'READ')
            .map((r) => r.name),
        );
        const bus = busAs(security.users[role]);
        try {
          for (const topic of all.filter((t) => !readable.has(t))) {
            const error = await firstValueFrom(bus.consume([topic], { groupId: groups[role] })).then(
              () => 'delivered',
              (e: unknown) => e,
            );
            assert.ok(
              isLyapError(error, 'LYAP_E_KAFKA_DENIED'),
              `${role} may not read ${topic}: ${String(error)}`,
            );
            assert.match(error.message, new RegExp(topic.replaceAll('.', '\\.')));
            refused++;
          }
        } finally {
          await bus.close();
        }
      }
      assert.ok(refused >= 20, `${refused} refused reads`);
    });

    it('runs the whole closed loop over SASL_SSL, each process as its role: train, process, control, alert, record', async () => {
      const common = ['--topic-prefix', prefix];
      const runId = 'secure-run';
      const processor = spawnLyap(
        ['process', ...common, '--group-id', uniqueName('lyap-processor')],
        env(security.users.processor),
      );
      const controller = spawnLyap(
        [
          'control',
          ...common,
          '--mode',
          'control',
          '--cooldown-steps',
          '20',
          '--group-id',
          uniqueName('lyap-controller'),
        ],
        { ...env(security.users.controller), LYAP_CONTROL_KEYS: KEYS },
      );
      const alerter = spawnLyap(
        ['alert', ...common, '--group-id', uniqueName('lyap-alerter')],
        env(security.users.alerter),
      );
      const viewer = busAs(security.users.viewer);
      try {
        await Promise.all([processor, controller, alerter].map((p) => p.waitFor(/"msg":"started"/)));
        const trainer = spawnLyap(
          [
            'train',
            '--brokers',
            cluster.bootstrap,
            ...common,
            '--dataset',
            'least-squares',
            '--model',
            'linear',
            '--steps',
            '600',
            '--probe-every',
            '10',
            '--backend',
            'cpu',
            '--run-id',
            runId,
            // A measurement step first, then up to 60 s for the controller's answer: a command is applied.
            '--first-command-wait',
            '60000',
          ],
          { ...env(security.users.trainer), LYAP_CONTROL_KEYS: KEYS },
        );
        assert.equal(await trainer.exited, 0, trainer.stderr());

        // The viewer records the run; its replay is what the live estimates must equal.
        const recorded = spawnLyap(['record', '--run-id', runId, ...common], env(security.users.viewer));
        assert.equal(await recorded.exited, 0, recorded.stderr());
        const inputs = recorded
          .stdout()
          .trim()
          .split('\n')
          .filter((l) => /^\{"v":1,"type":"(run|gradient|trajectory)"/.test(l));
        const replayed = await replayLines(inputs);
        assert.ok(replayed.estimates.length > 10, `${replayed.estimates.length} replayed estimates`);

        let estimates: EstimateEvent[] = [];
        await poll(
          async () => {
            estimates = (await readEvents(viewer, [topics.estimates])).filter(
              (e): e is EstimateEvent => e.type === 'estimate',
            );
            return new Set(estimates.map((e) => e.step)).size >= replayed.estimates.length;
          },
          { timeoutMs: 60_000, intervalMs: 500 },
        );
        const live = new Map(estimates.map((e) => [e.step, e]));
        for (const e of replayed.estimates) sameEstimate(live.get(e.step), e);
        assert.equal(live.size, replayed.estimates.length, 'no estimate for a step the replay has none for');

        // Every command is signed with the newest key, and every one the run applied is one of them.
        const events = await readEvents(viewer, [topics.gradients, topics.control]);
        const commands = events.filter((e): e is LrCommandEvent => e.type === 'lr-command');
        const ring = new CommandKeyring(parseCommandKeys(KEYS, 'test'));
        assert.ok(commands.length > 0, `the controller commanded the run: ${controller.stderr()}`);
        for (const c of commands) {
          assert.equal(c.keyId, 'k2');
          assert.equal(verifyCommand(c, ring), 'valid');
        }
        const applied = new Set(
          events.flatMap((e) => (e.type === 'gradient' && e.cmdSeq !== undefined ? [e.cmdSeq] : [])),
        );
        assert.ok(applied.size > 0, 'the trainer applied commands');
        for (const seq of applied)
          assert.ok(
            commands.some((c) => c.seq === seq),
            `applied seq ${seq} was sent`,
          );
        for (const p of [processor, controller, alerter]) assert.equal(p.child.exitCode, null, p.stderr());
      } finally {
        await stopGracefully(processor, controller, alerter);
        await viewer.close();
      }
    });
  });

  describe('kafka > secured broker > a forbidden command ends with one clear line, not a hang', () => {
    const cases: { role: Role; args: string[]; topic: string }[] = [
      { role: 'trainer', args: ['control', '--mode', 'control'], topic: topics.estimates },
      { role: 'alerter', args: ['process'], topic: topics.gradients },
      { role: 'controller', args: ['alert'], topic: '' },
      {
        role: 'alerter',
        args: [
          'train',
          '--brokers',
          '',
          '--dataset',
          'least-squares',
          '--model',
          'linear',
          '--steps',
          '20',
          '--backend',
          'cpu',
        ],
        topic: topics.control,
      },
    ];
    for (const c of cases) {
      it(`lyap ${c.args[0] ?? ''} as the ${c.role} user: LYAP_E_KAFKA_DENIED, exit 1`, async () => {
        const args = c.args.map((a) => (a === '' ? cluster.bootstrap : a));
        const p = spawnLyap([...args, '--topic-prefix', prefix], {
          ...env(security.users[c.role]),
          LYAP_CONTROL_KEYS: KEYS,
        });
        assert.equal(await p.exited, 1, p.stderr());
        const line = failureLine(p);
        assert.match(line, /not authorized for (topic|the consumer group).*\(LYAP_E_KAFKA_DENIED\)$/);
        if (c.topic !== '') assert.ok(line.includes(c.topic), line);
      });
    }
  });

  describe('kafka > secured broker > bad credentials and certificates fail fast with the cause', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lyap-tls-'));
    const impostors: Server[] = [];
    after(async () => {
      for (const s of impostors) await new Promise((resolve) => s.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    });
    /** A TLS server presenting `cert` (signed by the cluster's own CA): what a client sees of a broker with it. */
    const impostor = async (
      name: string,
      options: Parameters<typeof issueCertificate>[3],
    ): Promise<string> => {
      const files = issueCertificate(
        { certFile: security.caFile, keyFile: security.caKeyFile },
        dir,
        name,
        options,
      );
      const server = createServer(
        { cert: readFileSync(files.certFile), key: readFileSync(files.keyFile) },
        (socket) => socket.destroy(),
      );
      impostors.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      assert.ok(typeof address === 'object' && address !== null);
      return `127.0.0.1:${address.port}`;
    };
    const processAt = (brokers: string, overrides: Record<string, string>): LyapProcess =>
      spawnLyap(['process', '--brokers', brokers, '--topic-prefix', prefix], {
        ...env(security.users.processor),
        ...overrides,
      });

    it('a bad password: LYAP_E_KAFKA_AUTH saying the SCRAM authentication failed', async () => {
      const p = processAt(cluster.bootstrap, { KAFKA_SASL_PASSWORD: 'not-the-password' });
      assert.equal(await p.exited, 1);
      assert.match(
        failureLine(p),
        /SCRAM SHA512 authentication failed.*invalid credentials.*\(LYAP_E_KAFKA_AUTH\)$/,
      );
    });

    it('a CA the broker certificate is not from: LYAP_E_KAFKA_AUTH naming the issuer', async () => {
      const other = makeCertificateAuthority(dir, 'other-ca');
      const p = processAt(cluster.bootstrap, { KAFKA_SSL_CA_FILE: other.certFile });
      assert.equal(await p.exited, 1);
      assert.match(
        failureLine(p),
        /the broker's certificate \(issued by CN=lyap ca\) is not signed by a CA this client trusts .*\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\) \(LYAP_E_KAFKA_AUTH\)$/,
      );
    });

    it('an expired broker certificate: LYAP_E_KAFKA_AUTH with its end date', async () => {
      const at = await impostor('expired', {
        commonName: 'lyap-broker',
        hosts: ['127.0.0.1'],
        notBefore: '20200101000000Z',
        notAfter: '20200201000000Z',
      });
      const p = processAt(at, {});
      assert.equal(await p.exited, 1);
      assert.match(
        failureLine(p),
        /certificate expired on Feb {1,2}1 00:00:00 2020 GMT \(CERT_HAS_EXPIRED\) \(LYAP_E_KAFKA_AUTH\)$/,
      );
    });

    it('a certificate for another host: LYAP_E_KAFKA_AUTH naming the host it is for', async () => {
      const at = await impostor('elsewhere', {
        commonName: 'lyap-broker',
        hosts: ['kafka.elsewhere.example'],
      });
      const p = processAt(at, {});
      assert.equal(await p.exited, 1);
      assert.match(
        failureLine(p),
        /certificate is for DNS:kafka\.elsewhere\.example, not 127\.0\.0\.1 \(ERR_TLS_CERT_ALTNAME_INVALID\) \(LYAP_E_KAFKA_AUTH\)$/,
      );
    });
  });
});
