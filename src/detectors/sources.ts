/**
 * The addresses (or user-agent families) one account acted from, each with
 * first and last seen and a count, at most `cap` of them.
 *
 * This was a plain object keyed by address, scanned in full for the least
 * recently seen source whenever a new one came over the cap. Both were slow
 * on the hot path: looking up a freshly parsed string in an object whose keys
 * differ from every other object's is V8's slow path (the key is interned
 * first, the object's shape is one of thousands), and a DaemonSet's account
 * meets a new pod address, over the cap, on many of its requests. Now the
 * sources are a list kept in eviction order, so the one to forget is at its
 * head; a request usually comes from a recent source, near its tail, where a
 * search starts. Past a few sources a Map finds one by its hash instead.
 *
 * Everything observable keeps the object's behaviour: `keys()` and the stored
 * JSON list sources in an object's own key order (array-index keys first,
 * ascending, then the others in insertion order), and the source forgotten
 * over the cap is the first one in that order among those seen least recently.
 */

export interface SourceSeen {
  first: number;
  last: number;
  count: number;
}

/** A source, and its place in the eviction order. */
class Seen implements SourceSeen {
  prev: Seen | null = null;
  next: Seen | null = null;
  constructor(
    readonly key: string,
    /** the key's place in an object's key order: array indices first (negative), then insertion */
    readonly rank: number,
    public first: number,
    public last: number,
    public count: number,
  ) {}

  toJSON(): SourceSeen {
    return { first: this.first, last: this.last, count: this.count };
  }
}

/** Below every insertion rank, in the order of the index: how an object orders array-index keys. */
const INDEX_RANK_BASE = -4294967296;
/** Up to this many sources, a search walks the list; past it, a Map is kept as well. */
const SMALL = 8;

/** A `last` that orders nothing: NaN (a request without a time), or not a number at all (a damaged store). */
function unorderable(last: unknown): boolean {
  return typeof last !== 'number' || Number.isNaN(last);
}

export class Sources {
  /**
   * Every source, ordered by (last, rank), least recently seen first, so that the
   * head is the one to forget. Sources whose `last` orders nothing stay where they
   * are and are stepped over; while there is any, the choice is made by the scan
   * the object version made (`unordered` counts them).
   */
  private head: Seen | null = null;
  private tail: Seen | null = null;
  private n = 0;
  private unordered = 0;
  private nextRank = 0;
  private index: Map<string, Seen> | null = null;

  get size(): number {
    return this.n;
  }

  get(k: string): SourceSeen | undefined {
    return this.find(k);
  }

  /** Counts a request from `k` at `t`; over `cap` sources the least recently seen is forgotten. */
  bump(k: string, t: number, cap: number): void {
    const cur = this.find(k);
    if (cur !== undefined) {
      cur.count++;
      if (t > cur.last) {
        const was = unorderable(cur.last);
        cur.last = t;
        // (the youngest stays the youngest)
        if (was || cur !== this.tail) {
          this.unlink(cur);
          if (was) this.unordered--;
          this.place(cur);
        }
      }
      if (t < cur.first) cur.first = t;
      return;
    }
    this.add(k, t, t, 1);
    if (this.n > cap) this.remove(this.unordered === 0 ? this.head! : this.leastRecentByScan());
  }

  /** The sources in an object's key order. */
  keys(): string[] {
    return this.byRank().map((s) => s.key);
  }

  /** What the store writes: the same JSON as the plain object this used to be. */
  toJSON(): Record<string, SourceSeen> {
    const o = Object.create(null) as Record<string, SourceSeen>;
    for (const s of this.byRank()) o[s.key] = s;
    return o;
  }

  /** Sources from their stored JSON (or a plain object of them). */
  static from(o: unknown): Sources {
    if (o instanceof Sources) return o;
    const s = new Sources();
    if (o !== null && typeof o === 'object') {
      for (const k of Object.keys(o)) {
        const v = (o as Record<string, SourceSeen | null>)[k];
        // (a value that is not an object can only come from a damaged store: the source is not kept)
        if (v !== null && typeof v === 'object') s.add(k, v.first, v.last, v.count);
      }
    }
    return s;
  }

  private find(k: string): Seen | undefined {
    if (this.index !== null) return this.index.get(k);
    for (let s = this.tail; s !== null; s = s.prev) if (s.key === k) return s;
    return undefined;
  }

  private add(k: string, first: number, last: number, count: number): void {
    const s = new Seen(k, isArrayIndex(k) ? INDEX_RANK_BASE + Number(k) : this.nextRank++, first, last, count);
    this.n++;
    if (this.index !== null) this.index.set(k, s);
    else if (this.n > SMALL) {
      this.index = new Map();
      for (let p = this.head; p !== null; p = p.next) this.index.set(p.key, p);
      this.index.set(k, s);
    }
    if (unorderable(last)) this.unordered++;
    this.place(s);
  }

  private remove(s: Seen): void {
    this.index?.delete(s.key);
    if (unorderable(s.last)) this.unordered--;
    this.unlink(s);
    this.n--;
  }

  /** Puts `s` in the eviction order: from the young end back, usually no step at all. */
  private place(s: Seen): void {
    let p = this.tail;
    if (!unorderable(s.last)) {
      const last = s.last;
      while (p !== null && (unorderable(p.last) || p.last > last || (p.last === last && p.rank > s.rank))) p = p.prev;
    }
    s.prev = p;
    s.next = p === null ? this.head : p.next;
    if (s.next !== null) s.next.prev = s;
    else this.tail = s;
    if (p !== null) p.next = s;
    else this.head = s;
  }

  private unlink(s: Seen): void {
    if (s.prev !== null) s.prev.next = s.next;
    else this.head = s.next;
    if (s.next !== null) s.next.prev = s.prev;
    else this.tail = s.prev;
    s.prev = s.next = null;
  }

  private byRank(): Seen[] {
    const all: Seen[] = [];
    for (let s = this.head; s !== null; s = s.next) all.push(s);
    return all.sort((a, b) => a.rank - b.rank);
  }

  /** The object scan: the first source in key order with a smaller `last` than every earlier pick. */
  private leastRecentByScan(): Seen {
    let oldest: Seen | undefined;
    for (const s of this.byRank()) if (oldest === undefined || s.last < oldest.last) oldest = s;
    return oldest!;
  }
}

/** Is `k` a key an object keeps among its elements (a canonical integer below 2^32 - 1)? */
function isArrayIndex(k: string): boolean {
  const n = k.length;
  if (n === 0 || n > 10) return false;
  const c0 = k.charCodeAt(0);
  if (c0 < 48 || c0 > 57 || (c0 === 48 && n > 1)) return false;
  for (let i = 1; i < n; i++) {
    const c = k.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return n < 10 || Number(k) <= 4294967294;
}
