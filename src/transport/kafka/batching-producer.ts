import { LyapError } from '../../errors.js';
import type { OutgoingMessage } from '../bus.js';

export interface TopicBatch {
  readonly topic: string;
  readonly messages: readonly OutgoingMessage[];
}

export interface BatchingProducerOptions {
  /** Sends one request's worth of messages; resolves once the brokers acknowledged them. */
  readonly send: (batches: readonly TopicBatch[]) => Promise<void>;
  /** Messages accepted but not yet acknowledged by the brokers, above which `publish` waits. */
  readonly maxBufferedMessages?: number;
  readonly maxBatchMessages?: number;
  /** Bytes of keys and values per request, below the broker's 1 MiB `message.max.bytes`. */
  readonly maxBatchBytes?: number;
  /**
   * How long the first message waits for company when nothing is being sent. 0 (default): until
   * the calls of the current tick are in (its promise jobs included), so that calls made together
   * leave together, without waiting for an event-loop turn: a busy loop (a trainer's step) would
   * hold a turn for as long as its work takes.
   */
  readonly lingerMs?: number;
}

interface Chunk {
  readonly topic: string;
  readonly messages: OutgoingMessage[];
  readonly bytes: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const sizeOf = (m: OutgoingMessage): number =>
  (typeof m.value === 'string' ? Buffer.byteLength(m.value) : m.value.byteLength) +
  (m.key === undefined ? 0 : Buffer.byteLength(m.key)) +
  32;

/**
 * Coalesces `publish` calls into few produce requests, one at a time: while a request
 * is out, later calls queue up and leave together in the next one (bounded by
 * `maxBatchMessages` and `maxBatchBytes`). `publish` resolves when its messages are
 * acknowledged, so a caller that acks its input after publishing gets at-least-once.
 * At most `maxBufferedMessages` are accepted but unacknowledged; past that `publish`
 * waits for room (a single call larger than the bound is taken when the buffer is empty).
 */
export class BatchingProducer {
  private readonly maxBuffered: number;
  private readonly maxBatchMessages: number;
  private readonly maxBatchBytes: number;
  private readonly lingerMs: number;
  private readonly queue: Chunk[] = [];
  private buffered = 0;
  private sending = false;
  private scheduled = false;
  private closed = false;
  private roomWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: BatchingProducerOptions) {
    this.maxBuffered = options.maxBufferedMessages ?? 10_000;
    this.maxBatchMessages = options.maxBatchMessages ?? 5_000;
    this.maxBatchBytes = options.maxBatchBytes ?? 512 * 1024;
    this.lingerMs = options.lingerMs ?? 0;
  }

  get bufferedMessages(): number {
    return this.buffered;
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    this.assertOpen(topic);
    if (messages.length === 0) return;
    while (this.buffered > 0 && this.buffered + messages.length > this.maxBuffered) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
      this.assertOpen(topic);
    }
    const sent = this.split(topic, messages).map(
      (chunk) =>
        new Promise<void>((resolve, reject) => {
          this.queue.push({ ...chunk, resolve, reject });
        }),
    );
    this.buffered += messages.length;
    this.schedule();
    await Promise.all(sent);
  }

  /** Resolves when every accepted message has been acknowledged or failed. */
  async flush(): Promise<void> {
    if (this.queue.length === 0 && !this.sending) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Refuses new messages; those accepted are still sent (`flush` to wait for them). */
  close(): void {
    this.closed = true;
    for (const wake of this.roomWaiters.splice(0)) wake();
  }

  private assertOpen(topic: string): void {
    if (this.closed) throw new LyapError('LYAP_E_BUS_CLOSED', `publish to ${topic} after the bus was closed`);
  }

  private split(topic: string, messages: readonly OutgoingMessage[]): Omit<Chunk, 'resolve' | 'reject'>[] {
    const chunks: Omit<Chunk, 'resolve' | 'reject'>[] = [];
    let current: OutgoingMessage[] = [];
    let bytes = 0;
    for (const m of messages) {
      const size = sizeOf(m);
      if (
        current.length > 0 &&
        (current.length >= this.maxBatchMessages || bytes + size > this.maxBatchBytes)
      ) {
        chunks.push({ topic, messages: current, bytes });
        current = [];
        bytes = 0;
      }
      current.push(m);
      bytes += size;
    }
    if (current.length > 0) chunks.push({ topic, messages: current, bytes });
    return chunks;
  }

  private schedule(): void {
    if (this.sending || this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    const go = (): void => {
      this.scheduled = false;
      void this.sendNext();
    };
    if (this.lingerMs > 0) setTimeout(go, this.lingerMs);
    else process.nextTick(go);
  }

  private take(): Chunk[] {
    const taken: Chunk[] = [];
    let messages = 0;
    let bytes = 0;
    for (;;) {
      const next = this.queue[0];
      if (next === undefined) break;
      const fits =
        messages + next.messages.length <= this.maxBatchMessages && bytes + next.bytes <= this.maxBatchBytes;
      if (taken.length > 0 && !fits) break;
      this.queue.shift();
      taken.push(next);
      messages += next.messages.length;
      bytes += next.bytes;
    }
    return taken;
  }

  private async sendNext(): Promise<void> {
    if (this.sending) return;
    const chunks = this.take();
    if (chunks.length === 0) return;
    this.sending = true;
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const c of chunks) {
      const list = byTopic.get(c.topic);
      if (list === undefined) byTopic.set(c.topic, [...c.messages]);
      else list.push(...c.messages);
    }
    try {
      await this.options.send([...byTopic].map(([topic, messages]) => ({ topic, messages })));
      for (const c of chunks) c.resolve();
    } catch (error) {
      for (const c of chunks) c.reject(error);
    } finally {
      this.sending = false;
      this.buffered -= chunks.reduce((n, c) => n + c.messages.length, 0);
      this.wakeRoomWaiters();
      if (this.queue.length > 0) void this.sendNext();
      else for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  private wakeRoomWaiters(): void {
    for (const wake of this.roomWaiters.splice(0)) wake();
  }
}
