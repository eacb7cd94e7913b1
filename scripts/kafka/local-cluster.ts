import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokerSecurity, type BrokerSecurity } from './broker-security.js';
import { freePorts } from './free-ports.js';
import { ensureKafkaJars } from './kafka-jars.js';
import { kafkaVersion } from './kafka-paths.js';
import { KraftNode, randomClusterId, type ExitStatus } from './kraft-node.js';
import type { KraftNodeSpec } from './server-properties.js';
import { waitUntilReady } from './wait-ready.js';
import { killWhenOwnerExits } from './watchdog.js';

export interface LocalClusterOptions {
  /** 1 (default): a single broker+controller; 3: a quorum of three for fault tests. */
  readonly nodes?: number;
  /** Where nodes keep data and logs; default a new temporary folder, removed on stop. */
  readonly dir?: string;
  readonly version?: string;
  readonly heapMb?: number;
  readonly extraProperties?: Readonly<Record<string, string | number>>;
  /** Leave the JVMs running when this process exits (`npm run kafka:start`). */
  readonly detached?: boolean;
  /** End the JVMs when this process is gone, even if it never calls `stop()`. */
  readonly ownerPid?: number;
  readonly readyTimeoutMs?: number;
  readonly log?: (line: string) => void;
  /**
   * TLS with a CA and broker certificate made here, SASL/SCRAM-SHA-512 users (one per role,
   * `admin`, `broker`) created at format time, ACLs enforced by the StandardAuthorizer.
   */
  readonly secure?: boolean;
}

export interface LocalCluster {
  readonly version: string;
  readonly clusterId: string;
  readonly dir: string;
  /** Every node's broker address, comma-separated: what `KAFKA_BROKERS` takes. */
  readonly bootstrap: string;
  readonly nodes: readonly KraftNode[];
  readonly startupMs: number;
  /** The CA, keystore and SCRAM users of a secured cluster (`secure: true`). */
  readonly security?: BrokerSecurity;
  node(nodeId: number): KraftNode;
  /** Kills one node (SIGKILL unless told) and waits for the JVM to exit. */
  kill(nodeId: number, signal?: NodeJS.Signals): Promise<ExitStatus | undefined>;
  /** Starts a stopped or killed node again on its ports and data, and waits until every node is back. */
  restart(nodeId: number): Promise<void>;
  waitUntilReady(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A KRaft cluster of `nodes` combined broker+controller JVMs on loopback, from the
 * Maven Central jars: free ports, one cluster id, storage formatted, started, and
 * ready (brokers registered, group coordinator up) when the promise resolves.
 */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const startedAt = Date.now();
  const version = options.version ?? kafkaVersion();
  const log = options.log ?? (() => undefined);
  const classpath = ensureKafkaJars({ version, log });
  const count = options.nodes ?? 1;
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'lyap-kafka-'));
  mkdirSync(dir, { recursive: true });
  const ports = await freePorts(2 * count);
  const specs: KraftNodeSpec[] = Array.from({ length: count }, (_, i) => ({
    nodeId: i + 1,
    brokerPort: ports[2 * i]!,
    controllerPort: ports[2 * i + 1]!,
    dataDir: join(dir, `node-${i + 1}`, 'data'),
  }));
  const clusterId = randomClusterId();
  const security = options.secure === true ? brokerSecurity(join(dir, 'security')) : undefined;
  const nodes = specs.map(
    (spec) =>
      new KraftNode({
        spec,
        voters: specs,
        dir: join(dir, `node-${spec.nodeId}`),
        classpath,
        ...(options.heapMb === undefined ? {} : { heapMb: options.heapMb }),
        ...(options.extraProperties === undefined ? {} : { extraProperties: options.extraProperties }),
        ...(options.detached === undefined ? {} : { detached: options.detached }),
        ...(security === undefined ? {} : { security }),
      }),
  );
  const bootstrap = nodes.map((n) => n.bootstrap).join(',');
  const launch = (node: KraftNode): void => {
    node.start();
    if (options.ownerPid !== undefined && node.pid !== undefined) {
      killWhenOwnerExits({ ownerPid: options.ownerPid, pid: node.pid });
    }
  };
  const node = (nodeId: number): KraftNode => {
    const found = nodes.find((n) => n.nodeId === nodeId);
    if (found === undefined) throw new Error(`no node ${nodeId} in a cluster of ${count}`);
    return found;
  };
  const ready = (): Promise<void> =>
    waitUntilReady({
      bootstrap,
      brokers: count,
      timeoutMs: options.readyTimeoutMs ?? 120_000,
      ...(security === undefined
        ? {}
        : {
            caFile: security.caFile,
            sasl: { username: security.admin.username, password: security.admin.password },
          }),
      failed: () => {
        const dead = nodes.find((n) => !n.running);
        return dead === undefined
          ? undefined
          : `Kafka node ${dead.nodeId} exited during start-up\n${dead.logTail()}`;
      },
    });
  const stop = async (): Promise<void> => {
    const stoppingAt = Date.now();
    const exits = await Promise.all(nodes.map((n) => n.stop(count === 1 ? 30_000 : 15_000)));
    const killed = exits.filter((e) => e?.signal === 'SIGKILL').length;
    log(`stopped in ${Date.now() - stoppingAt} ms${killed > 0 ? ` (${killed} node(s) needed SIGKILL)` : ''}`);
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
  };

  log(
    `starting Kafka ${version} (${count} node${count === 1 ? '' : 's'}${security === undefined ? '' : ', secured'}) in ${dir}`,
  );
  try {
    await Promise.all(nodes.map((n) => n.format(clusterId)));
    for (const n of nodes) launch(n);
    await ready();
  } catch (error) {
    await stop();
    throw error;
  }
  const startupMs = Date.now() - startedAt;
  log(`Kafka ${version} ready at ${bootstrap} after ${startupMs} ms`);

  return {
    version,
    clusterId,
    dir,
    bootstrap,
    nodes,
    startupMs,
    ...(security === undefined ? {} : { security }),
    node,
    kill: async (nodeId, signal = 'SIGKILL') => {
      const n = node(nodeId);
      n.kill(signal);
      return n.exited();
    },
    restart: async (nodeId) => {
      const n = node(nodeId);
      if (n.running) await n.stop();
      launch(n);
      await ready();
    },
    waitUntilReady: ready,
    stop,
  };
}
