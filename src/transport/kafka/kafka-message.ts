import type { KafkaMessage } from 'kafkajs';
import type { BusMessage } from '../bus.js';

const EMPTY = new Uint8Array(0);

/** A fetched record as the bus hands it on: the key as text, the value as bytes (a tombstone is empty). */
export function toBusMessage(topic: string, partition: number, m: KafkaMessage): BusMessage {
  const message: BusMessage = {
    topic,
    partition,
    offset: m.offset,
    value: m.value ?? EMPTY,
    timestampMs: Number(m.timestamp),
  };
  if (m.key !== null) message.key = m.key.toString('utf8');
  return message;
}

/** Consecutive slices of at most `size` items (one delivery each). */
export function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The offset a group commits after processing `offset`: the next one to read. */
export function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}
