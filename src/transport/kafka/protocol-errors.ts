import { createRequire } from 'node:module';

interface ProtocolErrorCode {
  readonly type: string;
  readonly retriable: boolean;
  readonly message: string;
}

/**
 * Group-protocol answers kafkajs meets in every join and acts on by itself (it rejoins with the
 * member id or generation the broker asks for); its table marks them not retriable, because
 * retrying the same request would not help, but the client recovers from them all the same.
 */
const HANDLED_BY_THE_CLIENT: ReadonlySet<string> = new Set([
  'MEMBER_ID_REQUIRED',
  'REBALANCE_IN_PROGRESS',
  'UNKNOWN_MEMBER_ID',
  'ILLEGAL_GENERATION',
]);

/**
 * kafkajs's own table of Kafka protocol errors (`src/protocol/error.js`: type, code, retriable,
 * the message its log records carry), so that which broker answers are retried is kafkajs's
 * word, not a second list kept here. kafkajs is pinned (2.2.4); if a release moved the table,
 * the set is empty and only the connection-level patterns of `levelOf` apply.
 */
function loadRecoverable(): ReadonlySet<string> {
  try {
    const table = (
      createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as { errorCodes?: unknown }
    ).errorCodes;
    if (!Array.isArray(table)) return new Set();
    return new Set(
      (table as ProtocolErrorCode[])
        .filter((e) => e.retriable || HANDLED_BY_THE_CLIENT.has(e.type))
        .map((e) => e.message),
    );
  } catch {
    return new Set();
  }
}

const RECOVERABLE = loadRecoverable();

/** True when `error` is the message of a broker answer the client retries or recovers from by itself. */
export function isRecoverableProtocolError(error: string): boolean {
  return RECOVERABLE.has(error);
}
