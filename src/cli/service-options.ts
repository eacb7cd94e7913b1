import { Option, type Command } from 'commander';
import { DEFAULT_TOPIC_PREFIX } from '../events/index.js';
import { nonNegativeInteger } from './options.js';

// The flags several commands share, one declaration each: Kafka brokers, the metrics
// endpoint, the topic prefix, and the consumer group of the long-running roles.

/** `--brokers`: undefined leaves the choice to KAFKA_BROKERS (or, for `lyap train`, in-process). */
export interface BrokersFlags {
  brokers?: string;
}

/** `--metrics-port`, `--metrics-host`, `--web-config`: undefined port, no endpoint. */
export interface MetricsFlags {
  metricsPort?: number;
  metricsHost: string;
  webConfig?: string;
}

export interface TopicPrefixFlags {
  topicPrefix: string;
}

/** The flags every long-running Kafka role (`lyap process`, `lyap control`) shares. */
export interface ServiceFlags extends BrokersFlags, MetricsFlags, TopicPrefixFlags {
  groupId: string;
}

export const DEFAULT_METRICS_HOST = '127.0.0.1';

export function brokersOption(
  description = 'Kafka bootstrap servers, host:port[,…] (default: KAFKA_BROKERS)',
): Option {
  return new Option('--brokers <list>', description);
}

export interface MetricsOptionsOptions {
  /** The help of `--metrics-port`. */
  portDescription?: string;
  /** The default of `--metrics-host` (default: DEFAULT_METRICS_HOST). */
  host?: string;
}

/** `--metrics-port` and `--metrics-host`, in that order. */
export function metricsOptions(command: Command, options: MetricsOptionsOptions = {}): Command {
  const portDescription =
    options.portDescription ?? 'serve /metrics, /healthz, /readyz here; 0 picks a free port';
  return command
    .addOption(
      new Option('--metrics-port <port>', portDescription).argParser(nonNegativeInteger('--metrics-port')),
    )
    .addOption(
      new Option('--metrics-host <host>', 'address the metrics endpoint binds to').default(
        options.host ?? DEFAULT_METRICS_HOST,
      ),
    )
    .addOption(webConfigOption());
}

/** `--web-config`: TLS and basic authentication of the HTTP server (docs/security.md). */
export function webConfigOption(): Option {
  return new Option(
    '--web-config <file>',
    'TLS and basic auth for the HTTP server: a Prometheus exporter web.config (tls_server_config, basic_auth_users with bcrypt hashes; docs/security.md)',
  );
}

export function topicPrefixOption(description = 'topic prefix'): Option {
  return new Option('--topic-prefix <prefix>', description).default(DEFAULT_TOPIC_PREFIX);
}

export function serviceOptions(command: Command, defaultGroup: string): Command {
  return metricsOptions(command.addOption(brokersOption()))
    .addOption(
      new Option('--group-id <id>', 'consumer group; replicas of a role share it').default(defaultGroup),
    )
    .addOption(topicPrefixOption());
}
