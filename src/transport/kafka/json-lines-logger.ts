import type { BusLogger, LogLevelName, LogRecord } from './kafka-logger.js';
import { isRecoverableProtocolError } from './protocol-errors.js';

const LEVELS: readonly LogLevelName[] = ['error', 'warn', 'info', 'debug'];

/**
 * Conditions a Kafka client meets and retries by itself: a broker not reachable yet or
 * restarting, a coordinator or leader moving, a group rebalancing. kafkajs logs them at
 * `error`; they are warnings until the retries run out, which the caller reports as an error.
 */
const RETRIABLE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|Connection error|Connection timeout|Closed connection|coordinator is (loading|not available)|not the (leader|correct coordinator)|no leader|leader not available|Request timed out|rebalanc|Failed to connect to seed broker|Crash: KafkaJSNumberOfRetriesExceeded/i;

/**
 * Refusals the command ends with, in one `lyap: …` line of its own (LYAP_E_KAFKA_AUTH,
 * LYAP_E_KAFKA_DENIED): kafkajs's records of them are debug detail, not more error lines.
 */
const REPORTED_AT_EXIT =
  /authentication failed|authorization[ _]failed|Not authorized|Topic creation errors|Crash: KafkaJSGroupCoordinatorNotFound/i;

export interface JsonLinesLoggerOptions {
  /** The process's role, as its own log lines name it (`processor`, `controller`, `trainer`). */
  role: string;
  /** Records below this level are dropped (default `warn`). */
  minLevel?: LogLevelName;
  /** Within this many ms a repeat of a line (same source, level and message) is counted, not written (default 10 s). */
  repeatWindowMs?: number;
  write?: (line: string) => void;
  clock?: () => number;
}

/**
 * The level a record deserves: a retriable condition is a warning, whatever kafkajs said. A
 * broker's answer is retriable when kafkajs's own protocol table says so (protocol-errors.ts):
 * "does not host this topic-partition" right after a topic is created, "not the leader",
 * "coordinator is loading" while a fresh broker loads its group metadata.
 */
export function levelOf(record: LogRecord): LogLevelName {
  if (record.level !== 'error' && record.level !== 'warn') return record.level;
  const error = typeof record.fields['error'] === 'string' ? record.fields['error'] : '';
  if (REPORTED_AT_EXIT.test(`${record.message} ${error}`)) return 'debug';
  if (record.level === 'warn') return 'warn';
  const retrying = record.fields['retryCount'] !== undefined || record.fields['retryTime'] !== undefined;
  return retrying || isRecoverableProtocolError(error) || RETRIABLE.test(`${record.message} ${error}`)
    ? 'warn'
    : 'error';
}

/**
 * The Kafka client's log records as the service's own log lines: one JSON object per line,
 * `{ level, role, source, msg, ...fields }`, without stack traces (the error a command ends
 * with says what failed), retriable conditions as warnings, and a repeat within
 * `repeatWindowMs` counted into the next line written for it (`repeated`).
 */
export function jsonLinesLogger(options: JsonLinesLoggerOptions): BusLogger {
  const max = LEVELS.indexOf(options.minLevel ?? 'warn');
  const windowMs = options.repeatWindowMs ?? 10_000;
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const clock = options.clock ?? Date.now;
  const seen = new Map<string, { atMs: number; repeated: number }>();
  return (record) => {
    const level = levelOf(record);
    if (LEVELS.indexOf(level) > max) return;
    const key = `${level} ${record.namespace} ${record.message}`;
    const now = clock();
    const last = seen.get(key);
    if (last !== undefined && now - last.atMs < windowMs) {
      last.repeated++;
      return;
    }
    seen.set(key, { atMs: now, repeated: 0 });
    if (seen.size > 1_000) seen.delete(seen.keys().next().value ?? key);
    const line: Record<string, unknown> = {
      level,
      role: options.role,
      source: record.namespace,
      msg: record.message,
      ...record.fields,
    };
    delete line['stack'];
    if (last !== undefined && last.repeated > 0) line['repeated'] = last.repeated;
    write(`${JSON.stringify(line)}\n`);
  };
}
