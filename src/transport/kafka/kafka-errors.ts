import { isLyapError, LyapError } from '../../errors.js';

interface KafkaJsErrorShape {
  name?: unknown;
  message?: unknown;
  retriable?: unknown;
  type?: unknown;
}

/**
 * A kafkajs failure as a coded error: `LYAP_E_KAFKA` (retriable) when kafkajs says a
 * retry may help or the cause is a network or timeout error, `LYAP_E_KAFKA_REJECTED`
 * otherwise. `what` says what was being done ("publish to lyap.estimates").
 */
export function kafkaError(what: string, error: unknown): LyapError {
  if (isLyapError(error)) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as KafkaJsErrorShape;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const message = typeof e.message === 'string' ? e.message : String(error);
  const transient =
    e.retriable === true ||
    /KafkaJS(Connection|RequestTimeout|NumberOfRetriesExceeded|Timeout|BrokerNotFound|NoBrokerAvailable|Lock)/.test(
      name,
    );
  const context: Record<string, unknown> = { kafkajsError: name };
  if (typeof e.type === 'string') context['kafkaErrorCode'] = e.type;
  return new LyapError(transient ? 'LYAP_E_KAFKA' : 'LYAP_E_KAFKA_REJECTED', `${what}: ${message}`, {
    cause: error,
    context,
  });
}
