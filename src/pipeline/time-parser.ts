/**
 * Event time from the two timestamps, as eventTime() (event/time.ts)
 * computes it, with the API server's RFC 3339 UTC form
 * (`YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z`) read directly and its second parsed
 * once: most events share the second of the event before them. Everything
 * else goes to the general parser.
 *
 * The same from a line's bytes (`eventTimeBytes`): a line the prefilter does
 * not parse has its time read where it is, without making its timestamps
 * strings (two strings a line cost more than the rest of the time's reading).
 * Its answer is, by construction, `eventTime` of the bytes' Latin-1 text:
 * any form other than the common one is handed to that as text.
 */
import { parseTime } from '../event/time.js';

/** The separator at each of a second's 19 characters (-1: a digit). */
const SEPARATORS = [-1, -1, -1, -1, 0x2d, -1, -1, 0x2d, -1, -1, 0x54, -1, -1, 0x3a, -1, -1, 0x3a, -1, -1];

function isoSeconds(s: string): boolean {
  for (let i = 0; i < 19; i++) {
    const c = s.charCodeAt(i);
    const want = SEPARATORS[i]!;
    if (want >= 0 ? c !== want : c < 0x30 || c > 0x39) return false;
  }
  // 24:00:00 is midnight to Date.parse, but only without a fraction
  return s.charCodeAt(11) < 0x32 || s.charCodeAt(12) < 0x34;
}

export class TimeParser {
  private keyA = '';
  private baseA = NaN;
  private keyB = '';
  private baseB = NaN;
  // the bytes path's own cache: the last second's 19 bytes and its time
  private readonly keyBytes = new Uint8Array(19);
  private keyBytesSet = false;
  private keyBytesBase = NaN;

  eventTime(rrt: string | undefined, sts: string | undefined): number {
    const t = this.parse(rrt);
    return Number.isNaN(t) ? this.parse(sts) : t;
  }

  parse(s: string | undefined): number {
    if (s === undefined) return NaN;
    const n = s.length;
    if (n < 20 || n > 30 || s.charCodeAt(n - 1) !== 0x5a || !isoSeconds(s)) return parseTime(s);
    let frac = 0;
    if (n > 20) {
      if (s.charCodeAt(19) !== 0x2e || n === 21) return parseTime(s);
      for (let i = 20; i < n - 1; i++) {
        const d = s.charCodeAt(i) - 0x30;
        if (d < 0 || d > 9) return parseTime(s);
        if (i < 23) frac += d * (i === 20 ? 100 : i === 21 ? 10 : 1); // milliseconds: the rest is cut, as Date.parse does
      }
    }
    const key = s.slice(0, 19);
    let base: number;
    if (key === this.keyA) base = this.baseA;
    else if (key === this.keyB) base = this.baseB;
    else {
      base = Date.parse(`${key}Z`);
      this.keyB = this.keyA;
      this.baseB = this.baseA;
      this.keyA = key;
      this.baseA = base;
    }
    if (Number.isNaN(base)) return parseTime(s);
    return base + frac;
  }

  /**
   * eventTime of the timestamps buf[rs..re) and buf[ss..se) read as Latin-1
   * text (a start below 0: that timestamp is absent).
   */
  eventTimeBytes(buf: Uint8Array, rs: number, re: number, ss: number, se: number): number {
    const t = this.parseBytes(buf, rs, re);
    return Number.isNaN(t) ? this.parseBytes(buf, ss, se) : t;
  }

  private parseBytes(buf: Uint8Array, p: number, q: number): number {
    if (p < 0) return NaN;
    const n = q - p;
    // the common form, with the second of the last one read this way; anything else as text
    if (n < 20 || n > 30 || buf[q - 1] !== 0x5a || !this.keyBytesSet || Number.isNaN(this.keyBytesBase)) return this.parseText(buf, p, q);
    const key = this.keyBytes;
    for (let i = 18; i >= 0; i--) if (buf[p + i] !== key[i]) return this.parseText(buf, p, q);
    let frac = 0;
    if (n > 20) {
      if (buf[p + 19] !== 0x2e || n === 21) return this.parseText(buf, p, q);
      for (let i = 20; i < n - 1; i++) {
        const d = buf[p + i]! - 0x30;
        if (d < 0 || d > 9) return this.parseText(buf, p, q);
        if (i < 23) frac += d * (i === 20 ? 100 : i === 21 ? 10 : 1);
      }
    }
    return this.keyBytesBase + frac;
  }

  /** `parse` of the bytes' text, remembering its second's bytes when that was the common form. */
  private parseText(buf: Uint8Array, p: number, q: number): number {
    let s = '';
    for (let i = p; i < q; i++) s += String.fromCharCode(buf[i]!);
    const t = this.parse(s);
    // parse keeps the seconds of common-form timestamps (keyA, keyB): take this one's for the bytes too
    if (!Number.isNaN(t) && s.length >= 20) {
      const key = s.slice(0, 19);
      const base = key === this.keyA ? this.baseA : key === this.keyB ? this.baseB : NaN;
      if (!Number.isNaN(base)) {
        for (let i = 0; i < 19; i++) this.keyBytes[i] = buf[p + i]!;
        this.keyBytesSet = true;
        this.keyBytesBase = base;
      }
    }
    return t;
  }
}
