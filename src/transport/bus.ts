import type { Observable } from 'rxjs';

export type Payload = string | Uint8Array;

export interface OutgoingMessage {
  key?: string;
  value: Payload;
}

export interface BusMessage {
  topic: string;
  partition: number;
  offset: string;
  key?: string;
  value: Payload;
  timestampMs: number;
}

/**
 * A batch handed to one consumer. The bus delivers the next batch of the same
 * subscription only after `ack()`; acknowledging commits the batch (at-least-once:
 * a consumer that dies before acking sees the batch again).
 */
export interface Delivery {
  readonly messages: readonly BusMessage[];
  /**
   * Done with the batch: the next one may come. `{ commit: false }` defers the commit: the
   * batch's offsets are committed with the next plain `ack()` of the subscription, or by a
   * delivery's `commit()` (Kafka commits per partition, cumulatively), so a consumer that
   * keeps state can commit only where its state is saved. Buses without commits to defer
   * (MemoryBus) commit anyway.
   */
  ack(options?: { commit?: boolean }): void;
  /**
   * Commits now, without waiting for another delivery, the offsets acknowledged with
   * `{ commit: false }` so far in this delivery's group generation (this delivery's once it
   * is acked, and those before it). Nothing when the consumer has rejoined its group since
   * (`current()` false: those offsets were dropped) or is leaving it. Set where commits can
   * be deferred (Kafka); MemoryBus commits every ack.
   */
  readonly commit?: () => void;
  /**
   * Whether this delivery's group generation is still the consumer's: false once it has
   * rejoined its group (its partitions may have changed hands) or started leaving it. Set
   * with `commit`.
   */
  readonly current?: () => boolean;
  /**
   * The consumer's group generation as this consumer counts it: it changes when the
   * consumer (re)joins its group, i.e. when its partitions may have changed hands (Kafka).
   * Absent where partitions never move (MemoryBus).
   */
  readonly epoch?: number;
  /**
   * Messages still behind the end of this delivery's partition once it is handled (the
   * partition's high watermark minus the next offset). Set by Kafka; absent on MemoryBus.
   */
  readonly lag?: number;
}

export interface ConsumeOptions {
  groupId: string;
  fromBeginning?: boolean;
  maxBatchSize?: number;
  /**
   * Called when the consumer has its partitions and knows where they start: Kafka, each time it
   * has joined its group and ended its first fetch after the join (what is published from then
   * on reaches it, also with `fromBeginning` false); MemoryBus, at subscribe.
   */
  onJoined?: () => void;
}

/**
 * The one seam between the pipeline and a broker. Adapters: `MemoryBus`
 * (in-process, the embedded default) and, in its own module, Kafka.
 *
 * `publish` resolves once the messages are accepted; it may wait (backpressure)
 * when consumers lag behind. `consume` completes when the bus is closed or, for
 * buses that support it, when every subscribed topic is sealed and read to its end.
 */
export interface Bus {
  publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  consume(topics: readonly string[], options: ConsumeOptions): Observable<Delivery>;
  close(): Promise<void>;
  /**
   * Everything `topics` hold when called, outside any consumer group, then completion.
   * Buses whose partitions can change hands (Kafka) have it: the processor rebuilds the
   * state of runs it takes over from its state topic with it.
   */
  readToEnd?(topics: readonly string[]): Observable<BusMessage[]>;
  /**
   * Marks the end of a topic: consumers complete once every topic they read is sealed and
   * read to its end. Buses whose topics are shared beyond the process (Kafka) have no end.
   */
  seal?(topic: string): void;
}
