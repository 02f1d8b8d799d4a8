/**
 * The detectors' view of a plain event (fact-event.ts) read from the bytes of
 * its line instead of parsing it: a third of a real log is service accounts'
 * ordinary requests (controllers reading configmaps, leases, endpoints), and
 * parsing and decoding each of them whole costs several times more than
 * walking its bytes once.
 *
 * Exact or nothing: the walk covers every byte after the stage (the line
 * classifier has checked the fixed head before it, and that every escape in
 * the line is valid), checks the JSON as the parser would, and accepts the
 * line only when the parsed, checked event (formats/check.ts) would give
 * the same values. Anything it does not follow is declined and the line is
 * parsed: whitespace between tokens, an escape in a key or in a value it
 * reads, null or another type in a field the decoder checks, a repeated
 * key the view depends on (the parser keeps the last), an impersonated
 * user, a response code written as a string.
 */
import type { FactValues } from './fact-event.js';
import { FACT_ANNOTATIONS, FACT_EXTRA, emptyFact } from './fact-event.js';

const Q = 0x22;
const BS = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const LIST = 0x5b;
const LIST_END = 0x5d;
/** nesting deeper than this is left to the parser */
const MAX_DEPTH = 64;

type Intern = (buf: Buffer, p: number, q: number) => string;

/** Keys as bytes, each with its number in its table. */
function keys(names: readonly string[]): Uint8Array[] {
  return names.map((k) => new TextEncoder().encode(k));
}

// top-level members after the stage, with the prefix's (which must not come again)
const TOP = keys(['requestURI', 'verb', 'user', 'impersonatedUser', 'sourceIPs', 'userAgent', 'objectRef', 'responseStatus', 'requestReceivedTimestamp', 'stageTimestamp', 'annotations', 'kind', 'apiVersion', 'level', 'auditID', 'stage']);
const T_URI = 0, T_VERB = 1, T_USER = 2, T_IMP = 3, T_IPS = 4, T_UA = 5, T_OBJ = 6, T_STATUS = 7, T_RRT = 8, T_STS = 9, T_ANN = 10, T_PREFIX = 11;
const USER = keys(['username', 'uid', 'groups', 'extra']);
const U_NAME = 0, U_UID = 1, U_GROUPS = 2, U_EXTRA = 3;
const EXTRA = keys(FACT_EXTRA);
const OBJ = keys(['resource', 'subresource', 'namespace', 'name', 'apiGroup', 'apiVersion', 'uid', 'resourceVersion']);
const STATUS = keys(['code']);
const ANN = keys(FACT_ANNOTATIONS);
const NODES = new TextEncoder().encode('system:nodes');
const TRUE = new TextEncoder().encode('true');
const FALSE = new TextEncoder().encode('false');
const NULL = new TextEncoder().encode('null');

/** Which of `table` the plain key buf[k..kq) is (-1: none). */
function keyOf(buf: Uint8Array, k: number, kq: number, table: Uint8Array[]): number {
  const n = kq - k;
  for (let t = 0; t < table.length; t++) {
    const b = table[t]!;
    if (b.length !== n) continue;
    let i = 0;
    while (i < n && buf[k + i] === b[i]) i++;
    if (i === n) return t;
  }
  return -1;
}

function bytesAt(buf: Uint8Array, at: number, e: number, b: Uint8Array): boolean {
  if (at + b.length > e) return false;
  for (let i = 0; i < b.length; i++) if (buf[at + i] !== b[i]) return false;
  return true;
}

/** The closing quote of the string whose opening quote is at `at` - 1, when it holds no escape and no control character; -1 otherwise. */
function plainEnd(buf: Uint8Array, at: number, e: number): number {
  for (let i = at; i < e; i++) {
    const c = buf[i]!;
    if (c === Q) return i;
    if (c === BS || c < 0x20) return -1;
  }
  return -1;
}

/** Past the string whose opening quote is at `at` (escapes are known valid); -1 for a control character or no end. */
function skipString(buf: Uint8Array, at: number, e: number): number {
  for (let i = at + 1; i < e; i++) {
    const c = buf[i]!;
    if (c === Q) return i + 1;
    if (c === BS) i++;
    else if (c < 0x20) return -1;
  }
  return -1;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/** Past a JSON number at `at`; -1 when it is not one. */
function skipNumber(buf: Uint8Array, at: number, e: number): number {
  let i = at;
  if (buf[i] === 0x2d) i++;
  if (buf[i] === 0x30) i++;
  else {
    if (!isDigit(buf[i])) return -1;
    while (i < e && isDigit(buf[i])) i++;
  }
  if (buf[i] === 0x2e) {
    i++;
    if (!isDigit(buf[i])) return -1;
    while (i < e && isDigit(buf[i])) i++;
  }
  if (buf[i] === 0x65 || buf[i] === 0x45) {
    i++;
    if (buf[i] === 0x2b || buf[i] === 0x2d) i++;
    if (!isDigit(buf[i])) return -1;
    while (i < e && isDigit(buf[i])) i++;
  }
  return i <= e ? i : -1;
}

/** Past any JSON value at `at` (no whitespace); -1 when it is not one. */
function skipValue(buf: Uint8Array, at: number, e: number, depth: number): number {
  const c = buf[at];
  if (c === Q) return skipString(buf, at, e);
  if (c === OPEN || c === LIST) {
    if (depth >= MAX_DEPTH) return -1;
    const obj = c === OPEN;
    const end = obj ? CLOSE : LIST_END;
    let i = at + 1;
    if (buf[i] === end) return i + 1;
    for (;;) {
      if (obj) {
        if (buf[i] !== Q) return -1;
        i = skipString(buf, i, e);
        if (i < 0 || buf[i] !== COLON) return -1;
        i++;
      }
      i = skipValue(buf, i, e, depth + 1);
      if (i < 0) return -1;
      const d = buf[i];
      if (d === end) return i + 1;
      if (d !== COMMA) return -1;
      i++;
    }
  }
  if (c === 0x74) return bytesAt(buf, at, e, TRUE) ? at + 4 : -1;
  if (c === 0x66) return bytesAt(buf, at, e, FALSE) ? at + 5 : -1;
  if (c === 0x6e) return bytesAt(buf, at, e, NULL) ? at + 4 : -1;
  return skipNumber(buf, at, e);
}

export class FactReader {
  /** what the last accepted line says (valid until the next read) */
  readonly v: FactValues = emptyFact();
  private buf: Buffer = Buffer.alloc(0);
  private e = 0;
  // the member being read: its plain key buf[k..kq) and where its value starts
  private k = 0;
  private kq = 0;

  constructor(private readonly intern: Intern) {}

  /**
   * Reads the line buf[..e) (its last byte the top-level `}`) from `at`, just
   * past the stage's value: true when every member that follows was read or
   * checked and `v` holds the line's view; false to parse the line instead.
   */
  read(buf: Buffer, at: number, e: number): boolean {
    this.buf = buf;
    this.e = e;
    const v = this.v;
    v.username = v.impersonated = v.clientIp = v.userAgent = undefined;
    v.resource = v.subresource = v.namespace = v.name = undefined;
    v.nodes = -1;
    v.extra[0] = v.extra[1] = v.extra[2] = undefined;
    v.objectRef = v.annotations = false;
    for (let k = 0; k < v.ann.length; k++) v.ann[k] = undefined;
    v.code = NaN;
    let seen = 0;
    let i = at;
    for (;;) {
      const c = buf[i];
      if (c === CLOSE) return i === e - 1;
      if (c !== COMMA) return false;
      i = this.member(i + 1);
      if (i < 0) return false;
      const t = keyOf(buf, this.k, this.kq, TOP);
      if (t >= T_PREFIX || t === T_IMP) return false;
      if (t >= 0) {
        if (seen & (1 << t)) return false;
        seen |= 1 << t;
      }
      switch (t) {
        case T_USER:
          i = this.user(i);
          break;
        case T_IPS:
          i = this.lastString(i);
          if (i >= 0) v.clientIp = this.last;
          break;
        case T_UA:
          i = this.string(i);
          if (i >= 0) v.userAgent = this.last;
          break;
        case T_OBJ:
          i = this.objectRef(i);
          break;
        case T_STATUS:
          i = this.status(i);
          break;
        case T_ANN:
          i = this.annotations(i);
          break;
        case T_URI:
        case T_VERB:
        case T_RRT:
        case T_STS:
          // strings the decoder checks (the classifier read the verb and the times)
          i = buf[i] === Q ? skipString(buf, i, e) : -1;
          break;
        default:
          // a member the detectors never read (a body, a shipper's own key)
          i = skipValue(buf, i, e, 1);
      }
      if (i < 0) return false;
    }
  }

  /** A member `"key":` at `at`: its plain key in k..kq, the position of its value; -1 for an escaped key or no member. */
  private member(at: number): number {
    const buf = this.buf;
    if (buf[at] !== Q) return -1;
    const kq = plainEnd(buf, at + 1, this.e);
    if (kq < 0 || buf[kq + 1] !== COLON) return -1;
    this.k = at + 1;
    this.kq = kq;
    return kq + 2;
  }

  /** the string the last `string` or `lastString` read */
  private last: string | undefined = undefined;

  /** A plain string at `at`, interned into `last`; past it, or -1. */
  private string(at: number): number {
    const buf = this.buf;
    if (buf[at] !== Q) return -1;
    const q = plainEnd(buf, at + 1, this.e);
    if (q < 0) return -1;
    this.last = this.intern(buf, at + 1, q);
    return q + 1;
  }

  /** A list of strings at `at`, its last one (plain) in `last` (undefined: empty); past it, or -1. */
  private lastString(at: number): number {
    const buf = this.buf;
    const e = this.e;
    if (buf[at] !== LIST) return -1;
    this.last = undefined;
    let i = at + 1;
    if (buf[i] === LIST_END) return i + 1;
    for (;;) {
      if (buf[i] !== Q) return -1;
      const end = skipString(buf, i, e);
      if (end < 0) return -1;
      const d = buf[end];
      if (d === LIST_END) return this.string(i) < 0 ? -1 : end + 1;
      if (d !== COMMA) return -1;
      i = end + 1;
    }
  }

  private user(at: number): number {
    const buf = this.buf;
    const e = this.e;
    const v = this.v;
    if (buf[at] !== OPEN) return -1;
    let i = at + 1;
    if (buf[i] === CLOSE) return i + 1;
    let seen = 0;
    for (;;) {
      i = this.member(i);
      if (i < 0) return -1;
      const t = keyOf(buf, this.k, this.kq, USER);
      if (t >= 0) {
        if (seen & (1 << t)) return -1;
        seen |= 1 << t;
      }
      if (t === U_NAME) {
        i = this.string(i);
        v.username = this.last;
      } else if (t === U_UID) i = buf[i] === Q ? skipString(buf, i, e) : -1;
      else if (t === U_GROUPS) i = this.groups(i);
      else if (t === U_EXTRA) i = this.extra(i);
      else i = skipValue(buf, i, e, 2);
      if (i < 0) return -1;
      const d = buf[i];
      if (d === CLOSE) return i + 1;
      if (d !== COMMA) return -1;
      i++;
    }
  }

  /** user.groups: plain strings (an escaped one might spell system:nodes); sets `nodes`. */
  private groups(at: number): number {
    const buf = this.buf;
    if (buf[at] !== LIST) return -1;
    let has = 0;
    let i = at + 1;
    if (buf[i] !== LIST_END) {
      for (;;) {
        if (buf[i] !== Q) return -1;
        const q = plainEnd(buf, i + 1, this.e);
        if (q < 0) return -1;
        if (q - i - 1 === NODES.length && bytesAt(buf, i + 1, q, NODES)) has = 1;
        i = q + 1;
        if (buf[i] === LIST_END) break;
        if (buf[i] !== COMMA) return -1;
        i++;
      }
    }
    this.v.nodes = has;
    return i + 1;
  }

  /** user.extra: the first value of each FACT_EXTRA (a list starting with a plain string), the rest checked. */
  private extra(at: number): number {
    const buf = this.buf;
    const e = this.e;
    if (buf[at] !== OPEN) return -1;
    let i = at + 1;
    if (buf[i] === CLOSE) return i + 1;
    let seen = 0;
    for (;;) {
      i = this.member(i);
      if (i < 0) return -1;
      const t = keyOf(buf, this.k, this.kq, EXTRA);
      if (t >= 0) {
        if (seen & (1 << t)) return -1;
        seen |= 1 << t;
        if (buf[i] !== LIST || buf[i + 1] !== Q) return -1;
        const q = plainEnd(buf, i + 2, e);
        if (q < 0) return -1;
        // credential ids are as many as tokens: not interned
        this.v.extra[t] = t === 0 ? buf.toString('utf8', i + 2, q) : this.intern(buf, i + 2, q);
      }
      i = skipValue(buf, i, e, 3);
      if (i < 0) return -1;
      const d = buf[i];
      if (d === CLOSE) return i + 1;
      if (d !== COMMA) return -1;
      i++;
    }
  }

  private objectRef(at: number): number {
    const buf = this.buf;
    const e = this.e;
    const v = this.v;
    if (buf[at] !== OPEN) return -1;
    v.objectRef = true;
    let i = at + 1;
    if (buf[i] === CLOSE) return i + 1;
    let seen = 0;
    for (;;) {
      i = this.member(i);
      if (i < 0) return -1;
      const t = keyOf(buf, this.k, this.kq, OBJ);
      if (t >= 0) {
        if (seen & (1 << t)) return -1;
        seen |= 1 << t;
      }
      if (t >= 0 && t <= 3) {
        i = this.string(i);
        if (t === 0) v.resource = this.last;
        else if (t === 1) v.subresource = this.last;
        else if (t === 2) v.namespace = this.last;
        else v.name = this.last;
      } else if (t > 3) i = buf[i] === Q ? skipString(buf, i, e) : -1;
      else i = skipValue(buf, i, e, 2);
      if (i < 0) return -1;
      const d = buf[i];
      if (d === CLOSE) return i + 1;
      if (d !== COMMA) return -1;
      i++;
    }
  }

  /** responseStatus: its code, when it is written as an integer (a string of digits the decoder would convert: declined). */
  private status(at: number): number {
    const buf = this.buf;
    const e = this.e;
    if (buf[at] !== OPEN) return -1;
    let i = at + 1;
    if (buf[i] === CLOSE) return i + 1;
    let seen = false;
    for (;;) {
      i = this.member(i);
      if (i < 0) return -1;
      if (keyOf(buf, this.k, this.kq, STATUS) === 0) {
        if (seen) return -1;
        seen = true;
        let n = 0;
        let j = i;
        if (buf[j] === 0x30) j++;
        else while (j < e && j < i + 9 && isDigit(buf[j])) n = n * 10 + buf[j++]! - 0x30;
        if (j === i || isDigit(buf[j]) || buf[j] === 0x2e || buf[j] === 0x65 || buf[j] === 0x45) return -1;
        this.v.code = n;
        i = j;
      } else i = skipValue(buf, i, e, 2);
      if (i < 0) return -1;
      const d = buf[i];
      if (d === CLOSE) return i + 1;
      if (d !== COMMA) return -1;
      i++;
    }
  }

  /** annotations: every value a string (the decoder rejects others and drops nulls), FACT_ANNOTATIONS read. */
  private annotations(at: number): number {
    const buf = this.buf;
    const e = this.e;
    const v = this.v;
    if (buf[at] !== OPEN) return -1;
    v.annotations = true;
    let i = at + 1;
    if (buf[i] === CLOSE) return i + 1;
    let seen = 0;
    for (;;) {
      i = this.member(i);
      if (i < 0 || buf[i] !== Q) return -1;
      const t = keyOf(buf, this.k, this.kq, ANN);
      if (t >= 0) {
        if (seen & (1 << t)) return -1;
        seen |= 1 << t;
        const q = plainEnd(buf, i + 1, e);
        if (q < 0) return -1;
        v.ann[t] = buf.toString('utf8', i + 1, q);
        i = q + 1;
      } else i = skipString(buf, i, e);
      if (i < 0) return -1;
      const d = buf[i];
      if (d === CLOSE) return i + 1;
      if (d !== COMMA) return -1;
      i++;
    }
  }
}
