import type { Consumer, EachBatchPayload } from 'kafkajs';
import { Observable } from 'rxjs';
import type { Delivery } from '../bus.js';
import { withTimeout } from '../../with-timeout.js';
import { kafkaError } from './kafka-errors.js';
import { chunksOf, nextOffset, toBusMessage } from './kafka-message.js';
import type { BusLogger } from './kafka-logger.js';

export interface GroupConsumerOptions {
  /** A fresh kafkajs consumer of the group; this function connects, runs and disconnects it. */
  readonly consumer: Consumer;
  readonly topics: readonly string[];
  readonly groupId: string;
  readonly fromBeginning: boolean;
  readonly maxBatchSize: number;
  /** How often a consumer waiting for an ack heartbeats, so the group keeps it. */
  readonly heartbeatIntervalMs: number;
  readonly logger: BusLogger;
  /** Runs before subscribing (creating the topics). */
  readonly prepare: () => Promise<void>;
  /**
   * Settles when the bus closes: no new delivery is emitted, the one in flight has
   * `closeGraceMs` to be acked (and committed), then the consumer leaves and completes.
   */
  readonly closing: Promise<void>;
  readonly closeGraceMs: number;
  /** Told of each consumer's shutdown, so that the bus's `close()` can wait for it. */
  readonly onStop: (stopped: Promise<void>) => void;
  /**
   * Told each time the consumer has joined its group and knows where its partitions start (its
   * first fetch after the join has ended): a record published from then on reaches it.
   */
  readonly onJoined?: (() => void) | undefined;
  /** The broker's reason behind kafkajs's "Failed to find group coordinator", when it can be had. */
  readonly explainMissingCoordinator?: (groupId: string) => Promise<unknown>;
}

/** The failure, with the broker's own reason when kafkajs only said it found no coordinator. */
async function explained(options: GroupConsumerOptions, what: string, error: unknown): Promise<Error> {
  const name = (error as { name?: unknown } | undefined)?.name;
  if (name === 'KafkaJSGroupCoordinatorNotFound' && options.explainMissingCoordinator !== undefined) {
    const reason = await options.explainMissingCoordinator(options.groupId).catch(() => undefined);
    if (reason !== undefined) return kafkaError(what, reason);
  }
  return kafkaError(what, error);
}

type Wait = 'acked' | 'stopped';

/**
 * How long leaving the group may take. kafkajs's disconnect waits for the consumer's current
 * operation, which can be a rejoin retrying against a coordinator that is gone (a broker
 * killed mid-run); shutdown must not wait for it forever. The group notices the departure by
 * its session timeout instead.
 */
const DISCONNECT_TIMEOUT_MS = 15_000;

/**
 * A consumer-group subscription as an Observable of deliveries. Each kafkajs batch (one
 * partition's fetched records) becomes one delivery, or several of at most `maxBatchSize`.
 *
 * Backpressure: `eachBatch` does not return until the delivery is acked, so kafkajs
 * fetches nothing more meanwhile (`partitionsConsumedConcurrently` 1); it heartbeats while
 * it waits, so a slow consumer stays in the group. The ack resolves the offsets and
 * commits them (`autoCommit` off) before the next delivery is emitted: at-least-once.
 * Unsubscribing or the bus closing stops the consumer; an unacked delivery is not
 * committed and goes to the group's next owner of the partition.
 */
export function consumeGroup(options: GroupConsumerOptions): Observable<Delivery> {
  return new Observable<Delivery>((subscriber) => {
    const { consumer, logger } = options;
    /** No new delivery once set; `abandon` also gives up waiting for the one in flight. */
    let stopping = false;
    let abandon!: () => void;
    const stopped = new Promise<'stopped'>((resolve) => {
      abandon = () => {
        resolve('stopped');
      };
    });
    /** A delivery emitted and not acked yet: nothing else is emitted until it is (rebalances included). */
    let outstanding: Promise<void> | undefined;
    /** Counts this consumer's group joins: partitions may have moved since the last delivery. */
    let epoch = 0;
    /** Offsets acknowledged with `commit: false`, committed with the next plain ack or `commit()` (`topic:partition`). */
    const deferred = new Map<string, { topic: string; partition: number; offset: string }>();
    /** The commit request in flight, and whether offsets acked since wait for another. */
    let committing: Promise<void> | undefined;
    let commitWanted = false;

    const waitFor = async (acked: Promise<void>, heartbeat: () => Promise<void>): Promise<Wait> => {
      for (;;) {
        let timer: NodeJS.Timeout | undefined;
        const tick = new Promise<'tick'>(
          (resolve) => (timer = setTimeout(resolve, options.heartbeatIntervalMs, 'tick')),
        );
        const first = await Promise.race([acked.then((): Wait => 'acked'), stopped, tick]);
        clearTimeout(timer);
        if (first !== 'tick') return first;
        await heartbeat();
      }
    };

    const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
      const { batch } = payload;
      const heartbeat = (): Promise<void> => payload.heartbeat();
      const chunks = chunksOf(batch.messages, options.maxBatchSize);
      for (const [i, chunk] of chunks.entries()) {
        if (outstanding !== undefined && (await waitFor(outstanding, heartbeat)) === 'stopped') return;
        if (stopping || !payload.isRunning() || payload.isStale() || subscriber.closed) return;
        const delivery = { acked: false, commit: true, givenUp: false };
        const generation = epoch;
        let ack!: () => void;
        const acked = new Promise<void>((resolve) => (ack = resolve));
        outstanding = acked;
        // The last chunk commits past the batch's end, control records of transactions included.
        const last =
          i === chunks.length - 1 ? batch.lastOffset() : (chunk.at(-1)?.offset ?? batch.lastOffset());
        const lag = Number(BigInt(batch.highWatermark) - BigInt(nextOffset(last)));
        const current = (): boolean => generation === epoch && !leaving();
        subscriber.next({
          epoch,
          lag: Math.max(0, lag),
          messages: chunk.map((m) => toBusMessage(batch.topic, batch.partition, m)),
          ack: (ackOptions) => {
            if (delivery.acked) return;
            delivery.acked = true;
            delivery.commit = ackOptions?.commit !== false;
            // Recorded at the ack, so that a `commit()` called right after it covers the delivery;
            // not once given up or in a later generation (the partition may be another's now).
            if (!delivery.givenUp && generation === epoch) {
              payload.resolveOffset(last);
              deferred.set(`${batch.topic}:${batch.partition}`, {
                topic: batch.topic,
                partition: batch.partition,
                offset: nextOffset(last),
              });
            }
            ack();
          },
          commit: () => {
            if (current()) commit(payload);
          },
          current,
        });
        if ((await waitFor(acked, heartbeat)) === 'stopped' && !delivery.acked) {
          delivery.givenUp = true;
          return;
        }
        outstanding = undefined;
        if (!delivery.commit) continue;
        commit(payload);
        // Leaving the group: what was acked is committed before the member goes.
        if (leaving() || !payload.isRunning()) await commitsSettled();
      }
    };

    /**
     * The offsets acked so far, committed without holding up the next delivery: one commit
     * request in flight at a time (requests to the coordinator are answered in order); offsets
     * acked meanwhile leave with the next. A failed commit is a warning: its offsets wait for the
     * next ack's commit unless a newer one or a new generation replaced them, and what no commit
     * covers is read again by the group (at-least-once).
     */
    const commit = (payload: Pick<EachBatchPayload, 'commitOffsetsIfNecessary'>): void => {
      if (committing !== undefined) {
        commitWanted = true;
        return;
      }
      commitWanted = false;
      const sent = [...deferred];
      const generation = epoch;
      const topics = new Map<string, { partition: number; offset: string }[]>();
      for (const d of deferred.values()) {
        let list = topics.get(d.topic);
        if (list === undefined) topics.set(d.topic, (list = []));
        list.push({ partition: d.partition, offset: d.offset });
      }
      deferred.clear();
      // The batch's own commit call: unlike consumer.commitOffsets it still commits while stopping.
      committing = payload
        .commitOffsetsIfNecessary({
          topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
        })
        .catch((error: unknown) => {
          if (generation === epoch) for (const [key, d] of sent) if (!deferred.has(key)) deferred.set(key, d);
          logger({
            level: 'warn',
            namespace: 'lyap.kafka',
            message: `committing offsets of group ${options.groupId}: ${error instanceof Error ? error.message : String(error)}; the next commit covers them`,
            fields: { groupId: options.groupId },
          });
        })
        .finally(() => {
          committing = undefined;
          if (commitWanted) commit(payload);
        });
    };
    // A function, not a read of `stopping`: the compiler would take it as fixed after one check.
    const leaving = (): boolean => stopping;
    const commitsSettled = async (): Promise<void> => {
      while (committing !== undefined) await committing;
    };

    // `onJoined` waits for the first fetch after a join: kafkajs looks up where the assigned
    // partitions start (the committed offsets, or for a new group reading from the end, the end)
    // at the start of each fetch, not at the join, and a record published between the two would
    // be skipped by such a group. That fetch's node is followed from its start to its end, so that
    // the end of a fetch begun before the join does not count: a fetch that fails on stale
    // metadata (a leader not elected yet) rejoins before it ends. One that fails on a closed
    // connection or a broker not found ends without a new join, and then `onJoined` can still
    // come before the positions are known, as it always did before 2026-12-07.
    let joinPending = false;
    let lookupNode: number | undefined;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      epoch++;
      // The new generation starts at the committed offsets; deferred ones are work to redo.
      deferred.clear();
      joinPending = true;
      lookupNode = undefined;
    });
    consumer.on(consumer.events.FETCH_START, (event) => {
      if (joinPending && lookupNode === undefined) lookupNode = event.payload.nodeId;
    });
    consumer.on(consumer.events.FETCH, (event) => {
      if (!joinPending || lookupNode === undefined || event.payload.nodeId !== lookupNode) return;
      joinPending = false;
      lookupNode = undefined;
      options.onJoined?.();
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart && !stopping) {
        const what = `consumer group ${options.groupId} reading ${options.topics.join(', ')}`;
        void explained(options, what, event.payload.error).then((error) => {
          subscriber.error(error);
        });
      }
    });

    const started = (async () => {
      await options.prepare();
      await consumer.connect();
      await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch,
      });
    })();
    started.catch((error: unknown) => {
      if (!stopping) {
        const what = `starting consumer group ${options.groupId} on ${options.topics.join(', ')}`;
        void explained(options, what, error).then((e) => {
          subscriber.error(e);
        });
      }
    });

    let shutdown: Promise<void> | undefined;
    const stopConsumer = (graceMs: number): Promise<void> => {
      if (shutdown !== undefined) return shutdown;
      stopping = true;
      let timer: NodeJS.Timeout | undefined;
      if (outstanding === undefined || graceMs <= 0) abandon();
      else {
        timer = setTimeout(abandon, graceMs);
        void outstanding.then(() => {
          clearTimeout(timer);
        });
      }
      shutdown = started
        .catch(() => undefined)
        .then(commitsSettled)
        .then(() =>
          withTimeout(consumer.disconnect(), DISCONNECT_TIMEOUT_MS, `leaving group ${options.groupId}`),
        )
        .finally(() => {
          clearTimeout(timer);
          abandon();
        })
        .catch((error: unknown) => {
          logger({
            level: 'warn',
            namespace: 'lyap.kafka',
            message: `stopping consumer group ${options.groupId}: ${error instanceof Error ? error.message : String(error)}`,
            fields: { groupId: options.groupId },
          });
        });
      options.onStop(shutdown);
      return shutdown;
    };
    void options.closing.then(async () => {
      await stopConsumer(options.closeGraceMs);
      subscriber.complete();
    });

    // An unsubscribed consumer acks nothing more: its delivery in flight is given up at once.
    return () => {
      void stopConsumer(0);
    };
  });
}
