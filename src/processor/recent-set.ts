export interface RecentSetOptions<K> {
  capacity: number;
  /**
   * Where a key goes in the ring (modulo `capacity`); what the slot holds tells whether a key is
   * remembered. Steps added in increasing order go by their value, so a slot is only ever
   * overwritten by a later step. Omitted: keys take the slots in turn (the oldest added is
   * forgotten first) and a set tells which are remembered.
   */
  slotOf?: (key: K) => number;
}

/**
 * The most recent keys added, at most `capacity` of them, in a ring: a key takes a slot and
 * pushes out the key that held it. `delete` forgets a key at once, but a slot taken in turn
 * is given back only in its turn: a key deleted and added again holds two slots and is
 * forgotten when the older one is taken (as the engine's ended runs always were).
 */
export class RecentSet<K> {
  private readonly ring: (K | undefined)[];
  private readonly members: Set<K> | undefined;
  private turn = 0;

  constructor(private readonly options: RecentSetOptions<K>) {
    this.ring = new Array<K | undefined>(Math.max(1, options.capacity)).fill(undefined);
    if (options.slotOf === undefined) this.members = new Set();
  }

  has(key: K): boolean {
    return this.members === undefined ? this.ring[this.slotOf(key)] === key : this.members.has(key);
  }

  add(key: K): void {
    if (this.has(key)) return;
    const slot = this.members === undefined ? this.slotOf(key) : this.turn++ % this.ring.length;
    const pushedOut = this.ring[slot];
    this.ring[slot] = key;
    this.members?.add(key);
    if (pushedOut !== undefined) this.members?.delete(pushedOut);
  }

  /** Whether the key was remembered. */
  delete(key: K): boolean {
    if (this.members !== undefined) return this.members.delete(key);
    if (!this.has(key)) return false;
    this.ring[this.slotOf(key)] = undefined;
    return true;
  }

  /** The keys remembered: in the order added, or, placed by value, in slot order. */
  keys(): K[] {
    return this.members === undefined
      ? this.ring.filter((key): key is K => key !== undefined)
      : [...this.members];
  }

  private slotOf(key: K): number {
    return (this.options.slotOf?.(key) ?? 0) % this.ring.length;
  }
}
