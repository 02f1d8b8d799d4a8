/**
 * A small, fast, seeded pseudo-random generator (SFC32, seeded through
 * SplitMix32). Everything random in the generated log — UUIDs, JTIs, names,
 * timings, fake secrets — comes from here, so a seed fixes the output byte
 * for byte. Independent streams are split off with `fork(label)` so that, for
 * example, switching attacks off leaves the background traffic unchanged.
 */

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push((i + 0x100).toString(16).slice(1));

const HEX_CODES = Buffer.from('0123456789abcdef', 'latin1');
const UUID_BUF = Buffer.alloc(36) as Buffer & { latin1Slice(start: number, end: number): string };

/** The alphabet Kubernetes uses for generated name suffixes (no vowels, no 0/1/3). */
export const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function hashString(s: string): number {
  // FNV-1a, 32 bit.
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number | string) {
    const st = { s: typeof seed === 'number' ? (seed >>> 0) ^ hashString(String(Math.floor(seed / 4294967296))) : hashString(seed) };
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st) | 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A new independent stream, derived from this one's seed material and a label. */
  fork(label: string): Rng {
    return new Rng(`${this.a ^ hashString(label)}:${this.b}:${this.c ^ this.d}:${label}`);
  }

  u32(): number {
    const a = this.a;
    const b = this.b;
    const c = this.c;
    const d = this.d;
    const t = (((a + b) | 0) + d) | 0;
    this.d = (d + 1) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    this.c = (((c << 21) | (c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(arr: readonly T[]): T {
    return arr[this.int(arr.length)]!;
  }

  /** Exponentially distributed with the given mean (inter-arrival times of a Poisson process). */
  exp(mean: number): number {
    return -Math.log(1 - this.float()) * mean;
  }

  /** Index into `cumulative` (ascending cumulative weights) chosen in proportion to the weights. */
  weighted(cumulative: readonly number[]): number {
    const x = this.float() * cumulative[cumulative.length - 1]!;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** A random (version 4) UUID. */
  uuid(): string {
    const b = UUID_BUF;
    let o = 0;
    for (let w = 0; w < 4; w++) {
      let v = this.u32();
      if (w === 1) v = (v & 0xffff0fff) | 0x00004000; // version 4
      if (w === 2) v = (v & 0x3fffffff) | 0x80000000; // RFC 4122 variant
      for (let k = 28; k >= 0; k -= 4) {
        if (o === 8 || o === 13 || o === 18 || o === 23) b[o++] = 45; // '-'
        b[o++] = HEX_CODES[(v >>> k) & 15]!;
      }
    }
    return b.latin1Slice(0, 36);
  }

  /** `n` random bytes as lowercase hex. */
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += HEX[this.u32() & 255]!;
    return s;
  }

  bytes(n: number): Buffer {
    const buf = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i += 4) {
      const v = this.u32();
      buf[i] = v & 255;
      if (i + 1 < n) buf[i + 1] = (v >>> 8) & 255;
      if (i + 2 < n) buf[i + 2] = (v >>> 16) & 255;
      if (i + 3 < n) buf[i + 3] = v >>> 24;
    }
    return buf;
  }

  /** A Kubernetes-style generated name suffix (`-x7k2p`). */
  suffix(n = 5): string {
    let s = '';
    for (let i = 0; i < n; i++) s += NAME_ALPHABET[this.int(NAME_ALPHABET.length)]!;
    return s;
  }
}
