/**
 * The detectors' view of a plain event (fact-event.ts) read from the tokens
 * of its line instead of parsing it: a quarter of the bench's log is the final
 * stage of service accounts' ordinary requests (controllers reading
 * configmaps, renewing leases), and parsing, decoding, checking and
 * redacting each of them whole costs about twice as much as cutting it into
 * tokens in WebAssembly and walking those.
 *
 * Exact or nothing: it walks the line's tape (json-tape.ts: the line is
 * one JSON object, checked as the parser would), and accepts the line only
 * when the parsed, checked event (formats/check.ts) would give the same
 * values. Anything it does not follow is declined and the line is parsed:
 * an escape in a key it matches or in a value it reads, null or another
 * type in a field the decoder checks, a repeated key the view depends on
 * (the parser keeps the last), an impersonated user, a response code
 * written as a string.
 */
import type { FactValues } from './fact-event.js';
import { FACT_ANNOTATIONS, FACT_EXTRA, emptyFact } from './fact-event.js';
import { T_ARR, T_NUM, T_OBJ, T_STR, T_STR_ESC } from './json-tape.js';

/**
 * Keys found by their length and last byte, then compared from the end: the
 * keys read here share long prefixes (`authentication.kubernetes.io/…`), and
 * each byte compared in JavaScript costs nanoseconds.
 */
class KeyTable {
  private readonly slot = new Int16Array(64 * 256).fill(-1);
  private readonly keys: Uint8Array[];

  constructor(names: readonly string[]) {
    this.keys = names.map((k) => Buffer.from(k));
    this.keys.forEach((b, t) => {
      const at = ((b.length & 63) << 8) | b[b.length - 1]!;
      this.slot[at] = this.slot[at] === -1 ? t : -2;
    });
  }

  /** Which key the bytes buf[k..kq) are (-1: none). */
  find(buf: Uint8Array, k: number, kq: number): number {
    const n = kq - k;
    if (n === 0) return -1;
    const c = this.slot[((n & 63) << 8) | buf[kq - 1]!]!;
    if (c === -1) return -1;
    if (c >= 0) return this.equal(buf, k, n, c) ? c : -1;
    for (let t = 0; t < this.keys.length; t++) if (this.equal(buf, k, n, t)) return t;
    return -1;
  }

  private equal(buf: Uint8Array, k: number, n: number, t: number): boolean {
    const b = this.keys[t]!;
    if (b.length !== n) return false;
    for (let i = n - 1; i >= 0; i--) if (buf[k + i] !== b[i]) return false;
    return true;
  }
}

// top-level members, the fixed head's included (each may come once)
const TOP = new KeyTable(['requestURI', 'verb', 'user', 'impersonatedUser', 'sourceIPs', 'userAgent', 'objectRef', 'responseStatus', 'requestReceivedTimestamp', 'stageTimestamp', 'annotations', 'kind', 'apiVersion', 'level', 'auditID', 'stage']);
const T_VERB = 1, T_USER = 2, T_IMP = 3, T_IPS = 4, T_UA = 5, T_OBJREF = 6, T_STATUS = 7, T_ANN = 10, T_HEAD = 11;
const USER = new KeyTable(['username', 'uid', 'groups', 'extra']);
const U_NAME = 0, U_UID = 1, U_GROUPS = 2, U_EXTRA = 3;
const EXTRA = new KeyTable(FACT_EXTRA);
const OBJ = new KeyTable(['resource', 'subresource', 'namespace', 'name', 'apiGroup', 'apiVersion', 'uid', 'resourceVersion']);
const STATUS = new KeyTable(['code']);
const ANN = new KeyTable(FACT_ANNOTATIONS);
const NODES = new KeyTable(['system:nodes']);

/** Buffer's own UTF-8 decoder, without toString's argument checks (the bounds are the tape's). */
interface Utf8Slicer {
  utf8Slice(start: number, end: number): string;
}

export class FactReader {
  /** what the last accepted line says (valid until the next read) */
  readonly v: FactValues = emptyFact();
  private buf: Buffer = Buffer.alloc(0);
  private w: Uint32Array = new Uint32Array(0);
  private s = 0;


  /**
   * Reads the line buf[s..e) from its tape (`words`, `n` tokens; -1: the
   * line is not JSON): true when `v` holds the line's view, false to parse
   * the line instead.
   */
  read(buf: Buffer, s: number, words: Uint32Array, n: number): boolean {
    if (n <= 0 || (words[0]! & 7) !== T_OBJ || words[1] !== n) return false;
    this.buf = buf;
    this.w = words;
    this.s = s;
    const v = this.v;
    v.username = v.impersonated = v.clientIp = v.userAgent = undefined;
    v.resource = v.subresource = v.namespace = v.name = undefined;
    v.nodes = -1;
    v.extra[0] = v.extra[1] = v.extra[2] = undefined;
    v.objectRef = v.annotations = false;
    for (let k = 0; k < v.ann.length; k++) v.ann[k] = undefined;
    v.code = NaN;
    let seen = 0;
    for (let t = 1; t < n; ) {
      const key = this.keyIn(t, TOP);
      if (key === -2 || key === T_IMP) return false;
      const x = t + 1;
      if (key >= 0) {
        if (seen & (1 << key)) return false;
        seen |= 1 << key;
      }
      let ok = true;
      switch (key) {
        case T_USER:
          ok = this.user(x);
          break;
        case T_IPS:
          ok = this.ips(x);
          break;
        case T_UA:
          ok = this.isString(x) && (v.userAgent = this.str(x)) !== undefined;
          break;
        case T_OBJREF:
          ok = this.objectRef(x);
          break;
        case T_STATUS:
          ok = this.status(x);
          break;
        case T_ANN:
          ok = this.annotations(x);
          break;
        case T_VERB:
          // the one member the decoder requires: a string, not empty
          ok = this.isString(x) && this.w[2 * x + 1]! > (this.w[2 * x]! >>> 3) + 1;
          break;
        case -1:
          // a member the detectors never read (a body, a shipper's own key)
          break;
        default:
          // the fixed head's, the request URI, the times: strings the decoder checks
          ok = key >= T_HEAD || this.isString(x);
      }
      if (!ok) return false;
      t = this.next(x);
    }
    return (seen & (1 << T_VERB)) !== 0;
  }

  private type(t: number): number {
    return this.w[2 * t]! & 7;
  }

  /** The token after the value at t (and its contents). */
  private next(t: number): number {
    const ty = this.type(t);
    return ty === T_OBJ || ty === T_ARR ? this.w[2 * t + 1]! : t + 1;
  }

  private isString(t: number): boolean {
    const ty = this.type(t);
    return ty === T_STR || ty === T_STR_ESC;
  }

  /** The key token at t in `table` (-1: another key; -2: an escaped key, which might spell one of them). */
  private keyIn(t: number, table: KeyTable): number {
    const w0 = this.w[2 * t]!;
    if ((w0 & 7) !== T_STR) return -2;
    return table.find(this.buf, this.s + (w0 >>> 3) + 1, this.s + this.w[2 * t + 1]!);
  }

  /**
   * The plain string at t (undefined: not a plain string). Made afresh: a
   * native slice costs less than finding a string made before by its bytes
   * in JavaScript.
   */
  private str(t: number): string | undefined {
    const w0 = this.w[2 * t]!;
    if ((w0 & 7) !== T_STR) return undefined;
    return (this.buf as unknown as Utf8Slicer).utf8Slice(this.s + (w0 >>> 3) + 1, this.s + this.w[2 * t + 1]!);
  }


  private user(x: number): boolean {
    if (this.type(x) !== T_OBJ) return false;
    const v = this.v;
    const end = this.w[2 * x + 1]!;
    let seen = 0;
    for (let t = x + 1; t < end; ) {
      const key = this.keyIn(t, USER);
      if (key === -2) return false;
      const y = t + 1;
      if (key >= 0) {
        if (seen & (1 << key)) return false;
        seen |= 1 << key;
      }
      if (key === U_NAME) {
        v.username = this.str(y);
        if (v.username === undefined) return false;
      } else if (key === U_UID) {
        if (!this.isString(y)) return false;
      } else if (key === U_GROUPS) {
        if (!this.groups(y)) return false;
      } else if (key === U_EXTRA && !this.extra(y)) return false;
      t = this.next(y);
    }
    return true;
  }

  /** user.groups: plain strings (an escaped one might spell system:nodes); sets `nodes`. */
  private groups(x: number): boolean {
    if (this.type(x) !== T_ARR) return false;
    const end = this.w[2 * x + 1]!;
    let has = 0;
    for (let t = x + 1; t < end; t++) {
      if (this.type(t) !== T_STR) return false;
      if (this.keyIn(t, NODES) === 0) has = 1;
    }
    this.v.nodes = has;
    return true;
  }

  /** user.extra: the first value of each FACT_EXTRA (a list starting with a plain string). */
  private extra(x: number): boolean {
    if (this.type(x) !== T_OBJ) return false;
    const end = this.w[2 * x + 1]!;
    let seen = 0;
    for (let t = x + 1; t < end; ) {
      const key = this.keyIn(t, EXTRA);
      if (key === -2) return false;
      const y = t + 1;
      if (key >= 0) {
        if (seen & (1 << key)) return false;
        seen |= 1 << key;
        if (this.type(y) !== T_ARR || this.w[2 * y + 1] === y + 1) return false;
        const first = this.str(y + 1);
        if (first === undefined) return false;
        this.v.extra[key] = first;
      }
      t = this.next(y);
    }
    return true;
  }

  /** sourceIPs: strings, the last one plain. */
  private ips(x: number): boolean {
    if (this.type(x) !== T_ARR) return false;
    const end = this.w[2 * x + 1]!;
    for (let t = x + 1; t < end; t++) if (!this.isString(t)) return false;
    if (end === x + 1) return true;
    this.v.clientIp = this.str(end - 1);
    return this.v.clientIp !== undefined;
  }

  private objectRef(x: number): boolean {
    if (this.type(x) !== T_OBJ) return false;
    const v = this.v;
    v.objectRef = true;
    const end = this.w[2 * x + 1]!;
    let seen = 0;
    for (let t = x + 1; t < end; ) {
      const key = this.keyIn(t, OBJ);
      if (key === -2) return false;
      const y = t + 1;
      if (key >= 0) {
        if (seen & (1 << key)) return false;
        seen |= 1 << key;
        if (key <= 3) {
          const sv = this.str(y);
          if (sv === undefined) return false;
          if (key === 0) v.resource = sv;
          else if (key === 1) v.subresource = sv;
          else if (key === 2) v.namespace = sv;
          else v.name = sv;
        } else if (!this.isString(y)) return false;
      }
      t = this.next(y);
    }
    return true;
  }

  /** responseStatus: its code, a JSON number (a string of digits the decoder would convert: declined). */
  private status(x: number): boolean {
    if (this.type(x) !== T_OBJ) return false;
    const end = this.w[2 * x + 1]!;
    let seen = false;
    for (let t = x + 1; t < end; ) {
      const key = this.keyIn(t, STATUS);
      if (key === -2) return false;
      const y = t + 1;
      if (key === 0) {
        if (seen || this.type(y) !== T_NUM) return false;
        seen = true;
        const code = Number(this.buf.toString('latin1', this.s + (this.w[2 * y]! >>> 3), this.s + this.w[2 * y + 1]!));
        if (!Number.isFinite(code)) return false;
        this.v.code = code;
      }
      t = this.next(y);
    }
    return true;
  }

  /** annotations: every value a string (the decoder rejects others and drops nulls), FACT_ANNOTATIONS read. */
  private annotations(x: number): boolean {
    if (this.type(x) !== T_OBJ) return false;
    const v = this.v;
    v.annotations = true;
    const end = this.w[2 * x + 1]!;
    let seen = 0;
    for (let t = x + 1; t < end; t += 2) {
      const key = this.keyIn(t, ANN);
      if (key === -2 || !this.isString(t + 1)) return false;
      if (key >= 0) {
        if (seen & (1 << key)) return false;
        seen |= 1 << key;
        const a = this.str(t + 1);
        if (a === undefined) return false;
        v.ann[key] = a;
      }
    }
    return true;
  }
}
