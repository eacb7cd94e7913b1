import { readFileSync } from 'node:fs';
import type { KafkaConfig as KafkaJsConfig, SASLOptions } from 'kafkajs';
import { LyapError } from '../../errors.js';
import type { KafkaConfig, KafkaTlsConfig } from './kafka-config.js';
import { kafkajsLogCreator, kafkajsLogLevel, type BusLogger, type LogLevelName } from './kafka-logger.js';

export interface KafkaClientOptionsInput {
  readonly config: KafkaConfig;
  readonly logger: BusLogger;
  readonly logLevel?: LogLevelName;
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  readonly retries?: number;
  /** Injected for tests; reads the TLS files. */
  readonly readFile?: (path: string) => Buffer;
}

function tlsOptions(
  tls: KafkaTlsConfig,
  readFile: (path: string) => Buffer,
): NonNullable<KafkaJsConfig['ssl']> {
  const load = (variable: string, path: string | undefined): Buffer | undefined => {
    if (path === undefined) return undefined;
    try {
      return readFile(path);
    } catch (cause) {
      throw new LyapError('LYAP_E_CONFIG', `${variable} ${path} cannot be read`, {
        cause,
        context: { variable },
      });
    }
  };
  const ca = load('KAFKA_SSL_CA_FILE', tls.caFile);
  const cert = load('KAFKA_SSL_CERT_FILE', tls.certFile);
  const key = load('KAFKA_SSL_KEY_FILE', tls.keyFile);
  return {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(ca === undefined ? {} : { ca: [ca] }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
  };
}

/** The kafkajs client settings for a `KafkaConfig`: brokers, TLS (files read here), SASL, logging. */
export function kafkaClientOptions(input: KafkaClientOptionsInput): KafkaJsConfig {
  const { config } = input;
  const sasl: SASLOptions | undefined =
    config.sasl === undefined
      ? undefined
      : { mechanism: config.sasl.mechanism, username: config.sasl.username, password: config.sasl.password };
  return {
    clientId: config.clientId,
    brokers: [...config.brokers],
    connectionTimeout: input.connectionTimeoutMs ?? 3000,
    requestTimeout: input.requestTimeoutMs ?? 30_000,
    logLevel: kafkajsLogLevel(input.logLevel ?? 'info'),
    logCreator: kafkajsLogCreator(input.logger),
    ...(input.retries === undefined ? {} : { retry: { retries: input.retries } }),
    ...(config.tls === undefined
      ? {}
      : { ssl: tlsOptions(config.tls, input.readFile ?? ((p) => readFileSync(p))) }),
    ...(sasl === undefined ? {} : { sasl }),
  };
}
