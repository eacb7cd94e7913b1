import { isLyapError, LyapError, type ErrorCode } from '../../errors.js';

interface KafkaJsErrorShape {
  name?: unknown;
  message?: unknown;
  retriable?: unknown;
  type?: unknown;
  code?: unknown;
  topic?: unknown;
  cause?: unknown;
  errors?: unknown;
}

const shape = (error: unknown): KafkaJsErrorShape =>
  typeof error === 'object' && error !== null ? error : {};

/** The error and what it wraps (kafkajs nests: retries exceeded → cause, aggregates → errors). */
function* causes(error: unknown, depth = 0): Generator<KafkaJsErrorShape> {
  if (depth > 5) return;
  const e = shape(error);
  yield e;
  if (e.cause !== undefined) yield* causes(e.cause, depth + 1);
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* causes(inner, depth + 1);
}

/** What `error` says about being refused by the ACLs, if it does (`TOPIC_AUTHORIZATION_FAILED` …). */
function denial(error: unknown): { type: string; topic?: string } | undefined {
  for (const e of causes(error)) {
    if (typeof e.type === 'string' && e.type.endsWith('_AUTHORIZATION_FAILED')) {
      return { type: e.type, ...(typeof e.topic === 'string' ? { topic: e.topic } : {}) };
    }
  }
  return undefined;
}

const DENIED_WHAT: Record<string, string> = {
  TOPIC_AUTHORIZATION_FAILED: 'the topic',
  GROUP_AUTHORIZATION_FAILED: 'the consumer group',
  CLUSTER_AUTHORIZATION_FAILED: 'a cluster operation',
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 'the transactional id',
};

/**
 * A kafkajs failure as a coded error: `LYAP_E_KAFKA_DENIED` when the ACLs refused it,
 * `LYAP_E_KAFKA_AUTH` when SASL authentication failed, `LYAP_E_KAFKA` (retriable) when
 * kafkajs says a retry may help or the cause is a network or timeout error,
 * `LYAP_E_KAFKA_REJECTED` otherwise. `what` says what was being done ("publishing to lyap.estimates").
 */
export function kafkaError(what: string, error: unknown): LyapError {
  if (isLyapError(error)) return error;
  const e = shape(error);
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const message = typeof e.message === 'string' ? e.message : String(error);
  const context: Record<string, unknown> = { kafkajsError: name };
  if (typeof e.type === 'string') context['kafkaErrorCode'] = e.type;
  const denied = denial(error);
  if (denied !== undefined) {
    context['kafkaErrorCode'] = denied.type;
    const target = denied.topic === undefined ? DENIED_WHAT[denied.type] : `topic ${denied.topic}`;
    return new LyapError(
      'LYAP_E_KAFKA_DENIED',
      `${what}: not authorized for ${target ?? 'this request'} (${denied.type}); the ACLs of this Kafka user do not allow it (docs/security.md)`,
      { cause: error, context },
    );
  }
  if ([...causes(error)].some((c) => c.name === 'KafkaJSSASLAuthenticationError')) {
    return new LyapError('LYAP_E_KAFKA_AUTH', `${what}: ${message}`, { cause: error, context });
  }
  const transient =
    e.retriable === true ||
    /KafkaJS(Connection|RequestTimeout|NumberOfRetriesExceeded|Timeout|BrokerNotFound|NoBrokerAvailable|Lock)/.test(
      name,
    );
  const code: ErrorCode = transient ? 'LYAP_E_KAFKA' : 'LYAP_E_KAFKA_REJECTED';
  return new LyapError(code, `${what}: ${message}`, { cause: error, context });
}
