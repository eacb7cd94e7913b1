import { startLocalCluster } from '../../scripts/kafka/local-cluster.js';
import { kafkaConfigFromEnv, type KafkaConfig } from '../../src/transport/kafka/index.js';

/** The broker a Kafka bench runs against. */
export interface BenchBroker {
  readonly bootstrap: string;
  readonly config: KafkaConfig;
  /** Which broker, for the suite's notes. */
  readonly description: string;
  /** Stops the local node this started; a cluster named by KAFKA_BROKERS is left alone. */
  stop(): Promise<void>;
}

/** The cluster KAFKA_BROKERS names, else the project's local single-node KRaft broker (scripts/kafka), started now. */
export async function benchBroker(): Promise<BenchBroker> {
  const named = process.env['KAFKA_BROKERS'];
  const cluster = named === undefined || named === '' ? await startLocalCluster({ nodes: 1 }) : undefined;
  const bootstrap = cluster?.bootstrap ?? named ?? '';
  return {
    bootstrap,
    config: kafkaConfigFromEnv({ ...process.env, KAFKA_BROKERS: bootstrap }),
    description:
      cluster === undefined ? `KAFKA_BROKERS=${bootstrap}` : `a local Kafka single node at ${bootstrap}`,
    stop: async () => {
      await cluster?.stop();
    },
  };
}
