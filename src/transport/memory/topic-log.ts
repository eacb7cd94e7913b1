import type { BusMessage } from '../bus.js';

interface Reader {
  position: number;
  committed: number;
}

/**
 * One topic of the in-memory bus: an append-only log with a moving start, and each
 * reading group's read position and committed offset. Entries below every group's
 * committed offset are dropped.
 */
export class TopicLog {
  readonly readers = new Map<string, Reader>();
  /** Committed offsets of groups with no consumer now, kept (as Kafka keeps them) for when one returns. */
  private readonly parked = new Map<string, number>();
  sealed = false;
  private entries: { seq: number; message: BusMessage }[] = [];
  private head = 0;
  private base = 0;

  constructor(readonly name: string) {}

  get start(): number {
    return this.base + this.head;
  }

  get end(): number {
    return this.base + this.entries.length;
  }

  append(seq: number, message: BusMessage): void {
    this.entries.push({ seq, message });
  }

  seqAt(offset: number): number | undefined {
    return offset < this.end ? this.entry(offset).seq : undefined;
  }

  messageAt(offset: number): BusMessage {
    return this.entry(offset).message;
  }

  /** A returning group resumes at its committed offset; a new one at `from`. */
  addReader(id: string, from: number): void {
    const resume = this.parked.get(id);
    this.parked.delete(id);
    const at = Math.max(resume ?? from, this.start);
    this.readers.set(id, { position: at, committed: at });
  }

  removeReader(id: string): void {
    const r = this.readers.get(id);
    if (r !== undefined) this.parked.set(id, r.committed);
    this.readers.delete(id);
    this.trimCommitted();
  }

  position(id: string): number {
    return this.readers.get(id)?.position ?? this.end;
  }

  advance(id: string, to: number): void {
    const r = this.readers.get(id);
    if (r !== undefined) r.position = to;
  }

  commit(id: string): void {
    const r = this.readers.get(id);
    if (r === undefined) return;
    r.committed = r.position;
    this.trimCommitted();
  }

  backlog(): number {
    if (this.readers.size === 0) return 0;
    let min = Infinity;
    for (const r of this.readers.values()) min = Math.min(min, r.committed);
    return this.end - min;
  }

  trimTo(offset: number): void {
    const drop = Math.min(offset, this.end) - this.start;
    if (drop <= 0) return;
    this.head += drop;
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.base += this.head;
      this.head = 0;
    }
  }

  private trimCommitted(): void {
    if (this.readers.size === 0) return;
    let min = Infinity;
    for (const r of this.readers.values()) min = Math.min(min, r.committed);
    this.trimTo(min);
  }

  private entry(offset: number): { seq: number; message: BusMessage } {
    const e = this.entries[offset - this.base];
    if (e === undefined)
      throw new RangeError(`offset ${offset} is outside ${this.name} [${this.start}, ${this.end})`);
    return e;
  }
}
