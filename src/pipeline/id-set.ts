/**
 * A set of auditIDs that forgets its oldest member beyond a capacity: the
 * stage judge's memory of judged requests. Members are kept as bytes in a
 * ring, found through an open-addressing table of their hashes, so that ids
 * coming from the prefilter (ASCII bytes straight from the line) never become
 * JavaScript strings. A string is stored as its bytes when it is ASCII (the
 * same bytes the line has), else as 0xFF and its UTF-16 units, which no ASCII
 * id can equal: the encoding is one-to-one, so the set is exact (a hash only
 * picks where to look; equality compares the bytes).
 */

/** FNV-1a over bytes[start..end). The workers compute it where the bytes are. */
export function hashBytes(b: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h | 0;
}

/**
 * FNV-1a of an id as FifoIdSet stores it: its characters as bytes when all are
 * ASCII (so it equals hashBytes of the line's bytes), else 0xFF and its UTF-16
 * units.
 */
export function hashId(id: string): number {
  let h = 0x811c9dc5;
  const n = id.length;
  for (let i = 0; i < n; i++) {
    const c = id.charCodeAt(i);
    if (c >= 0x80) return hashWide(id);
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h | 0;
}

function hashWide(id: string): number {
  let h = Math.imul(0x811c9dc5 ^ 0xff, 0x01000193);
  for (let i = 0; i < id.length; i++) {
    const u = id.charCodeAt(i);
    h = Math.imul(h ^ (u >> 8), 0x01000193);
    h = Math.imul(h ^ (u & 0xff), 0x01000193);
  }
  return h | 0;
}

const EMPTY = -1;

export class FifoIdSet {
  /** member bytes, one after the other, oldest first from `arenaHead` (grows when needed) */
  private arena: Uint8Array;
  private arenaHead = 0;
  private arenaTail = 0;
  /** per member slot (ring of `cap` entries): offset in the arena, length, hash */
  private readonly off: Float64Array;
  private readonly len: Int32Array;
  private readonly hash: Int32Array;
  private first = 0; // oldest member's slot
  private count = 0;
  /** open addressing: member slot + 1, 0 empty, -1 deleted */
  private table: Int32Array;
  private mask: number;
  private used = 0; // live + deleted cells
  private scratch = new Uint8Array(256);

  constructor(readonly cap: number) {
    this.off = new Float64Array(cap + 1);
    this.len = new Int32Array(cap + 1);
    this.hash = new Int32Array(cap + 1);
    let size = 16;
    while (size < (cap + 1) * 2) size *= 2;
    this.table = new Int32Array(size);
    this.mask = size - 1;
    this.arena = new Uint8Array(Math.min(1 << 26, Math.max(1024, (cap + 1) * 40)));
  }

  get size(): number {
    return this.count;
  }

  private encode(id: string): number {
    const n = id.length;
    if (this.scratch.length < 2 * n + 1) this.scratch = new Uint8Array(2 * n + 1);
    const b = this.scratch;
    for (let i = 0; i < n; i++) {
      const c = id.charCodeAt(i);
      if (c >= 0x80) {
        b[0] = 0xff;
        for (let k = 0; k < n; k++) {
          const u = id.charCodeAt(k);
          b[1 + 2 * k] = u >> 8;
          b[2 + 2 * k] = u & 0xff;
        }
        return 2 * n + 1;
      }
      b[i] = c;
    }
    return n;
  }

  /** `h`: the id's hashId when the caller has it (it equals hashBytes of the stored form). */
  has(id: string, h?: number): boolean {
    const n = this.encode(id);
    return this.find(this.scratch, 0, n, h ?? hashBytes(this.scratch, 0, n)) >= 0;
  }

  /** Adds a member that is not in the set (check with has first); evicts the oldest beyond the capacity. */
  add(id: string): void {
    const n = this.encode(id);
    this.insert(this.scratch, 0, n, hashBytes(this.scratch, 0, n));
  }

  /** Adds `id` unless it is a member (one encoding and lookup for both); false when it was one. */
  addIfAbsent(id: string, hash?: number): boolean {
    const n = this.encode(id);
    const h = hash ?? hashBytes(this.scratch, 0, n);
    if (this.find(this.scratch, 0, n, h) >= 0) return false;
    this.insert(this.scratch, 0, n, h);
    return true;
  }

  hasBytes(b: Uint8Array, start: number, end: number, h: number): boolean {
    return this.find(b, start, end - start, h) >= 0;
  }

  addBytes(b: Uint8Array, start: number, end: number, h: number): void {
    this.insert(b, start, end - start, h);
  }

  /** addIfAbsent for an ASCII id given as bytes and their hashBytes. */
  addBytesIfAbsent(b: Uint8Array, start: number, end: number, h: number): boolean {
    if (this.find(b, start, end - start, h) >= 0) return false;
    this.insert(b, start, end - start, h);
    return true;
  }

  /** Table cell of the member equal to b[start..start+n), or -1. */
  private find(b: Uint8Array, start: number, n: number, h: number): number {
    const t = this.table;
    let i = h & this.mask;
    for (;;) {
      const v = t[i]!;
      if (v === 0) return -1;
      if (v > 0) {
        const slot = v - 1;
        if (this.hash[slot] === h && this.len[slot] === n && this.equal(slot, b, start, n)) return i;
      }
      i = (i + 1) & this.mask;
    }
  }

  private equal(slot: number, b: Uint8Array, start: number, n: number): boolean {
    const a = this.arena;
    let p = this.off[slot]!;
    const size = a.length;
    for (let k = 0; k < n; k++) {
      if (a[p] !== b[start + k]) return false;
      if (++p === size) p = 0;
    }
    return true;
  }

  private insert(b: Uint8Array, start: number, n: number, h: number): void {
    if (this.cap <= 0) return;
    if (this.count === this.cap) this.evictOldest();
    this.reserve(n);
    const slot = (this.first + this.count) % (this.cap + 1);
    const a = this.arena;
    const size = a.length;
    let p = this.arenaTail;
    this.off[slot] = p;
    for (let k = 0; k < n; k++) {
      a[p] = b[start + k]!;
      if (++p === size) p = 0;
    }
    this.arenaTail = p;
    this.len[slot] = n;
    this.hash[slot] = h;
    this.count++;
    const t = this.table;
    let i = h & this.mask;
    while (t[i]! > 0) i = (i + 1) & this.mask;
    if (t[i] === 0) this.used++;
    t[i] = slot + 1;
    if (this.used * 4 > t.length * 3) this.rehash();
  }

  private evictOldest(): void {
    const slot = this.first;
    const a = this.arena;
    const i = this.findSlot(slot);
    this.table[i] = EMPTY;
    this.first = (this.first + 1) % (this.cap + 1);
    this.count--;
    this.arenaHead = (this.off[slot]! + this.len[slot]!) % a.length;
    if (this.count === 0) this.arenaHead = this.arenaTail;
  }

  private findSlot(slot: number): number {
    const t = this.table;
    let i = this.hash[slot]! & this.mask;
    while (t[i] !== slot + 1) i = (i + 1) & this.mask;
    return i;
  }

  /** Room for n more bytes in the arena (ring), growing it if the members need more. */
  private reserve(n: number): void {
    const size = this.arena.length;
    const usedBytes = this.count === 0 ? 0 : (this.arenaTail - this.arenaHead + size) % size || size;
    if (usedBytes + n < size) return;
    let next = size * 2;
    while (usedBytes + n >= next) next *= 2;
    const b = new Uint8Array(next);
    // copy members in order to the start of the new arena
    let w = 0;
    for (let k = 0; k < this.count; k++) {
      const slot = (this.first + k) % (this.cap + 1);
      let p = this.off[slot]!;
      this.off[slot] = w;
      for (let q = 0; q < this.len[slot]!; q++) {
        b[w++] = this.arena[p]!;
        if (++p === size) p = 0;
      }
    }
    this.arena = b;
    this.arenaHead = 0;
    this.arenaTail = w;
  }

  private rehash(): void {
    let size = this.table.length;
    if (this.count * 2 > size / 2) size *= 2;
    const t = new Int32Array(size);
    const mask = size - 1;
    for (let k = 0; k < this.count; k++) {
      const slot = (this.first + k) % (this.cap + 1);
      let i = this.hash[slot]! & mask;
      while (t[i] !== 0) i = (i + 1) & mask;
      t[i] = slot + 1;
    }
    this.table = t;
    this.mask = mask;
    this.used = this.count;
  }
}
