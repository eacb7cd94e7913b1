import assert from 'node:assert/strict';
import { lastValueFrom, map, toArray } from 'rxjs';
import { decodeEvent, type LyapEvent } from '../../src/events/index.js';
import type { MemoryBus } from '../../src/transport/index.js';

/** Seals `topic` and reads it from the beginning to its end, every message decoded (a bad one fails the test). */
export async function readSealed(bus: MemoryBus, topic: string): Promise<LyapEvent[]> {
  bus.seal(topic);
  const batches = await lastValueFrom(
    bus.consume([topic], { groupId: `read-sealed-${topic}`, fromBeginning: true }).pipe(
      map((d) => {
        d.ack();
        return d.messages;
      }),
      toArray(),
    ),
    { defaultValue: [] },
  );
  return batches.flat().map((m) => {
    const decoded = decodeEvent(m.value);
    assert.ok(decoded.ok, `${topic}: ${decoded.ok ? '' : decoded.error.message}`);
    return decoded.event;
  });
}
