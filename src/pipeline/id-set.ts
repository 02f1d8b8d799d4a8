/**
 * A set of request keys that forgets its oldest member beyond a capacity: the
 * stage judge's memory of judged requests. A request's key is its auditID and
 * its requestReceivedTimestamp (requestKeyPart), because a client chooses its
 * own auditID (the API server takes the `Audit-ID` request header as it is):
 * keyed by the auditID alone, a request reusing an earlier one's id would be
 * judged a duplicate and never seen. Every stage of one request carries the
 * same requestReceivedTimestamp, to the microsecond.
 *
 * A key is stored as the bytes of `auditID + "\u0000" + part`: the auditID's
 * characters as bytes when the whole text is ASCII (the same bytes a raw line
 * has), else 0xFF and the text's UTF-16 units, which no ASCII key can equal.
 * The part holds no control character, so the last zero splits the text in one
 * way only: the encoding is one-to-one, and the set is exact (a hash only picks
 * where to look; equality compares the bytes). Members are kept in a ring,
 * found through an open-addressing table of their hashes, so that keys coming
 * from the prefilter (ASCII bytes straight from the line) never become
 * JavaScript strings.
 */

export const FNV_PRIME = 0x01000193;
const FNV_BASIS = 0x811c9dc5;

/** FNV-1a over bytes[start..end). The workers compute it where the bytes are. */
export function hashBytes(b: Uint8Array, start: number, end: number): number {
  return hashBytesFrom(FNV_BASIS, b, start, end);
}

/** FNV-1a continued from the state `h` over bytes[start..end). */
export function hashBytesFrom(h: number, b: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, FNV_PRIME);
  return h | 0;
}

/**
 * The key hash of an ASCII auditID in b[start..end) and a requestReceivedTimestamp part in
 * b[partStart..partEnd) (empty when the event has none): hashKey of the same texts.
 */
export function hashKeyBytes(b: Uint8Array, start: number, end: number, partStart: number, partEnd: number): number {
  return hashBytesFrom(Math.imul(hashBytes(b, start, end), FNV_PRIME), b, partStart, partEnd);
}

/**
 * The part of a request's key after its auditID: its requestReceivedTimestamp
 * when that is a string without control characters, else ''. (The API server
 * writes an RFC 3339 time; anything else is rare enough to key by the auditID.)
 */
export function requestKeyPart(rrt: unknown): string {
  if (typeof rrt !== 'string') return '';
  for (let i = 0; i < rrt.length; i++) if (rrt.charCodeAt(i) < 0x20) return '';
  return rrt;
}

/**
 * FNV-1a of a request key (auditID `id`, part `part`: requestKeyPart) as FifoIdSet stores it:
 * equal to hashKeyBytes of the line's bytes when both are ASCII.
 */
export function hashKey(id: string, part: string): number {
  let h = FNV_BASIS;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c >= 0x80) return hashWide(id, part);
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  h = Math.imul(h, FNV_PRIME);
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i);
    if (c >= 0x80) return hashWide(id, part);
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return h | 0;
}

function hashWide(id: string, part: string): number {
  let h = Math.imul(FNV_BASIS ^ 0xff, FNV_PRIME);
  const unit = (u: number) => {
    h = Math.imul(h ^ (u >> 8), FNV_PRIME);
    h = Math.imul(h ^ (u & 0xff), FNV_PRIME);
  };
  for (let i = 0; i < id.length; i++) unit(id.charCodeAt(i));
  unit(0);
  for (let i = 0; i < part.length; i++) unit(part.charCodeAt(i));
  return h | 0;
}

const EMPTY = -1;

export class FifoIdSet {
  /** member bytes, one after the other in a ring, oldest first (grows when needed) */
  private arena: Uint8Array;
  private arenaTail = 0;
  /** bytes the members take in the arena */
  private arenaUsed = 0;
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

  /** Writes the key's stored bytes into `scratch`; their count. */
  private encode(id: string, part: string): number {
    const n = id.length;
    const m = part.length;
    const total = n + 1 + m;
    if (this.scratch.length < 2 * total + 1) this.scratch = new Uint8Array(2 * total + 1);
    const b = this.scratch;
    for (let i = 0; i < n; i++) {
      const c = id.charCodeAt(i);
      if (c >= 0x80) return this.encodeWide(id, part);
      b[i] = c;
    }
    b[n] = 0;
    for (let i = 0; i < m; i++) {
      const c = part.charCodeAt(i);
      if (c >= 0x80) return this.encodeWide(id, part);
      b[n + 1 + i] = c;
    }
    return total;
  }

  private encodeWide(id: string, part: string): number {
    const b = this.scratch;
    b[0] = 0xff;
    let w = 1;
    const unit = (u: number) => {
      b[w++] = u >> 8;
      b[w++] = u & 0xff;
    };
    for (let k = 0; k < id.length; k++) unit(id.charCodeAt(k));
    unit(0);
    for (let k = 0; k < part.length; k++) unit(part.charCodeAt(k));
    return w;
  }

  /** Is the key (auditID `id`, part `part`: requestKeyPart) a member? `h`: its hashKey when the caller has it. */
  has(id: string, part: string, h?: number): boolean {
    const n = this.encode(id, part);
    return this.find(this.scratch, 0, n, h ?? hashBytes(this.scratch, 0, n), -1, -1) >= 0;
  }

  /** Adds the key unless it is a member (one encoding and lookup for both); false when it was one. */
  addIfAbsent(id: string, part: string, hash?: number): boolean {
    const n = this.encode(id, part);
    const h = hash ?? hashBytes(this.scratch, 0, n);
    if (this.find(this.scratch, 0, n, h, -1, -1) >= 0) return false;
    this.insert(this.scratch, 0, n, h, -1, -1);
    return true;
  }

  /** `has` for an ASCII auditID in b[start..end) and part in b[partStart..partEnd), with their hashKeyBytes. */
  hasBytes(b: Uint8Array, start: number, end: number, partStart: number, partEnd: number, h: number): boolean {
    return this.find(b, start, end - start, h, partStart, partEnd) >= 0;
  }

  /** `addIfAbsent` for an ASCII auditID and part given as bytes, with their hashKeyBytes. */
  addBytesIfAbsent(b: Uint8Array, start: number, end: number, partStart: number, partEnd: number, h: number): boolean {
    if (this.find(b, start, end - start, h, partStart, partEnd) >= 0) return false;
    this.insert(b, start, end - start, h, partStart, partEnd);
    return true;
  }

  /**
   * Table cell of the member equal to b[start..start+n), or -1. With `ps` at
   * or above zero, the member's bytes are those (an ASCII auditID), a zero,
   * and b[ps..pe) (its key part): one key, never copied to make it one string.
   */
  private find(b: Uint8Array, start: number, n: number, h: number, ps: number, pe: number): number {
    const t = this.table;
    const total = ps < 0 ? n : n + 1 + pe - ps;
    let i = h & this.mask;
    for (;;) {
      const v = t[i]!;
      if (v === 0) return -1;
      if (v > 0) {
        const slot = v - 1;
        if (this.hash[slot] === h && this.len[slot] === total && this.equal(slot, b, start, n, ps, pe)) return i;
      }
      i = (i + 1) & this.mask;
    }
  }

  private equal(slot: number, b: Uint8Array, start: number, n: number, ps: number, pe: number): boolean {
    const a = this.arena;
    let p = this.off[slot]!;
    const size = a.length;
    for (let k = 0; k < n; k++) {
      if (a[p] !== b[start + k]) return false;
      if (++p === size) p = 0;
    }
    if (ps < 0) return true;
    if (a[p] !== 0) return false;
    if (++p === size) p = 0;
    for (let k = ps; k < pe; k++) {
      if (a[p] !== b[k]) return false;
      if (++p === size) p = 0;
    }
    return true;
  }

  private insert(b: Uint8Array, start: number, n: number, h: number, ps: number, pe: number): void {
    if (this.cap <= 0) return;
    const total = ps < 0 ? n : n + 1 + pe - ps;
    if (this.count === this.cap) this.evictOldest();
    this.reserve(total);
    const slot = (this.first + this.count) % (this.cap + 1);
    const a = this.arena;
    const size = a.length;
    let p = this.arenaTail;
    this.off[slot] = p;
    if (p + total < size) {
      // the common case, away from the ring's end: no wrap to test per byte
      for (let k = 0; k < n; k++) a[p + k] = b[start + k]!;
      p += n;
      if (ps >= 0) {
        a[p++] = 0;
        for (let k = ps; k < pe; k++) a[p++] = b[k]!;
      }
    } else {
      for (let k = 0; k < n; k++) {
        a[p] = b[start + k]!;
        if (++p === size) p = 0;
      }
      if (ps >= 0) {
        a[p] = 0;
        if (++p === size) p = 0;
        for (let k = ps; k < pe; k++) {
          a[p] = b[k]!;
          if (++p === size) p = 0;
        }
      }
    }
    this.arenaTail = p;
    this.arenaUsed += total;
    this.len[slot] = total;
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
    const i = this.findSlot(slot);
    this.table[i] = EMPTY;
    this.first = (this.first + 1) % (this.cap + 1);
    this.count--;
    this.arenaUsed -= this.len[slot]!;
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
    const usedBytes = this.arenaUsed;
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
