import { readFileSync } from 'node:fs';
import { LyapError } from '../../errors.js';

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface KafkaSaslConfig {
  readonly mechanism: SaslMechanism;
  readonly username: string;
  readonly password: string;
}

/** TLS to the brokers; the files are read when the client is built. */
export interface KafkaTlsConfig {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly rejectUnauthorized: boolean;
}

/** How to reach a Kafka cluster. Without `tls` the connection is plaintext. */
export interface KafkaConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly sasl?: KafkaSaslConfig;
  readonly tls?: KafkaTlsConfig;
}

export const DEFAULT_KAFKA_CLIENT_ID = 'lyap';

/** The environment variables `kafkaConfigFromEnv` reads (and nothing else does). */
export const KAFKA_ENV = [
  'KAFKA_BROKERS',
  'KAFKA_CLIENT_ID',
  'KAFKA_SASL_MECHANISM',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
  'KAFKA_SASL_PASSWORD_FILE',
  'KAFKA_SSL',
  'KAFKA_SSL_CA_FILE',
  'KAFKA_SSL_CERT_FILE',
  'KAFKA_SSL_KEY_FILE',
  'KAFKA_SSL_REJECT_UNAUTHORIZED',
] as const;
type KafkaEnvName = (typeof KAFKA_ENV)[number];

const invalid = (variable: KafkaEnvName, message: string): LyapError =>
  new LyapError('LYAP_E_CONFIG', `${variable} ${message}`, { context: { variable } });

/** `host:port` with a DNS name, an IPv4 address or a bracketed IPv6 address, and a port 1–65535. */
export function parseBrokerList(text: string, variable: KafkaEnvName = 'KAFKA_BROKERS'): string[] {
  const brokers = text
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (brokers.length === 0) throw invalid(variable, 'is empty: expected host:port[,host:port…]');
  for (const broker of brokers) {
    const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(broker);
    const port = Number(match?.[2]);
    if (match === null || port < 1 || port > 65535) {
      throw invalid(variable, `has ${JSON.stringify(broker)}: expected host:port with a port 1-65535`);
    }
  }
  return brokers;
}

function parseBoolean(env: NodeJS.ProcessEnv, variable: KafkaEnvName): boolean | undefined {
  const raw = env[variable]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw invalid(variable, `is ${JSON.stringify(env[variable])}: expected true or false`);
}

function read(env: NodeJS.ProcessEnv, variable: KafkaEnvName): string | undefined {
  const value = env[variable];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** `KAFKA_SASL_PASSWORD`, or the first line of the file `KAFKA_SASL_PASSWORD_FILE` names (a mounted secret). */
function saslPassword(env: NodeJS.ProcessEnv): string | undefined {
  const inline = read(env, 'KAFKA_SASL_PASSWORD');
  const file = read(env, 'KAFKA_SASL_PASSWORD_FILE');
  if (file === undefined) return inline;
  if (inline !== undefined) {
    throw invalid('KAFKA_SASL_PASSWORD_FILE', 'is set, and so is KAFKA_SASL_PASSWORD: set one');
  }
  try {
    return readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? '';
  } catch (cause) {
    throw new LyapError('LYAP_E_CONFIG', `KAFKA_SASL_PASSWORD_FILE ${file} cannot be read`, {
      cause,
      context: { variable: 'KAFKA_SASL_PASSWORD_FILE' },
    });
  }
}

function parseSasl(env: NodeJS.ProcessEnv): KafkaSaslConfig | undefined {
  const mechanism = read(env, 'KAFKA_SASL_MECHANISM')?.trim().toLowerCase();
  const username = read(env, 'KAFKA_SASL_USERNAME');
  const password = saslPassword(env);
  if (mechanism === undefined) {
    if (username !== undefined || password !== undefined) {
      throw invalid(
        'KAFKA_SASL_MECHANISM',
        `is not set, but a SASL user name or password is: set it to ${SASL_MECHANISMS.join(', ')}`,
      );
    }
    return undefined;
  }
  const known = SASL_MECHANISMS.find((m) => m === mechanism);
  if (known === undefined) {
    throw invalid(
      'KAFKA_SASL_MECHANISM',
      `is ${JSON.stringify(mechanism)}: expected one of ${SASL_MECHANISMS.join(', ')}`,
    );
  }
  if (username === undefined) throw invalid('KAFKA_SASL_USERNAME', `is required with SASL ${known}`);
  if (password === undefined) throw invalid('KAFKA_SASL_PASSWORD', `is required with SASL ${known}`);
  return { mechanism: known, username, password };
}

function parseTls(env: NodeJS.ProcessEnv): KafkaTlsConfig | undefined {
  const enabled = parseBoolean(env, 'KAFKA_SSL');
  const caFile = read(env, 'KAFKA_SSL_CA_FILE');
  const certFile = read(env, 'KAFKA_SSL_CERT_FILE');
  const keyFile = read(env, 'KAFKA_SSL_KEY_FILE');
  const rejectUnauthorized = parseBoolean(env, 'KAFKA_SSL_REJECT_UNAUTHORIZED');
  const files = caFile !== undefined || certFile !== undefined || keyFile !== undefined;
  if (enabled === false) {
    if (files) throw invalid('KAFKA_SSL', 'is false, but TLS files (KAFKA_SSL_*_FILE) are set');
    if (rejectUnauthorized !== undefined) {
      throw invalid('KAFKA_SSL_REJECT_UNAUTHORIZED', 'is set, but KAFKA_SSL is false');
    }
    return undefined;
  }
  if (enabled === undefined && !files) {
    if (rejectUnauthorized !== undefined) {
      throw invalid('KAFKA_SSL_REJECT_UNAUTHORIZED', 'is set, but TLS is off: set KAFKA_SSL=true');
    }
    return undefined;
  }
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw invalid(
      certFile === undefined ? 'KAFKA_SSL_CERT_FILE' : 'KAFKA_SSL_KEY_FILE',
      'is not set: a client certificate needs both KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE',
    );
  }
  return {
    rejectUnauthorized: rejectUnauthorized ?? true,
    ...(caFile === undefined ? {} : { caFile }),
    ...(certFile === undefined ? {} : { certFile }),
    ...(keyFile === undefined ? {} : { keyFile }),
  };
}

/**
 * The Kafka connection settings from the environment, validated: for the process edge
 * (the CLI); everything inside takes a `KafkaConfig`. TLS is on with `KAFKA_SSL=true` or
 * when any `KAFKA_SSL_*_FILE` is set. Throws `LYAP_E_CONFIG` naming the variable; the
 * password never appears in a message.
 */
export function kafkaConfigFromEnv(env: NodeJS.ProcessEnv): KafkaConfig {
  const brokersText = read(env, 'KAFKA_BROKERS');
  if (brokersText === undefined)
    throw invalid('KAFKA_BROKERS', 'is not set: expected host:port[,host:port…]');
  const clientId = read(env, 'KAFKA_CLIENT_ID')?.trim() ?? DEFAULT_KAFKA_CLIENT_ID;
  if (!/^[A-Za-z0-9._-]{1,255}$/.test(clientId)) {
    throw invalid(
      'KAFKA_CLIENT_ID',
      `is ${JSON.stringify(clientId)}: expected 1-255 characters of [A-Za-z0-9._-]`,
    );
  }
  const sasl = parseSasl(env);
  const tls = parseTls(env);
  return Object.freeze({
    brokers: Object.freeze(parseBrokerList(brokersText)),
    clientId,
    ...(sasl === undefined ? {} : { sasl: Object.freeze(sasl) }),
    ...(tls === undefined ? {} : { tls: Object.freeze(tls) }),
  });
}
