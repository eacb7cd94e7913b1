import type { Command } from 'commander';
import { nonNegativeInteger } from './options.js';

/** The flags every long-running Kafka role (`lyap process`, `lyap control`) shares. */
export interface ServiceFlags {
  brokers?: string;
  metricsPort?: number;
  metricsHost: string;
  groupId: string;
  topicPrefix: string;
}

export function serviceOptions(command: Command, defaultGroup: string): Command {
  return command
    .option('--brokers <list>', 'Kafka bootstrap servers, host:port[,…] (default: KAFKA_BROKERS)')
    .option(
      '--metrics-port <port>',
      'serve /metrics, /healthz, /readyz here; 0 picks a free port',
      nonNegativeInteger('--metrics-port'),
    )
    .option('--metrics-host <host>', 'address the metrics endpoint binds to', '127.0.0.1')
    .option('--group-id <id>', 'consumer group; replicas of a role share it', defaultGroup)
    .option('--topic-prefix <prefix>', 'topic prefix', 'lyap.');
}
