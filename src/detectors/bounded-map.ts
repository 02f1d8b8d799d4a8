/**
 * A map with a cap on keys and an event-time TTL: the oldest-touched entries
 * go first when the cap is reached, and `sweep(now)` drops entries not seen
 * within the TTL. What was dropped is counted, so a report can say so.
 *
 * Keys are `cluster \u0001 name` (`keyOf`), and that is what the store reads
 * and writes. The detectors ask by cluster and name instead (`getIn`,
 * `setIn`, …): building and hashing the joined key for every request cost
 * more than the rest of a detector's work, so entries are indexed per cluster
 * by name. The recency order is a list of its own: a touch moves an entry
 * without hashing its key again, and the oldest entry is at hand (a Map's
 * first key is found by walking over the holes its deletions left). A map
 * asked mostly for names it does not hold (minted tokens, for the credential
 * id of every service-account request) can keep a small count table that
 * answers most of those misses without the index (`mayHaveIn`).
 */
export interface Timed {
  lastSeen: number;
}

/** State keys carry the cluster, so logs of several clusters never mix. */
export function keyOf(cluster: string | undefined, name: string): string {
  return `${cluster ?? ''}\u0001${name}`;
}

/** An entry: its key's parts (to leave its index, and to write its joined key) and its place in the recency list. */
class Slot<V> {
  prev: Slot<V> | null = null;
  next: Slot<V> | null = null;
  constructor(
    readonly scope: string,
    readonly name: string,
    public v: V,
  ) {}
}

type Index<V> = Map<string, Slot<V>>;

/**
 * The scope of keys without a separator (never made by `keyOf`, but the string
 * API takes any key): a separator itself, which no split key's scope contains.
 */
const BARE = '\u0001';

/**
 * The later of a last-seen time and an event's time `t`: an event without a
 * time (NaN) leaves what was known, so it cannot keep an entry from expiring;
 * a known time replaces an unknown one.
 */
export function later(lastSeen: number, t: number): number {
  return Number.isNaN(t) || t <= lastSeen ? lastSeen : t;
}

export class BoundedMap<V extends Timed> {
  private readonly scopes = new Map<string, Index<V>>();
  private head: Slot<V> | null = null;
  private tail: Slot<V> | null = null;
  private count = 0;
  // Most logs name one cluster (or none): remember the index asked for last.
  private lastCluster: string | undefined = undefined;
  private lastIndex: Index<V> | null = null;
  evicted = 0;
  expired = 0;

  /** counts of entries by `filterSlot` of their name, for maps asked mostly for names they do not hold */
  private readonly filter: Uint32Array | null;

  constructor(readonly maxKeys: number, readonly ttlMs: number, o: { filter?: boolean } = {}) {
    this.filter = o.filter ? new Uint32Array(FILTER_SLOTS) : null;
  }

  /**
   * False when `getIn(cluster, name)` would find nothing, told from a small table
   * without reaching the index (true when it cannot tell: a map made without
   * `filter`, a name some entry of any cluster shares the table's slot with, a
   * cluster whose name holds the separator).
   */
  mayHaveIn(cluster: string | undefined, name: string): boolean {
    return this.filter === null || this.filter[filterSlot(name)] !== 0 || (cluster !== undefined && cluster.includes('\u0001'));
  }

  get size(): number {
    return this.count;
  }

  // ---- by cluster and name (the detectors) ----

  getIn(cluster: string | undefined, name: string): V | undefined {
    const ix = this.indexFor(cluster);
    if (ix === null) return this.get(keyOf(cluster, name));
    const s = ix.get(name);
    return s === undefined ? undefined : s.v;
  }

  hasIn(cluster: string | undefined, name: string): boolean {
    const ix = this.indexFor(cluster);
    if (ix === null) return this.has(keyOf(cluster, name));
    return ix.has(name);
  }

  /** Sets and marks as most recently used. */
  setIn(cluster: string | undefined, name: string, v: V): void {
    const ix = this.indexFor(cluster);
    if (ix === null) this.set(keyOf(cluster, name), v);
    else this.put(ix, cluster ?? '', name, v);
  }

  /** Marks an entry as used at `t` (moves it to the young end). */
  touchIn(cluster: string | undefined, name: string, v: V, t: number): void {
    v.lastSeen = later(v.lastSeen, t);
    this.setIn(cluster, name, v);
  }

  deleteIn(cluster: string | undefined, name: string): boolean {
    const ix = this.indexFor(cluster);
    if (ix === null) return this.delete(keyOf(cluster, name));
    return this.remove(ix, name);
  }

  // ---- by joined key (the store, tests) ----

  get(k: string): V | undefined {
    const s = this.scopes.get(scopeOf(k))?.get(nameOf(k));
    return s === undefined ? undefined : s.v;
  }

  has(k: string): boolean {
    return this.scopes.get(scopeOf(k))?.has(nameOf(k)) ?? false;
  }

  /** Sets and marks as most recently used. */
  set(k: string, v: V): void {
    const scope = scopeOf(k);
    this.put(this.indexOfScope(scope, true)!, scope, nameOf(k), v);
  }

  /** Marks an entry as used at `t` (moves it to the young end). */
  touch(k: string, v: V, t: number): void {
    v.lastSeen = later(v.lastSeen, t);
    this.set(k, v);
  }

  delete(k: string): boolean {
    const ix = this.indexOfScope(scopeOf(k), false);
    return ix !== undefined && this.remove(ix, nameOf(k));
  }

  /** Drops entries last seen more than ttl before `now` (event time). */
  sweep(now: number): void {
    if (Number.isNaN(now)) return;
    for (let s = this.head; s !== null; ) {
      const next = s.next;
      if (now - s.v.lastSeen > this.ttlMs) {
        this.drop(s);
        this.expired++;
      }
      s = next;
    }
  }

  /** Joined keys and values, least recently used first. */
  *entries(): IterableIterator<[string, V]> {
    for (let s = this.head; s !== null; s = s.next) yield [s.scope === BARE ? s.name : `${s.scope}\u0001${s.name}`, s.v];
  }

  clear(): void {
    this.scopes.clear();
    this.filter?.fill(0);
    this.head = this.tail = null;
    this.count = 0;
    this.lastCluster = undefined;
    this.lastIndex = null;
  }

  // ---- inside ----

  /** The index of a cluster, made if new; null for a cluster whose name holds the separator (asked by joined key). */
  private indexFor(cluster: string | undefined): Index<V> | null {
    if (cluster === this.lastCluster && this.lastIndex !== null) return this.lastIndex;
    const scope = cluster ?? '';
    if (scope.includes('\u0001')) return null;
    const ix = this.indexOfScope(scope, true)!;
    this.lastCluster = cluster;
    this.lastIndex = ix;
    return ix;
  }

  private indexOfScope(scope: string, make: boolean): Index<V> | undefined {
    let ix = this.scopes.get(scope);
    if (ix === undefined && make) {
      ix = new Map();
      this.scopes.set(scope, ix);
    }
    return ix;
  }

  private put(ix: Index<V>, scope: string, name: string, v: V): void {
    const s = ix.get(name);
    if (s !== undefined) {
      s.v = v;
      if (s !== this.tail) {
        this.unlink(s);
        this.append(s);
      }
      return;
    }
    const n = new Slot(scope, name, v);
    ix.set(name, n);
    if (this.filter !== null) this.filter[filterSlot(name)]!++;
    this.append(n);
    this.count++;
    if (this.count > this.maxKeys) {
      this.drop(this.head!);
      this.evicted++;
    }
  }

  private remove(ix: Index<V>, name: string): boolean {
    const s = ix.get(name);
    if (s === undefined) return false;
    this.drop(s);
    return true;
  }

  private drop(s: Slot<V>): void {
    const ix = this.scopes.get(s.scope)!;
    ix.delete(s.name);
    if (this.filter !== null) this.filter[filterSlot(s.name)]!--;
    if (ix.size === 0) {
      // a cluster that is gone leaves no empty index behind
      this.scopes.delete(s.scope);
      if (this.lastIndex === ix) {
        this.lastIndex = null;
        this.lastCluster = undefined;
      }
    }
    this.unlink(s);
    this.count--;
  }

  private append(s: Slot<V>): void {
    s.prev = this.tail;
    s.next = null;
    if (this.tail !== null) this.tail.next = s;
    else this.head = s;
    this.tail = s;
  }

  private unlink(s: Slot<V>): void {
    if (s.prev !== null) s.prev.next = s.next;
    else this.head = s.next;
    if (s.next !== null) s.next.prev = s.prev;
    else this.tail = s.prev;
    s.prev = s.next = null;
  }
}

const FILTER_SLOTS = 1024;

/** The name's last three characters and its length, mixed: credential ids differ there. */
function filterSlot(name: string): number {
  const n = name.length;
  let h = n;
  for (let i = n > 3 ? n - 3 : 0; i < n; i++) h = (h * 31 + name.charCodeAt(i)) | 0;
  return h & (FILTER_SLOTS - 1);
}

function scopeOf(k: string): string {
  const i = k.indexOf('\u0001');
  return i < 0 ? BARE : k.slice(0, i);
}

function nameOf(k: string): string {
  const i = k.indexOf('\u0001');
  return i < 0 ? k : k.slice(i + 1);
}
