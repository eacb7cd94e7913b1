import { makeDeadLetter, type DeadLetterEvent } from '../events/index.js';
import type { BusMessage } from '../transport/index.js';

export interface Rejection {
  /** Why, as the dead letter's `error` says it: `<reason>: <detail>`. */
  error: string;
  /** The run the payload named, when it named a valid one. */
  runId?: string | undefined;
  nowMs: number;
}

/** The dead letter for a consumed message that a stage rejects: where it came from, why, and its bytes. */
export function deadLetterOf(message: BusMessage, rejection: Rejection): DeadLetterEvent {
  const input: Parameters<typeof makeDeadLetter>[0] = {
    sourceTopic: message.topic,
    partition: message.partition,
    offset: message.offset,
    error: rejection.error,
    raw: message.value,
    ts: rejection.nowMs,
  };
  if (message.key !== undefined) input.key = message.key;
  if (rejection.runId !== undefined) input.runId = rejection.runId;
  return makeDeadLetter(input);
}

/** Empty payloads (tombstones on a compacted topic, blank lines in a replay file): skipped, never rejected. */
export function isBlank(value: string | Uint8Array): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = typeof value === 'string' ? value.charCodeAt(i) : (value[i] ?? 0);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}
