// npm run kafka:start — a single-node KRaft broker in the background, on a free loopback
// port, with data, logs, pid and bootstrap address in .cache/kafka/run/. Prints the
// bootstrap address as its last line. KAFKA_VERSION picks another Kafka version.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_DIR } from './kafka-paths.js';
import { startLocalCluster } from './local-cluster.js';
import { isKafkaProcess, readRunState, writeRunState } from './run-state.js';

const log = (line: string): void => {
  process.stderr.write(`[kafka] ${line}\n`);
};

const running = readRunState();
if (running !== undefined && isKafkaProcess(running.pid)) {
  log(`already running (pid ${running.pid}, Kafka ${running.version}); npm run kafka:stop stops it`);
  console.log(running.bootstrap);
} else {
  rmSync(RUN_DIR, { recursive: true, force: true });
  mkdirSync(RUN_DIR, { recursive: true });
  const cluster = await startLocalCluster({ nodes: 1, dir: RUN_DIR, detached: true, log });
  const node = cluster.node(1);
  writeRunState({
    pid: node.pid ?? -1,
    bootstrap: cluster.bootstrap,
    version: cluster.version,
    clusterId: cluster.clusterId,
    startedAt: new Date().toISOString(),
  });
  log(`pid ${node.pid}, logs in ${join(node.logsDir, 'server.log')}; npm run kafka:stop stops it`);
  console.log(cluster.bootstrap);
}
