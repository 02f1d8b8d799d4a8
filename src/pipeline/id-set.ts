/**
 * A set of request keys that forgets its oldest member beyond a capacity: the
 * stage judge's memory of judged requests. A request's key is its auditID and
 * its requestReceivedTimestamp (requestKeyPart), because a client chooses its
 * own auditID (the API server takes the `Audit-ID` request header as it is):
 * keyed by the auditID alone, a request reusing an earlier one's id would be
 * judged a duplicate and never seen. Every stage of one request carries the
 * same requestReceivedTimestamp, to the microsecond.
 *
 * The timestamp is kept as three numbers when it is in the API server's form
 * (`2026-03-02T08:00:00.123456Z`: its digits, read in place, one-to-one), else
 * as text after the auditID (a zero between them). The auditID, and that text,
 * are stored as their bytes when ASCII (the same bytes a raw line has), else as
 * 0xFF and their UTF-16 units, which no ASCII key can equal. The text holds no
 * control character, so the last zero splits it in one way only: the encoding
 * is one-to-one, and the set is exact (a hash only picks where to look;
 * equality compares kinds, numbers and bytes). Members are kept in a ring,
 * found through an open-addressing table of their hashes, so that keys coming
 * from the prefilter (ASCII bytes straight from the line) never become
 * JavaScript strings, and a timestamp in the usual form is never copied byte
 * by byte (a byte handled in JavaScript costs a nanosecond or more).
 */

const FNV_PRIME = 0x01000193;
const FNV_BASIS = 0x811c9dc5;

/** No timestamp in the key; one in the API server's form (numbers); another (text). */
export const PART_NONE = 0;
export const PART_TIME = 1;
export const PART_TEXT = 2;

/**
 * FNV-1a over bytes[start..end): the hash of an ASCII auditID as stored, which the classifier computes inline
 * while it checks the id's bytes (plainPrefix).
 */
export function hashBytes(b: Uint8Array, start: number, end: number): number {
  let h = FNV_BASIS;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, FNV_PRIME);
  return h | 0;
}

/** The key's hash from the hash of its stored bytes and its timestamp's numbers (kind PART_TIME). */
export function mixTime(h: number, d: number, t: number, f: number): number {
  h = Math.imul(h ^ d, FNV_PRIME);
  h = Math.imul(h ^ t, FNV_PRIME);
  return Math.imul(h ^ f, FNV_PRIME) | 0;
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
 * The API server's form of a timestamp, `YYYY-MM-DDThh:mm:ss.ffffffZ`: per
 * position, the character it must be, or 0 for a digit. Its digits before the
 * `T`, between it and the `.`, and after are the key's three numbers.
 */
const TIME_FORM = Uint8Array.from('0000-00-00T00:00:00.000000Z', (c) => (c === '0' ? 0 : c.charCodeAt(0)));
export const TIME_FORM_LENGTH = TIME_FORM.length;

/**
 * A request's key, read once per event: the auditID, the timestamp part
 * (requestKeyPart) and its kind, numbers (PART_TIME: YYYYMMDD, hhmmss and
 * the microseconds) and hash (FifoIdSet's). The judge keeps one and sets it
 * for each event.
 */
export class RequestKey {
  id = '';
  part = '';
  kind = PART_NONE;
  d = 0;
  t = 0;
  f = 0;
  hash = 0;

  set(id: string, rrt: unknown): this {
    this.id = id;
    if (typeof rrt === 'string' && rrt.length === TIME_FORM_LENGTH && this.readTime(rrt)) {
      // (the usual case: the form holds no control character, no need to look for one)
      this.part = rrt;
      this.kind = PART_TIME;
      this.hash = mixTime(hashStored(id, ''), this.d, this.t, this.f);
      return this;
    }
    const part = requestKeyPart(rrt);
    this.part = part;
    this.kind = part === '' ? PART_NONE : PART_TEXT;
    this.hash = hashStored(id, part);
    return this;
  }

  /** Reads a time in the API server's form (length TIME_FORM_LENGTH) as the key's numbers; false for any other text. */
  private readTime(s: string): boolean {
    if (s.charCodeAt(4) !== 0x2d || s.charCodeAt(7) !== 0x2d || s.charCodeAt(10) !== 0x54 || s.charCodeAt(13) !== 0x3a || s.charCodeAt(16) !== 0x3a || s.charCodeAt(19) !== 0x2e || s.charCodeAt(26) !== 0x5a) return false;
    let d = 0;
    let t = 0;
    let f = 0;
    // (x | (9 - x)) is negative exactly when x is no digit's value
    let bad = 0;
    for (let i = 0; i < 26; i++) {
      if (TIME_FORM[i] !== 0) continue;
      const x = s.charCodeAt(i) - 0x30;
      bad |= x | (9 - x);
      if (i < 10) d = d * 10 + x;
      else if (i < 19) t = t * 10 + x;
      else f = f * 10 + x;
    }
    if (bad < 0) return false;
    this.d = d;
    this.t = t;
    this.f = f;
    return true;
  }
}

/** FNV-1a of the bytes FifoIdSet stores for an auditID and a text part ('' for none or a time). */
function hashStored(id: string, text: string): number {
  let h = FNV_BASIS;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c >= 0x80) return hashWide(id, text);
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  if (text === '') return h | 0;
  h = Math.imul(h, FNV_PRIME);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return hashWide(id, text);
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return h | 0;
}

function hashWide(id: string, text: string): number {
  let h = Math.imul(FNV_BASIS ^ 0xff, FNV_PRIME);
  const unit = (u: number) => {
    h = Math.imul(h ^ (u >> 8), FNV_PRIME);
    h = Math.imul(h ^ (u & 0xff), FNV_PRIME);
  };
  for (let i = 0; i < id.length; i++) unit(id.charCodeAt(i));
  if (text !== '') {
    unit(0);
    for (let i = 0; i < text.length; i++) unit(text.charCodeAt(i));
  }
  return h | 0;
}

/** The API server's form of a PART_TIME key's numbers: the text they were read from. */
export function timeText(d: number, t: number, f: number): string {
  const p = (v: number, n: number) => String(v).padStart(n, '0');
  return `${p(Math.floor(d / 10000), 4)}-${p(Math.floor(d / 100) % 100, 2)}-${p(d % 100, 2)}T${p(Math.floor(t / 10000), 2)}:${p(Math.floor(t / 100) % 100, 2)}:${p(t % 100, 2)}.${p(f, 6)}Z`;
}

const EMPTY = -1;

export class FifoIdSet {
  /** member bytes, one after the other in a ring, oldest first (grows when needed) */
  private arena: Uint8Array;
  private arenaTail = 0;
  /** bytes the members take in the arena */
  private arenaUsed = 0;
  /** per member slot (ring of `cap` entries): offset in the arena, length, hash, the timestamp's kind and numbers */
  private readonly off: Float64Array;
  private readonly len: Int32Array;
  private readonly hash: Int32Array;
  private readonly kind: Uint8Array;
  private readonly d: Int32Array;
  private readonly t: Int32Array;
  private readonly f: Int32Array;
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
    this.kind = new Uint8Array(cap + 1);
    this.d = new Int32Array(cap + 1);
    this.t = new Int32Array(cap + 1);
    this.f = new Int32Array(cap + 1);
    let size = 16;
    while (size < (cap + 1) * 2) size *= 2;
    this.table = new Int32Array(size);
    this.mask = size - 1;
    this.arena = new Uint8Array(Math.min(1 << 26, Math.max(1024, (cap + 1) * 40)));
  }

  get size(): number {
    return this.count;
  }

  /** Writes the key's stored bytes (its auditID, and a zero and its text part for PART_TEXT) into `scratch`; their count. */
  private encode(k: RequestKey): number {
    const id = k.id;
    const text = k.kind === PART_TEXT ? k.part : '';
    const n = id.length;
    const m = text.length;
    const total = m === 0 ? n : n + 1 + m;
    if (this.scratch.length < 2 * total + 3) this.scratch = new Uint8Array(2 * total + 3);
    const b = this.scratch;
    for (let i = 0; i < n; i++) {
      const c = id.charCodeAt(i);
      if (c >= 0x80) return this.encodeWide(id, text);
      b[i] = c;
    }
    if (m === 0) return total;
    b[n] = 0;
    for (let i = 0; i < m; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) return this.encodeWide(id, text);
      b[n + 1 + i] = c;
    }
    return total;
  }

  private encodeWide(id: string, text: string): number {
    const b = this.scratch;
    b[0] = 0xff;
    let w = 1;
    const unit = (u: number) => {
      b[w++] = u >> 8;
      b[w++] = u & 0xff;
    };
    for (let k = 0; k < id.length; k++) unit(id.charCodeAt(k));
    if (text !== '') {
      unit(0);
      for (let k = 0; k < text.length; k++) unit(text.charCodeAt(k));
    }
    return w;
  }

  /** Is the key a member? */
  has(k: RequestKey): boolean {
    const n = this.encode(k);
    return this.find(this.scratch, 0, n, k.kind, k.d, k.t, k.f, k.hash) >= 0;
  }

  /** Adds the key unless it is a member (one encoding and lookup for both); false when it was one. */
  addIfAbsent(k: RequestKey): boolean {
    const n = this.encode(k);
    if (this.find(this.scratch, 0, n, k.kind, k.d, k.t, k.f, k.hash) >= 0) return false;
    this.insert(this.scratch, 0, n, k.kind, k.d, k.t, k.f, k.hash);
    return true;
  }

  /**
   * `has` for an ASCII auditID in b[start..end) with no timestamp (kind
   * PART_NONE) or one in the API server's form (PART_TIME, its numbers), and
   * the key's hash (hashBytes of the auditID, mixTime for a time).
   */
  hasBytes(b: Uint8Array, start: number, end: number, kind: number, d: number, t: number, f: number, h: number): boolean {
    return this.find(b, start, end - start, kind, d, t, f, h) >= 0;
  }

  /** `addIfAbsent` for a key given as in hasBytes. */
  addBytesIfAbsent(b: Uint8Array, start: number, end: number, kind: number, d: number, t: number, f: number, h: number): boolean {
    if (this.find(b, start, end - start, kind, d, t, f, h) >= 0) return false;
    this.insert(b, start, end - start, kind, d, t, f, h);
    return true;
  }

  /** Table cell of the member whose stored bytes are b[start..start+n) and whose timestamp is (kind, d, t, f), or -1. */
  private find(b: Uint8Array, start: number, n: number, kind: number, d: number, t: number, f: number, h: number): number {
    const tab = this.table;
    let i = h & this.mask;
    for (;;) {
      const v = tab[i]!;
      if (v === 0) return -1;
      if (v > 0) {
        const slot = v - 1;
        if (this.hash[slot] === h && this.len[slot] === n && this.kind[slot] === kind && (kind !== PART_TIME || (this.d[slot] === d && this.t[slot] === t && this.f[slot] === f)) && this.equal(slot, b, start, n)) return i;
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

  private insert(b: Uint8Array, start: number, n: number, kind: number, d: number, t: number, f: number, h: number): void {
    if (this.cap <= 0) return;
    if (this.count === this.cap) this.evictOldest();
    this.reserve(n);
    const slot = (this.first + this.count) % (this.cap + 1);
    const a = this.arena;
    const size = a.length;
    let p = this.arenaTail;
    this.off[slot] = p;
    if (p + n < size) {
      // the common case, away from the ring's end: no wrap to test per byte
      for (let k = 0; k < n; k++) a[p + k] = b[start + k]!;
      p += n;
    } else {
      for (let k = 0; k < n; k++) {
        a[p] = b[start + k]!;
        if (++p === size) p = 0;
      }
    }
    this.arenaTail = p;
    this.arenaUsed += n;
    this.len[slot] = n;
    this.hash[slot] = h;
    this.kind[slot] = kind;
    this.d[slot] = d;
    this.t[slot] = t;
    this.f[slot] = f;
    this.count++;
    const tab = this.table;
    let i = h & this.mask;
    while (tab[i]! > 0) i = (i + 1) & this.mask;
    if (tab[i] === 0) this.used++;
    tab[i] = slot + 1;
    if (this.used * 4 > tab.length * 3) this.rehash();
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
