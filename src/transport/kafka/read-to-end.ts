import type { Admin, Consumer } from 'kafkajs';
import { Observable } from 'rxjs';
import type { BusMessage } from '../bus.js';
import { kafkaError } from './kafka-errors.js';
import { toBusMessage } from './kafka-message.js';

export interface ReadToEndOptions {
  readonly admin: Admin;
  /** A consumer of a throwaway group (kafkajs has no group-less reads); it is deleted afterwards. */
  readonly consumer: Consumer;
  readonly groupId: string;
  readonly topics: readonly string[];
}

/**
 * What `topics` hold now: every record from the start of each partition up to its end
 * offset as of the call, in batches (one partition's records each), then completion.
 * Records written after the call are not read. For `lyap record` and for rebuilding
 * state from a compacted topic; nothing is committed, and the throwaway group is deleted.
 */
export function readToEnd(options: ReadToEndOptions): Observable<BusMessage[]> {
  return new Observable<BusMessage[]>((subscriber) => {
    const { admin, consumer } = options;
    let finished = false;
    const finish = async (error?: unknown): Promise<void> => {
      if (finished) return;
      finished = true;
      await consumer.disconnect().catch(() => undefined);
      await admin.deleteGroups([options.groupId]).catch(() => undefined);
      if (error === undefined) subscriber.complete();
      else subscriber.error(kafkaError(`reading ${options.topics.join(', ')} to the end`, error));
    };
    const run = async (): Promise<void> => {
      /** The next offset to read of each partition still short of its end, as `topic:partition`. */
      const remaining = new Map<string, bigint>();
      for (const topic of options.topics) {
        for (const p of await endOffsets(admin, topic)) {
          if (BigInt(p.high) > BigInt(p.low)) remaining.set(`${topic}:${p.partition}`, BigInt(p.high));
        }
      }
      if (remaining.size === 0) {
        await finish();
        return;
      }
      await consumer.connect();
      await consumer.subscribe({ topics: [...options.topics], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const key = `${batch.topic}:${batch.partition}`;
          const end = remaining.get(key);
          if (end === undefined || finished) return;
          const wanted = batch.messages.filter((m) => BigInt(m.offset) < end);
          if (wanted.length > 0) {
            subscriber.next(wanted.map((m) => toBusMessage(batch.topic, batch.partition, m)));
          }
          if (BigInt(batch.lastOffset()) + 1n >= end) remaining.delete(key);
          if (remaining.size === 0) setImmediate(() => void finish());
          await Promise.resolve();
        },
      });
    };
    run().catch((error: unknown) => void finish(error));
    return () => {
      void finish();
    };
  });
}

/**
 * A topic's partition offsets. Just after a topic is created its partitions can answer
 * "not the leader" for a moment although their leaders are elected (metadata propagating):
 * retriable errors are retried with a growing pause, about 5 s in all.
 */
async function endOffsets(admin: Admin, topic: string): ReturnType<Admin['fetchTopicOffsets']> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      const retriable = (error as { retriable?: unknown }).retriable === true;
      if (!retriable || attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}
