/**
 * A map with a cap on keys and an event-time TTL: the oldest-touched entries
 * go first when the cap is reached, and `sweep(now)` drops entries not seen
 * within the TTL. What was dropped is counted, so a report can say so.
 *
 * Keys are `cluster \u0001 name` (`keyOf`), and that is what the store reads
 * and writes. The detectors ask by cluster and name instead (`getIn`,
 * `setIn`, …): building and hashing the joined key for every request cost
 * more than the rest of a detector's work, so values are indexed per cluster
 * by name.
 *
 * Behind a scan's parsing and rule matching, the state is out of the CPU
 * caches when a request reaches the detectors, and every pointer followed is
 * a wait. So a lookup goes from the index straight to the value, and recency
 * is kept where the lookup has already been: a stamp on the value (a symbol
 * property, which JSON leaves out, so the stored state is unchanged). Setting
 * or touching an entry only restamps it. Eviction takes the oldest stamp from
 * a heap of marks; a mark whose entry was touched since is put back with the
 * newer stamp, one whose entry was replaced or dropped is thrown away. The
 * result is the order of the plain Map this was (least recently set or
 * touched first), as long as a value object is kept under one key only,
 * which holds for all detector state.
 */
export interface Timed {
  lastSeen: number;
}

/** State keys carry the cluster, so logs of several clusters never mix. */
export function keyOf(cluster: string | undefined, name: string): string {
  return `${cluster ?? ''}\u0001${name}`;
}

const STAMP = Symbol('last set or touched');
type Stamped = { [STAMP]?: number };

function stampOf(v: object): number {
  return (v as Stamped)[STAMP]!;
}

/** A claim that the entry `scope`/`name` holding `v` was set or touched at `stamp`. */
class Mark<V> {
  constructor(
    public stamp: number,
    readonly scope: string,
    readonly name: string,
    readonly v: V,
  ) {}
}

type Index<V> = Map<string, V>;

/**
 * The scope of keys without a separator (never made by `keyOf`, but the string
 * API takes any key): a separator itself, which no split key's scope contains.
 */
const BARE = '\u0001';
/** Stamps stay small integers: past this the live ones are numbered again from 1. */
const MAX_STAMP = 2 ** 30;

export class BoundedMap<V extends Timed> {
  private readonly scopes = new Map<string, Index<V>>();
  private count = 0;
  private clock = 0;
  /** a binary min-heap of marks by stamp */
  private heap: Mark<V>[] = [];
  // Most logs name one cluster (or none): remember the index asked for last.
  private lastCluster: string | undefined = undefined;
  private lastIndex: Index<V> | null = null;
  evicted = 0;
  expired = 0;

  constructor(readonly maxKeys: number, readonly ttlMs: number) {}

  get size(): number {
    return this.count;
  }

  // ---- by cluster and name (the detectors) ----

  getIn(cluster: string | undefined, name: string): V | undefined {
    const ix = this.indexFor(cluster);
    if (ix === null) return this.get(keyOf(cluster, name));
    return ix.get(name);
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
    if (!(t < v.lastSeen)) v.lastSeen = t;
    this.setIn(cluster, name, v);
  }

  deleteIn(cluster: string | undefined, name: string): boolean {
    const ix = this.indexFor(cluster);
    if (ix === null) return this.delete(keyOf(cluster, name));
    return this.remove(ix, cluster ?? '', name);
  }

  // ---- by joined key (the store, tests) ----

  get(k: string): V | undefined {
    return this.scopes.get(scopeOf(k))?.get(nameOf(k));
  }

  has(k: string): boolean {
    return this.scopes.get(scopeOf(k))?.has(nameOf(k)) ?? false;
  }

  /** Sets and marks as most recently used. */
  set(k: string, v: V): void {
    const scope = scopeOf(k);
    this.put(this.indexOfScope(scope), scope, nameOf(k), v);
  }

  /** Marks an entry as used at `t` (moves it to the young end). */
  touch(k: string, v: V, t: number): void {
    if (!(t < v.lastSeen)) v.lastSeen = t;
    this.set(k, v);
  }

  delete(k: string): boolean {
    const scope = scopeOf(k);
    const ix = this.scopes.get(scope);
    return ix !== undefined && this.remove(ix, scope, nameOf(k));
  }

  /** Drops entries last seen more than ttl before `now` (event time). */
  sweep(now: number): void {
    if (Number.isNaN(now)) return;
    for (const [scope, ix] of this.scopes) {
      for (const [name, v] of ix) {
        if (now - v.lastSeen > this.ttlMs) {
          ix.delete(name);
          this.count--;
          this.expired++;
        }
      }
      if (ix.size === 0) this.dropScope(scope, ix);
    }
    this.compactIfSparse();
  }

  /** Joined keys and values, least recently used first. */
  *entries(): IterableIterator<[string, V]> {
    for (const m of this.live()) yield [m.scope === BARE ? m.name : `${m.scope}\u0001${m.name}`, m.v];
  }

  clear(): void {
    this.scopes.clear();
    this.heap = [];
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
    const ix = this.indexOfScope(scope);
    this.lastCluster = cluster;
    this.lastIndex = ix;
    return ix;
  }

  private indexOfScope(scope: string): Index<V> {
    let ix = this.scopes.get(scope);
    if (ix === undefined) {
      ix = new Map();
      this.scopes.set(scope, ix);
    }
    return ix;
  }

  private put(ix: Index<V>, scope: string, name: string, v: V): void {
    const cur = ix.get(name);
    if (this.clock >= MAX_STAMP) this.renumber();
    const stamp = ++this.clock;
    (v as Stamped)[STAMP] = stamp;
    // the same value touched again: its mark is found stale and renewed if eviction reaches it
    if (cur === v) return;
    ix.set(name, v);
    this.push(new Mark(stamp, scope, name, v));
    if (cur !== undefined) {
      this.compactIfSparse();
      return;
    }
    this.count++;
    if (this.count > this.maxKeys) {
      this.evictOldest();
      this.evicted++;
    }
    this.compactIfSparse();
  }

  private remove(ix: Index<V>, scope: string, name: string): boolean {
    if (!ix.delete(name)) return false;
    this.count--;
    if (ix.size === 0) this.dropScope(scope, ix);
    return true;
  }

  private dropScope(scope: string, ix: Index<V>): void {
    // a cluster that is gone leaves no empty index behind
    this.scopes.delete(scope);
    if (this.lastIndex === ix) {
      this.lastIndex = null;
      this.lastCluster = undefined;
    }
  }

  private evictOldest(): void {
    for (;;) {
      const m = this.pop();
      const ix = this.scopes.get(m.scope);
      if (ix === undefined || ix.get(m.name) !== m.v) continue; // replaced or dropped since
      const stamp = stampOf(m.v);
      if (stamp !== m.stamp) {
        // touched since: the claim moves up to the newer stamp
        m.stamp = stamp;
        this.push(m);
        continue;
      }
      this.remove(ix, m.scope, m.name);
      return;
    }
  }

  /** One current mark per entry, least recently used first. */
  private live(): Mark<V>[] {
    const all: Mark<V>[] = [];
    for (const [scope, ix] of this.scopes) for (const [name, v] of ix) all.push(new Mark(stampOf(v), scope, name, v));
    return all.sort((a, b) => a.stamp - b.stamp);
  }

  /** Replaced and dropped entries leave marks behind: rebuild the heap when they outnumber the live ones. */
  private compactIfSparse(): void {
    if (this.heap.length > 2 * this.count + 64) this.heap = this.live();
  }

  private renumber(): void {
    const all = this.live();
    for (let i = 0; i < all.length; i++) {
      all[i]!.stamp = i + 1;
      (all[i]!.v as Stamped)[STAMP] = i + 1;
    }
    this.heap = all;
    this.clock = all.length;
  }

  private push(m: Mark<V>): void {
    const h = this.heap;
    let i = h.length;
    h.push(m);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.stamp <= m.stamp) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = m;
  }

  private pop(): Mark<V> {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    const n = h.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && h[r]!.stamp < h[l]!.stamp ? r : l;
        if (h[c]!.stamp >= last.stamp) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

function scopeOf(k: string): string {
  const i = k.indexOf('\u0001');
  return i < 0 ? BARE : k.slice(0, i);
}

function nameOf(k: string): string {
  const i = k.indexOf('\u0001');
  return i < 0 ? k : k.slice(i + 1);
}
