// Where the Kafka integration tests get their broker, decided once per test process:
//   1. KAFKA_BROKERS, when set (a cluster of your own);
//   2. else testcontainers (@testcontainers/kafka, a KRaft cp-kafka image), when a Docker
//      engine really answers (testcontainers' own runtime detection);
//   3. else the local broker of scripts/kafka (Maven Central jars, Java 17), started for
//      this process and stopped when it ends.
// With CI=true, having none of them fails the tests; elsewhere they are skipped, loudly
// (`unavailable` holds that rule; `withKafka` registers a test file's suites or their skip).
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { KAFKA_CACHE_DIR } from '../../scripts/kafka/kafka-paths.js';
import {
  startLocalCluster,
  type LocalCluster,
  type LocalClusterOptions,
} from '../../scripts/kafka/local-cluster.js';
import { unavailable } from './unavailable.js';

export type BrokerSource = 'KAFKA_BROKERS' | 'testcontainers' | 'local-script';

export interface TestBroker {
  readonly source: BrokerSource;
  readonly brokers: readonly string[];
  readonly bootstrap: string;
}

export const DEFAULT_KAFKA_IMAGE = 'confluentinc/cp-kafka:8.0.0';

const say = (line: string): void => {
  process.stderr.write(`[kafka-broker] ${line}\n`);
};

async function dockerEngine(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

async function fromTestcontainers(): Promise<TestBroker> {
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const image = process.env['LYAP_KAFKA_IMAGE'] ?? DEFAULT_KAFKA_IMAGE;
  const container = await new KafkaContainer(image).start();
  after(async () => {
    await container.stop();
  });
  const bootstrap = `${container.getHost()}:${container.getMappedPort(9093)}`;
  say(`testcontainers: ${image} at ${bootstrap}`);
  return { source: 'testcontainers', brokers: [bootstrap], bootstrap };
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Test brokers live in .cache/kafka/test/<pid>; folders of processes that are gone are removed. */
function testBrokerDir(): string {
  const root = join(KAFKA_CACHE_DIR, 'test');
  if (existsSync(root)) {
    for (const name of readdirSync(root)) {
      if (/^\d+$/.test(name) && !isAlive(Number(name)))
        rmSync(join(root, name), { recursive: true, force: true });
    }
  }
  const dir = join(root, String(process.pid));
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function fromLocalScript(): Promise<TestBroker> {
  const dir = testBrokerDir();
  const cluster = await startLocalCluster({ nodes: 1, dir, ownerPid: process.pid, log: say });
  after(async () => {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return clusterBroker(cluster);
}

/** A local cluster (scripts/kafka) as the broker of a test. */
export function clusterBroker(cluster: LocalCluster): TestBroker {
  return { source: 'local-script', brokers: cluster.bootstrap.split(','), bootstrap: cluster.bootstrap };
}

async function provide(): Promise<TestBroker | undefined> {
  const named = process.env['KAFKA_BROKERS']?.trim();
  if (named !== undefined && named !== '') {
    say(`KAFKA_BROKERS: ${named}`);
    const brokers = named.split(',').map((b) => b.trim());
    return { source: 'KAFKA_BROKERS', brokers, bootstrap: brokers.join(',') };
  }
  const reasons: string[] = ['KAFKA_BROKERS is not set'];
  if (await dockerEngine()) {
    try {
      return await fromTestcontainers();
    } catch (error) {
      reasons.push(`testcontainers failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else {
    reasons.push('no Docker engine answers (testcontainers found no container runtime)');
  }
  try {
    return await fromLocalScript();
  } catch (error) {
    reasons.push(
      `the local broker (scripts/kafka) failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  unavailable(
    `CI=true and no Kafka broker could be had, so the Kafka integration tests fail: ${reasons.join('; ')}`,
    [
      'KAFKA INTEGRATION TESTS SKIPPED: no Kafka broker could be had.',
      ...reasons,
      'Fix: install Java 17 and Maven (the local broker), or start Docker, or set KAFKA_BROKERS.',
    ],
  );
  return undefined;
}

let provided: Promise<TestBroker | undefined> | undefined;

/**
 * The broker of this test process (started on first call, stopped when the process's
 * tests end). Call it at a test file's top level. Undefined means "skip" (never in CI,
 * where the call throws instead).
 */
export function kafkaBroker(): Promise<TestBroker | undefined> {
  provided ??= provide();
  return provided;
}

/**
 * A local KRaft cluster of its own (scripts/kafka), for tests that kill and restart
 * brokers: it always comes from the local script, whatever `kafkaBroker()` uses. Stopped
 * when the file's tests end. Undefined means "skip" (never in CI, where it throws).
 */
export async function localKafkaCluster(
  options: Omit<LocalClusterOptions, 'dir' | 'ownerPid' | 'detached'> = {},
): Promise<LocalCluster | undefined> {
  const dir = join(testBrokerDir(), `cluster-${Math.random().toString(36).slice(2, 8)}`);
  try {
    const cluster = await startLocalCluster({ log: say, ...options, dir, ownerPid: process.pid });
    after(async () => {
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
      try {
        rmdirSync(dirname(dir)); // this process's folder, once nothing else is in it
      } catch {
        // another broker of this process still uses it
      }
    });
    return cluster;
  } catch (error) {
    const why = `the local ${options.nodes ?? 1}-node Kafka cluster (scripts/kafka) failed: ${error instanceof Error ? error.message : String(error)}`;
    unavailable(
      `CI=true, so this fails the test: ${why}`,
      ['KAFKA CLUSTER TESTS SKIPPED.', why, 'Fix: install Java 17 and Maven.'],
      error,
    );
    return undefined;
  }
}

/**
 * The one way a Kafka test file registers its suites: `register(kafka)` when `kafka` (what
 * `kafkaBroker()` or `localKafkaCluster()` gave) is there; otherwise one skipped suite `name`.
 * The absent case is already loud by then, and with CI=true those calls threw instead.
 */
export function withKafka<T>(kafka: T | undefined, name: string, register: (kafka: T) => void): void {
  if (kafka === undefined) {
    describe(name, { skip: 'no Kafka broker: see the message above' }, () => {
      it('is skipped');
    });
  } else {
    register(kafka);
  }
}

/** A topic or group name no other test uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
