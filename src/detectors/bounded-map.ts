/**
 * A Map with a cap on keys and an event-time TTL: the oldest-touched entries
 * go first when the cap is reached, and `sweep(now)` drops entries not seen
 * within the TTL. What was dropped is counted, so a report can say so.
 */
export interface Timed {
  lastSeen: number;
}

export class BoundedMap<K, V extends Timed> {
  private readonly m = new Map<K, V>();
  evicted = 0;
  expired = 0;

  constructor(readonly maxKeys: number, readonly ttlMs: number) {}

  get size(): number {
    return this.m.size;
  }

  get(k: K): V | undefined {
    return this.m.get(k);
  }

  has(k: K): boolean {
    return this.m.has(k);
  }

  /** Sets and marks as most recently used. */
  set(k: K, v: V): void {
    this.m.delete(k);
    this.m.set(k, v);
    if (this.m.size > this.maxKeys) {
      const oldest = this.m.keys().next().value as K;
      this.m.delete(oldest);
      this.evicted++;
    }
  }

  /** Marks an entry as used at `t` (moves it to the young end). */
  touch(k: K, v: V, t: number): void {
    if (!(t < v.lastSeen)) v.lastSeen = t;
    this.set(k, v);
  }

  delete(k: K): boolean {
    return this.m.delete(k);
  }

  /** Drops entries last seen more than ttl before `now` (event time). */
  sweep(now: number): void {
    if (Number.isNaN(now)) return;
    for (const [k, v] of this.m) {
      if (now - v.lastSeen > this.ttlMs) {
        this.m.delete(k);
        this.expired++;
      }
    }
  }

  entries(): IterableIterator<[K, V]> {
    return this.m.entries();
  }

  clear(): void {
    this.m.clear();
  }
}
