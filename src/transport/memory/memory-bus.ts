import { Observable, type Subscriber } from 'rxjs';
import { LyapError } from '../../errors.js';
import type { Bus, BusMessage, ConsumeOptions, Delivery, OutgoingMessage } from '../bus.js';
import { TopicLog } from './topic-log.js';

export interface MemoryBusOptions {
  /** Unread messages per topic (behind its slowest consumer group) above which `publish` waits. */
  highWaterMessages?: number;
  /** Messages kept on a topic that no group reads; older ones are dropped, as Kafka's retention would. */
  retainMessages?: number;
  maxBatchSize?: number;
  now?: () => number;
}

interface Group {
  readonly id: string;
  readonly topics: readonly TopicLog[];
  readonly maxBatchSize: number;
  readonly subscriber: Subscriber<Delivery>;
  inFlight: boolean;
  scheduled: boolean;
  done: boolean;
}

/**
 * The in-process bus: one partition per topic, offsets from 0, consumer groups with
 * committed positions, at most one batch in flight per group.
 *
 * Backpressure policy: `publish` always appends, then waits while any topic it wrote
 * holds more than `highWaterMessages` unread messages behind its slowest group, until
 * that backlog falls to half. Memory is therefore bounded by the high-water mark plus
 * one publish call per producer. Topics no group reads keep the newest `retainMessages`.
 */
export class MemoryBus implements Bus {
  private readonly topics = new Map<string, TopicLog>();
  private readonly groups = new Map<string, Group>();
  private readonly highWater: number;
  private readonly retain: number;
  private readonly maxBatchSize: number;
  private readonly now: () => number;
  private seq = 0;
  private closed = false;
  private waiters: { topics: TopicLog[]; resolve: () => void }[] = [];

  constructor(options: MemoryBusOptions = {}) {
    this.highWater = options.highWaterMessages ?? 10_000;
    this.retain = options.retainMessages ?? 100_000;
    this.maxBatchSize = options.maxBatchSize ?? 500;
    this.now = options.now ?? Date.now;
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.closed) throw new LyapError('LYAP_E_BUS_CLOSED', `publish to ${topic} after the bus was closed`);
    const log = this.topic(topic);
    if (log.sealed) throw new LyapError('LYAP_E_BUS_CLOSED', `publish to sealed topic ${topic}`);
    const timestampMs = this.now();
    for (const m of messages) {
      const msg: BusMessage = { topic, partition: 0, offset: String(log.end), value: m.value, timestampMs };
      if (m.key !== undefined) msg.key = m.key;
      log.append(this.seq++, msg);
    }
    if (log.readers.size === 0) log.trimTo(log.end - this.retain);
    this.wake(log);
    if (log.backlog() > this.highWater) {
      await new Promise<void>((resolve) => this.waiters.push({ topics: [log], resolve }));
    }
  }

  /** Marks the end of a topic: groups complete once they have read every sealed topic to its end. */
  seal(topic: string): void {
    const log = this.topic(topic);
    log.sealed = true;
    this.wake(log);
  }

  consume(topics: readonly string[], options: ConsumeOptions): Observable<Delivery> {
    return new Observable<Delivery>((subscriber) => {
      if (this.closed) {
        subscriber.error(new LyapError('LYAP_E_BUS_CLOSED', 'consume on a closed bus'));
        return;
      }
      if (this.groups.has(options.groupId)) {
        subscriber.error(
          new LyapError(
            'LYAP_E_BUS_GROUP_BUSY',
            `group ${options.groupId} already has a consumer on this MemoryBus`,
          ),
        );
        return;
      }
      const logs = [...new Set(topics)].map((t) => this.topic(t));
      const group: Group = {
        id: options.groupId,
        topics: logs,
        maxBatchSize: options.maxBatchSize ?? this.maxBatchSize,
        subscriber,
        inFlight: false,
        scheduled: false,
        done: false,
      };
      for (const log of logs) log.addReader(group.id, options.fromBeginning === true ? log.start : log.end);
      options.onJoined?.();
      this.groups.set(group.id, group);
      this.schedule(group);
      return () => {
        group.done = true;
        this.groups.delete(group.id);
        for (const log of logs) log.removeReader(group.id);
        this.releaseWaiters();
      };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const group of [...this.groups.values()]) group.subscriber.complete();
    for (const w of this.waiters.splice(0)) w.resolve();
    await Promise.resolve();
  }

  /** Unread messages of a topic behind its slowest group (what backpressure looks at). */
  backlog(topic: string): number {
    return this.topics.get(topic)?.backlog() ?? 0;
  }

  private topic(name: string): TopicLog {
    let log = this.topics.get(name);
    if (log === undefined) {
      log = new TopicLog(name);
      this.topics.set(name, log);
    }
    return log;
  }

  private wake(log: TopicLog): void {
    for (const id of log.readers.keys()) {
      const group = this.groups.get(id);
      if (group !== undefined) this.schedule(group);
    }
  }

  private schedule(group: Group): void {
    if (group.scheduled || group.inFlight || group.done) return;
    group.scheduled = true;
    setImmediate(() => {
      group.scheduled = false;
      this.pump(group);
    });
  }

  private pump(group: Group): void {
    if (group.inFlight || group.done || this.closed) return;
    const messages = this.take(group);
    if (messages.length === 0) {
      if (group.topics.every((log) => log.sealed && log.position(group.id) >= log.end)) {
        group.done = true;
        group.subscriber.complete();
      }
      return;
    }
    group.inFlight = true;
    let acked = false;
    const delivery: Delivery = {
      messages,
      ack: () => {
        if (acked) return;
        acked = true;
        for (const log of group.topics) log.commit(group.id);
        group.inFlight = false;
        this.releaseWaiters();
        this.schedule(group);
      },
    };
    group.subscriber.next(delivery);
  }

  /** The next messages of the group's topics, merged in publish order. */
  private take(group: Group): BusMessage[] {
    const out: BusMessage[] = [];
    const cursors = group.topics.map((log) => ({ log, at: log.position(group.id) }));
    while (out.length < group.maxBatchSize) {
      let best: (typeof cursors)[number] | undefined;
      let bestSeq = Infinity;
      for (const c of cursors) {
        const seq = c.log.seqAt(c.at);
        if (seq !== undefined && seq < bestSeq) {
          bestSeq = seq;
          best = c;
        }
      }
      if (best === undefined) break;
      out.push(best.log.messageAt(best.at));
      best.at += 1;
    }
    for (const c of cursors) c.log.advance(group.id, c.at);
    return out;
  }

  private releaseWaiters(): void {
    const low = this.highWater / 2;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.topics.every((log) => log.backlog() <= low)) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }
}
