import kafkajs, { type logCreator as LogCreator, type logLevel as KafkaJsLogLevel } from 'kafkajs';
import { levelOf } from './json-lines-logger.js';

export type LogLevelName = 'error' | 'warn' | 'info' | 'debug';

export interface LogRecord {
  readonly level: LogLevelName;
  /** Where it comes from, e.g. `kafkajs.Consumer`. */
  readonly namespace: string;
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** Where the Kafka transport (and kafkajs inside it) logs: injected, never the console by itself. */
export type BusLogger = (record: LogRecord) => void;

const LEVELS: readonly LogLevelName[] = ['error', 'warn', 'info', 'debug'];

/**
 * One line per record on stderr, from `minLevel` up, at the level `levelOf` grades it (what the
 * client retries by itself is a warning): the default of a KafkaBus given no logger (scripts,
 * benches, tests). The services log JSON lines instead (`jsonLinesLogger`).
 */
export function stderrLogger(minLevel: LogLevelName = 'warn'): BusLogger {
  const max = LEVELS.indexOf(minLevel);
  return (record) => {
    const level = levelOf(record);
    if (LEVELS.indexOf(level) > max) return;
    const fields = Object.keys(record.fields).length === 0 ? '' : ` ${JSON.stringify(record.fields)}`;
    process.stderr.write(`${level} [${record.namespace}] ${record.message}${fields}\n`);
  };
}

const { logLevel } = kafkajs;
const FROM_KAFKAJS: Readonly<Record<number, LogLevelName>> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export function kafkajsLogLevel(level: LogLevelName): KafkaJsLogLevel {
  return { error: logLevel.ERROR, warn: logLevel.WARN, info: logLevel.INFO, debug: logLevel.DEBUG }[level];
}

/** Routes kafkajs's own log lines to a `BusLogger`. */
export function kafkajsLogCreator(logger: BusLogger): LogCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, ...rest } = log;
      const fields: Record<string, unknown> = { ...rest };
      delete fields['timestamp'];
      delete fields['logger'];
      logger({
        // Retries are bounded on purpose (publish fails and the caller decides); not worth a warning.
        level: message.startsWith('Limiting retries for the idempotent producer')
          ? 'debug'
          : (FROM_KAFKAJS[level] ?? 'info'),
        namespace: namespace === '' ? 'kafkajs' : `kafkajs.${namespace}`,
        message,
        fields,
      });
    };
}
