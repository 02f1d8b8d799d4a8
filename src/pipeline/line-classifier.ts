/**
 * Per-line decisions of the prefilter (see prefilter.ts for what is skipped
 * and why that is exact). Kept apart from the plan's derivation so that worker
 * threads can classify lines without loading the Sigma engine: the plan is
 * plain data.
 */
import { isFinalStage } from '../event/types.js';
import { FactReader } from './fact-reader.js';
import { TimeParser } from './time-parser.js';
import { jsTape, TAPE_TOKENS, type TapeReader } from './json-tape.js';
import { COUNTED, HEAD_SLOTS, MISS, SAMPLE, type HeadReader } from './head-reader.js';
import type { LiteralSearch, SearchLiteral } from './literal-search.js';
import { mixTime, PART_NONE, PART_TIME, TIME_FORM_LENGTH } from './id-set.js';

/** Kinds of literal, as bits. */
export const K_RULE = 1;
export const K_DET = 2;
export const K_BLOCK = 4;
export const K_REDACT = 8;
export const K_DETBODY = 16;
export const K_AUDITID = 32;
export const K_STAGE = 64;
export const K_RRT = 128;
export const K_VERB = 512;
/** a backslash: where the line's escapes are */
export const K_BS = 1024;
/** `{"kind":"Event","apiVersion":"audit.k8s.io/v1`: where a plain raw event line starts */
export const K_HEAD = 2048;
/** (with K_BLOCK) it blocks only as an object key: when a `:` follows the closing quote */
export const K_KEY = 4096;
/** `"objectRef":{`: where a skipped line's objectRef is, for the coverage report */
export const K_OBJREF = 8192;
/** (with K_DET) `"system:node:`: a node's username, maybe */
export const K_NODE = 1 << 16;
/** (with K_DET) any other detector literal: a service account, a TokenRequest, a pod or a Secret */
export const K_DETX = 1 << 17;
export const HEAD = '{"kind":"Event","apiVersion":"audit.k8s.io/v1';

export interface PrefilterPlan {
  literals: SearchLiteral[];
  kinds: number[];
  /** per literal: the rules one of whose literals it is */
  rulesOf: number[][];
  ruleCount: number;
  detectors: boolean;
  /** the coverage report wants each skipped line's level, verb, resource and time */
  coverage?: boolean;
  /** redaction could write a rule literal: lines with a redaction trigger are parsed */
  redactSensitive: boolean;
  /** ASCII characters an escape must not decode to */
  sensitive: Uint8Array;
  /** literals per rule, for explaining */
  ruleLits: { text: string; ci: boolean }[][];
}

// ---- per line --------------------------------------------------------------

/** The classification of one line. */
export const SKIP = 0;
/** parse, and run every rule; full redaction */
export const PARSE_ALL = 1;
/** parse a plain raw event: run only `rules` (maybe none); redaction only if `redact` */
export const PARSE_PLAIN = 2;
/**
 * (with the detectors, `lazyOn`) a plain raw event at a preliminary stage
 * that no rule can match: held by the stage judge unread, by its auditID,
 * stage, time and place, and read only if its request's final stage never
 * comes (the judge drops it when the final one arrives, the common case).
 */
export const LAZY = 3;
/**
 * (with the detectors, `lazyOn`) the final stage of a node's request that
 * only the detectors' cluster model reads (a kubelet's leases, node status,
 * configmaps: no service account, TokenRequest, pod or Secret in the line):
 * its user, groups and client address are read from the bytes (`node*`).
 */
export const NODE = 4;
/**
 * (with the detectors, `lazyOn`) the final stage of a plain request that
 * only the detectors read and none of whose bodies they read (no pod,
 * Secret or TokenRequest in the line): its view (fact-event.ts) is read
 * from the bytes (`facts`, `factVerb`).
 */
export const FACT = 5;

const Q = 0x22;
const BS = 0x5c;

const P_HEAD = Buffer.from(HEAD);
const P_TAILS = ['","level":"', 'beta1","level":"', 'alpha1","level":"'].map((x) => Buffer.from(x));
const P_RESOURCE = Buffer.from('"resource":"');
const P_SUBRESOURCE = Buffer.from('"subresource":"');
const P_USER = Buffer.from('","user":{"username":"');
const P_UID = Buffer.from(',"uid":"');
const P_GROUPS = Buffer.from(',"groups":[');
const P_IPS = Buffer.from(',"sourceIPs":[');
const P_EXTRA = Buffer.from(',"extra":{');
const SYSTEM_NODES = Buffer.from('system:nodes');


/**
 * Short strings read from bytes, interned: a verb or resource name becomes a
 * string once, and is found again by its bytes (hash, then compared).
 */
class Interner {
  private readonly table = new Map<number, string[]>();
  private size = 0;

  get(buf: Buffer, p: number, q: number): string {
    let h = 0x811c9dc5;
    for (let i = p; i < q; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    const list = this.table.get(h);
    if (list !== undefined) {
      for (let k = 0; k < list.length; k++) {
        const s = list[k]!;
        if (s.length !== q - p) continue;
        let i = 0;
        while (i < s.length && s.charCodeAt(i) === buf[p + i]) i++;
        if (i === s.length) return s;
      }
    }
    const s = buf.toString('utf8', p, q);
    // only ASCII names compare byte for character; others (and an overfull table) are not kept
    if (s.length !== q - p || this.size >= 4096) return s;
    if (list !== undefined) list.push(s);
    else this.table.set(h, [s]);
    this.size++;
    return s;
  }
}

function startsAt(buf: Buffer, at: number, end: number, p: Buffer): boolean {
  const n = p.length;
  if (at + n > end) return false;
  for (let i = 0; i < n; i++) if (buf[at + i] !== p[i]) return false;
  return true;
}

/** End of a string starting at `at` that has no quote or control character before `limit`, scanning at most `max` bytes; -1 otherwise. */
function shortString(buf: Buffer, at: number, e: number, max: number): number {
  const stop = Math.min(e, at + max);
  for (let i = at; i < stop; i++) {
    const c = buf[i]!;
    if (c === Q) return i;
    if (c < 0x20) return -1;
  }
  return -1;
}

/** The closing quote of a string from `at` without escapes or control characters; -1 otherwise. */
function plainEnd(buf: Buffer, at: number, e: number): number {
  for (let i = at; i < e; i++) {
    const c = buf[i]!;
    if (c === Q) return i;
    if (c < 0x20 || c === BS) return -1;
  }
  return -1;
}

/** Is the string starting with the quote at `at` an object key (its closing quote followed by optional blanks and `:`)? */
function keyAt(buf: Buffer, at: number, e: number): boolean {
  let i = at + 1;
  while (i < e) {
    const c = buf[i]!;
    if (c === Q) break;
    if (c === BS) i++;
    i++;
  }
  for (i++; i < e; i++) {
    const c = buf[i]!;
    if (c === 0x3a) return true;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return false;
  }
  return false;
}

const LEVELS = ['Metadata', 'Request', 'RequestResponse', 'None'];
const LEVEL_BYTES = LEVELS.map((x) => Buffer.from(x));

/** One of `names` (whose bytes are `bytes`) equal to buf[p..q), without allocating; else the bytes as a string (interned when an interner is given). */
function known(buf: Buffer, p: number, q: number, names: string[], bytes: Buffer[], interner?: Interner): string {
  const n = q - p;
  for (let k = 0; k < names.length; k++) {
    const b = bytes[k]!;
    if (b.length !== n) continue;
    let i = 0;
    while (i < n && buf[p + i] === b[i]) i++;
    if (i === n) return names[k]!;
  }
  return interner ? interner.get(buf, p, q) : buf.toString('utf8', p, q);
}

/**
 * Recent strings read by a head field, with their bytes, in a small
 * direct-mapped table: a resource name is found again by comparing its few
 * bytes at a slot picked from its length and three of them, cheaper than
 * hashing them all (the interner's way, for what the table misses).
 */
class RecentStrings {
  private readonly bytes: Uint8Array[] = [];
  private readonly values: string[] = [];

  constructor() {
    for (let i = 0; i < RECENT_SLOTS; i++) {
      this.bytes.push(new Uint8Array(0));
      this.values.push('');
    }
  }

  get(buf: Buffer, p: number, q: number, interner: Interner): string {
    const n = q - p;
    if (n === 0) return '';
    const slot = (n * 7 + buf[p]! * 3 + buf[q - 1]! * 5 + buf[p + (n >> 1)]!) & (RECENT_SLOTS - 1);
    const b = this.bytes[slot]!;
    if (b.length === n) {
      let i = 0;
      while (i < n && buf[p + i] === b[i]) i++;
      if (i === n) return this.values[slot]!;
    }
    const v = interner.get(buf, p, q);
    if (n <= 64) {
      this.bytes[slot] = Uint8Array.from(buf.subarray(p, q));
      this.values[slot] = v;
    }
    return v;
  }
}
const RECENT_SLOTS = 64;
/** event seconds remembered as recorded (a power of two) */
const MARKED_SLOTS = 256;

function levelAt(buf: Buffer, p: number, q: number): string {
  return known(buf, p, q, LEVELS, LEVEL_BYTES);
}

// the API server's verbs: read without hashing (others go through the interner)
const VERBS = ['get', 'list', 'watch', 'update', 'patch', 'create', 'delete', 'deletecollection'];
const VERB_BYTES = VERBS.map((x) => Buffer.from(x));

const STAGES = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];
const STAGE_BYTES = STAGES.map((x) => Buffer.from(x));

/** The stage value buf[p..q) as a string, without allocating for the four stages. */
function stageAt(buf: Buffer, p: number, q: number): string {
  return known(buf, p, q, STAGES, STAGE_BYTES);
}

/** Receives lines counted by class (verb, resource, subresource): the coverage collector's addCounted. */
export type HeadCounts = (verb: string, resource: string, subresource: string, n: number) => void;

/** The searcher's WebAssembly readers a block in its memory may be read with (each absent where the search has none). */
export interface SearchReaders {
  heads?: ReturnType<NonNullable<LiteralSearch['heads']>>;
  tapes?: ReturnType<NonNullable<LiteralSearch['tapes']>>;
}

/** The reader, when `bytes` are its memory's input. */
function readerOf<R>(bytes: Uint8Array, x: { reader: R; inputAddress: number; buffer: ArrayBuffer } | null | undefined): R | null {
  return x && bytes.buffer === x.buffer && bytes.byteOffset === x.inputAddress ? x.reader : null;
}

const NO_HITS = new Uint32Array(0);
const NO_RULES: number[] = [];
/** lines with more escapes than this are parsed */
const MAX_ESCAPES = 512;
/** bytes searched at a time */
const STRETCH = 32 << 10;

/**
 * Classifies the lines of one searched block. Call `setBlock` with the
 * block's hits, then `classify` for its lines in order (lines outside the
 * block, or straddling its ends, are parsed).
 */
export class LineClassifier {
  private hits: Uint32Array = NO_HITS;
  /** block position of the hits' position 0 */
  private hitsBase = 0;
  private hit = 0;
  private search: ((from: number, to: number) => Uint32Array) | null = null;
  /** the backslashes of the searched stretch (positions from hitsBase), when the searcher finds them */
  private findBs: ((from: number, to: number) => Uint32Array) | null = null;
  private bsList: Uint32Array = NO_HITS;
  private bsAt = 0;
  private bytes: Uint8Array | null = null;
  /** the block is searched up to here (block position) */
  private searched = 0;
  private blockStart = 0;
  private blockEnd = 0;
  private readonly kinds: Uint32Array;
  private readonly rulesOf: Int32Array[];
  private readonly stamp: Int32Array;
  private stampGen = 0;
  private readonly sensitive: Uint8Array;
  /** where the next backslash of `bsBuf` is at or after `bsFrom` (its length when none) */
  private bsBuf: Uint8Array | null = null;
  private bsPos = 0;
  private bsFrom = 0;

  private nextBackslash(buf: Buffer, from: number): number {
    if (buf !== this.bsBuf || from > this.bsPos || from < this.bsFrom) {
      const at = buf.indexOf(0x5c, from);
      this.bsBuf = buf;
      this.bsFrom = from;
      this.bsPos = at < 0 ? buf.length : at;
    }
    return this.bsPos;
  }

  /** backslash positions of the current line (in buf) */
  private readonly bs = new Int32Array(MAX_ESCAPES);
  private nbs = 0;
  /** results of the last classify: the rules that may match (ascending) */
  rules: number[] = NO_RULES;
  redact = true;
  /** the auditID: buf[idStart..idEnd) of idBuf (ASCII when idAscii) */
  idBuf: Buffer = Buffer.alloc(0);
  idStart = 0;
  idEnd = 0;
  idAscii = true;
  /**
   * the request key's part after the auditID, its requestReceivedTimestamp:
   * idBuf[partStart..partEnd) (equal when the line has none), and as
   * FifoIdSet.hasBytes takes it: its kind (none, or the API server's form) and
   * numbers
   */
  partStart = 0;
  partEnd = 0;
  keyKind = PART_NONE;
  keyD = 0;
  keyT = 0;
  keyF = 0;
  /** the key's hash (FifoIdSet.hasBytes) */
  idHash = 0;
  stage = '';
  /** (with the detectors) its event time, from requestReceivedTimestamp, else stageTimestamp (eventTime) */
  t = NaN;
  private readonly times = new TimeParser();
  /** parsed events of this line need no rule, only the detectors */
  detOnly = false;
  /** the detectors read this event's bodies (pods, secrets, TokenRequests) */
  detBody = false;
  /** LAZY and NODE allowed: the input's lines can be read again at their offsets (scan.ts materializes them) */
  lazyOn = false;
  /** (NODE) the verb, user.username, whether user.groups holds `system:nodes` (-1: no groups), the last sourceIPs entry */
  nodeVerb = '';
  nodeUser = '';
  nodeGroups = -1;
  nodeIp: string | undefined = undefined;
  /** (FACT) the line's view for the detectors, and its verb */
  readonly facts = new FactReader();
  factVerb = '';
  /** the tokenizer of the block's lines (null: in JavaScript, into jsWords) */
  private tapeReader: TapeReader | null = null;
  private readonly jsWords = new Uint32Array(2 * TAPE_TOKENS);
  // the last list of strings read (strings)
  private listHas = false;
  private listLast = -1;
  private listLastEnd = -1;
  /** (plan.coverage) a skipped line's head: level, verb, objectRef's resource and subresource, event time */
  level = '';
  verb = '';
  resource = '';
  subresource = '';
  /** its event second, from its requestReceivedTimestamp */
  sec = NaN;
  private readonly secKey = new Uint8Array(19);
  private secValue = NaN;
  private readonly names = new Interner();
  private readonly recentResources = new RecentStrings();
  private levelStart = 0;
  private levelEnd = 0;
  /** the head reader of the block (null: heads are read in JavaScript), the memory address of its position 0 */
  private headReader: HeadReader | null = null;
  private lastReader: HeadReader | null = null;
  private headBase = 0;
  /** what the head reader's class slots and last second stand for */
  private readonly slotVerb: string[] = new Array<string>(HEAD_SLOTS).fill('');
  private readonly slotResource: string[] = new Array<string>(HEAD_SLOTS).fill('');
  private readonly slotSubresource: string[] = new Array<string>(HEAD_SLOTS).fill('');
  /**
   * Event seconds the report has recorded for the head reader's target (the
   * engine hands it every line the reader does not count): a line of one of
   * them may be counted in the reader, as recording a second again changes
   * nothing. Direct-mapped by the request key's numbers: day, time of day
   * (-1: empty), and the second since the epoch.
   */
  private readonly marked = new Float64Array(3 * MARKED_SLOTS).fill(-1);
  // the last plain line's hits for parsedHead (hTimeAt, the `:` before its requestReceivedTimestamp's value; -1: no head to read)
  private hVerbAt = -1;
  private hObjAt = -1;
  private hTimeAt = -1;
  private hD = 0;
  /** heads the head reader read (the rest were read in JavaScript) */
  wasmHeads = 0;
  /**
   * Where the head reader's counts of skipped lines go (the coverage
   * collector), by class: null, no counting (every head goes to JavaScript).
   */
  private headTarget: HeadCounts | null = null;
  /** the line's head was counted by the head reader: the report has it */
  headCounted = false;
  /** the head reader chose the line for the report's sample */
  headSample = false;
  /** the line's class slot in the head reader (-1: read in JavaScript) */
  private headSlot = -1;

  /** The requestReceivedTimestamp of the request key (undefined: none, or empty). */
  get rrt(): string | undefined {
    return this.partEnd > this.partStart ? this.idBuf.toString('latin1', this.partStart, this.partEnd) : undefined;
  }

  /** The auditID as a string (read like the parser would). */
  get id(): string {
    const b = this.idBuf;
    return this.idAscii ? (b as unknown as { latin1Slice(a: number, b: number): string }).latin1Slice(this.idStart, this.idEnd) : b.toString('utf8', this.idStart, this.idEnd);
  }

  constructor(readonly plan: PrefilterPlan) {
    this.kinds = Uint32Array.from(plan.kinds);
    this.rulesOf = plan.rulesOf.map((r) => Int32Array.from(r));
    this.stamp = new Int32Array(plan.ruleCount);
    this.sensitive = plan.sensitive;
  }

  /** The block the next lines come from: its input offsets and its sorted hits (`start << 6 | literal`). */
  setBlock(start: number, end: number, hits: Uint32Array): void {
    this.useHeads(null, 0);
    this.tapeReader = null;
    this.blockStart = start;
    this.blockEnd = end;
    this.hits = hits;
    this.hitsBase = 0;
    this.hit = 0;
    this.search = null;
    this.findBs = null;
    this.searched = end - start;
  }

  /**
   * The same, searching the block a stretch at a time as lines come (so the
   * bytes are still in the cache when their lines are classified): `search(from, to)`
   * returns the hits of bytes[from..to) relative to `from`.
   */
  setLazyBlock(start: number, bytes: Uint8Array, search: (from: number, to: number) => Uint32Array, backslashes?: (from: number, to: number) => Uint32Array, readers: SearchReaders = {}): void {
    this.useHeads(readerOf(bytes, readers.heads), bytes.byteOffset);
    this.tapeReader = readerOf(bytes, readers.tapes);
    this.findBs = backslashes ?? null;
    this.bsList = NO_HITS;
    this.bsAt = 0;
    this.blockStart = start;
    this.blockEnd = start + bytes.length;
    this.bytes = bytes;
    this.search = search;
    this.searched = 0;
    this.hits = NO_HITS;
    this.hitsBase = 0;
    this.hit = 0;
  }

  /** setLazyBlock for a block in `search`'s input, read with the search's readers this plan needs. */
  setSearchedBlock(start: number, bytes: Uint8Array, search: LiteralSearch): void {
    this.setLazyBlock(start, bytes, (from, to) => search.runRange(from, to), (from, to) => search.backslashes(from, to), {
      heads: this.plan.coverage ? (search.heads?.() ?? undefined) : undefined,
      tapes: this.plan.detectors ? (search.tapes?.() ?? undefined) : undefined,
    });
  }

  private advance(rel: number, need: number): void {
    const n = this.bytes!.length;
    const from = Math.max(this.searched, rel);
    let to = Math.max(need, from + STRETCH);
    if (to < n) {
      const i = this.bytes!.indexOf(0x0a, to);
      to = i < 0 ? n : i + 1;
    } else to = n;
    this.hits = this.search!(from, to);
    this.hitsBase = from;
    this.hit = 0;
    this.searched = to;
    if (this.findBs) {
      this.bsList = this.findBs(from, to);
      this.bsAt = 0;
    }
  }

  /**
   * The line buf[s..e) (trimmed, starting with `{` or `[`) at input offset `offset`:
   * SKIP, PARSE_ALL or PARSE_PLAIN, with `rules`, `redact`, `id`, `stage`, … set.
   * Everything it needs to know about the line's bytes beyond its first hundred
   * comes from the block's search hits, so it calls nothing native per line.
   */
  classify(buf: Buffer, s: number, e: number, offset: number): number {
    this.headCounted = false;
    const rel = offset - this.blockStart;
    const relEnd = rel + (e - s);
    if (rel < 0 || offset + (e - s) > this.blockEnd) return PARSE_ALL;
    if (relEnd > this.searched) this.advance(rel, relEnd);
    const hits = this.hits;
    const hb = this.hitsBase;
    let h = this.hit;
    while (h < hits.length && (hits[h]! >>> 6) + hb < rel) h++;
    let flags = 0;
    let ids = 0;
    let stages = 0;
    let verbs = 0;
    let verbAt = -1;
    let auditAt = -1;
    let stageKeyAt = -1;
    let head = false;
    let rrtAt = -1;
    let rrts = 0;
    let objAt = -1;
    let objs = 0;
    let nodeHits = 0;
    let nodeAt = -1;
    const gen = ++this.stampGen;
    let rules = NO_RULES;
    const bs = this.bs;
    let nbs = 0;
    const kinds = this.kinds;
    const shift = s - rel;
    for (; h < hits.length; h++) {
      const v = hits[h]!;
      const pos = (v >>> 6) + hb;
      if (pos >= relEnd) break;
      const lit = v & 63;
      const k = kinds[lit]!;
      if (k & K_KEY && !keyAt(buf, pos + shift, e)) continue;
      flags |= k;
      if (k === K_BS) {
        if (nbs < MAX_ESCAPES) bs[nbs] = pos + shift;
        nbs++;
        continue;
      }
      if (k & K_RULE) {
        const rs = this.rulesOf[lit]!;
        for (let i = 0; i < rs.length; i++) {
          const r = rs[i]!;
          if (this.stamp[r] !== gen) {
            this.stamp[r] = gen;
            if (rules === NO_RULES) rules = [];
            rules.push(r);
          }
        }
      }
      if (k & K_AUDITID) {
        ids++;
        auditAt = pos + shift;
      }
      if (k & K_STAGE) {
        stages++;
        stageKeyAt = pos + shift;
      }
      if (k & K_HEAD && pos + shift === s) head = true;
      if (k & K_VERB) {
        verbs++;
        verbAt = pos + shift;
      }
      if (k & K_RRT) {
        rrts++;
        rrtAt = pos + shift;
      }
      if (k & K_NODE) {
        nodeHits++;
        nodeAt = pos + shift;
      }
      if (k & K_OBJREF && objs++ === 0) objAt = pos + shift;
    }
    this.hit = h;
    this.rules = rules;
    // a line that does not end its object (cut by a crash or rotation) is parsed, and so rejected with its place
    if (flags & K_BLOCK || ids !== 1 || stages !== 1 || verbs !== 1 || !head || buf[e - 1] !== 0x7d) return PARSE_ALL;
    nbs = 0;
    if (this.findBs && this.search) {
      // the backslashes of the line, from the stretch's list
      const list = this.bsList;
      let b = this.bsAt;
      while (b < list.length && list[b]! + hb < rel) b++;
      for (; b < list.length; b++) {
        const pos = list[b]! + hb;
        if (pos >= relEnd) break;
        if (nbs < MAX_ESCAPES) bs[nbs] = pos + shift;
        nbs++;
      }
      this.bsAt = b;
    } else {
      let p = this.nextBackslash(buf, s);
      while (p < e) {
        if (nbs < MAX_ESCAPES) bs[nbs] = p;
        nbs++;
        p = this.nextBackslash(buf, p + 1);
      }
    }
    this.nbs = nbs;
    if (nbs > MAX_ESCAPES) return PARSE_ALL;
    // the verb: a non-empty string (else the event is rejected)
    if (buf[verbAt + 6] !== 0x3a || buf[verbAt + 7] !== Q || buf[verbAt + 8] === Q) return PARSE_ALL;
    if (!this.plainPrefix(buf, s, e, auditAt, stageKeyAt)) return PARSE_ALL;
    if (nbs > 0 && !this.escapesHarmless(buf, e)) return PARSE_ALL;
    // where the head is, should the line be parsed (parsedHead)
    this.hVerbAt = verbAt;
    this.hObjAt = objAt;
    this.hTimeAt = rrts === 1 && objs <= 1 ? rrtAt + 26 : -1;
    this.hD = this.headBase - shift;
    if (rules.length > 1) rules.sort((a, b) => a - b);
    this.redact = (flags & K_REDACT) !== 0;
    if (this.redact && this.plan.redactSensitive) {
      // redaction may write a rule literal: every rule may match
      rules = [];
      for (let r = 0; r < this.plan.ruleCount; r++) rules.push(r);
      this.rules = rules;
      this.detOnly = false;
      this.detBody = true;
      return PARSE_PLAIN;
    }
    this.detOnly = rules.length === 0;
    this.detBody = (flags & K_DETBODY) !== 0;
    if (rules.length > 0) return PARSE_PLAIN;
    // a line the detectors need is parsed, unless it is a preliminary stage that may be held unread
    // (redaction, counted when an event is decoded, must happen as before: such lines are parsed)
    const det = this.plan.detectors && (flags & K_DET) !== 0;
    let kind = SKIP;
    if (det) {
      if (!this.lazyOn || this.redact) return PARSE_PLAIN;
      if (!isFinalStage(this.stage)) kind = LAZY;
      // a final stage: parsed, unless it is a node's request only the cluster model reads
      else if ((flags & K_DETX) === 0 && nodeHits === 1 && this.nodeFacts(buf, e, verbAt, nodeAt)) kind = NODE;
      else if ((flags & K_DETBODY) === 0 && this.plainFacts(buf, s, e, verbAt, this.headBase - shift)) kind = FACT;
      else return PARSE_PLAIN;
    }
    // what is not read now must read cleanly: else parse (plainly when the detectors need it)
    const unclear = det ? PARSE_PLAIN : PARSE_ALL;
    // redaction would change something: parse, so that it is done and counted as before
    if (this.redact) return PARSE_PLAIN;
    // the request's key: its auditID (plainPrefix) and its requestReceivedTimestamp in the API server's form, or none
    // (another form is parsed: the judge reads it from the event)
    if (rrts > 1) return unclear;
    let rq = 0;
    if (rrts === 1) {
      const p = rrtAt + 28;
      rq = p + TIME_FORM_LENGTH;
      if (buf[p - 2] !== 0x3a || buf[p - 1] !== Q || rq >= e || buf[rq] !== Q) return unclear;
      // its separators, then its digits as the key's numbers, in straight-line code: (x | (9 - x)) is negative
      // exactly when x is no digit's value, so one test covers all twenty
      if (buf[p + 4] !== 0x2d || buf[p + 7] !== 0x2d || buf[p + 10] !== 0x54 || buf[p + 13] !== 0x3a || buf[p + 16] !== 0x3a || buf[p + 19] !== 0x2e || buf[p + 26] !== 0x5a) return unclear;
      const y0 = buf[p]! - 0x30, y1 = buf[p + 1]! - 0x30, y2 = buf[p + 2]! - 0x30, y3 = buf[p + 3]! - 0x30;
      const m0 = buf[p + 5]! - 0x30, m1 = buf[p + 6]! - 0x30, d0 = buf[p + 8]! - 0x30, d1 = buf[p + 9]! - 0x30;
      const h0 = buf[p + 11]! - 0x30, h1 = buf[p + 12]! - 0x30, i0 = buf[p + 14]! - 0x30, i1 = buf[p + 15]! - 0x30;
      const s0 = buf[p + 17]! - 0x30, s1 = buf[p + 18]! - 0x30;
      const f0 = buf[p + 20]! - 0x30, f1 = buf[p + 21]! - 0x30, f2 = buf[p + 22]! - 0x30, f3 = buf[p + 23]! - 0x30, f4 = buf[p + 24]! - 0x30, f5 = buf[p + 25]! - 0x30;
      const bad = (y0 | (9 - y0) | y1 | (9 - y1) | y2 | (9 - y2) | y3 | (9 - y3) | m0 | (9 - m0) | m1 | (9 - m1) | d0 | (9 - d0) | d1 | (9 - d1)) | (h0 | (9 - h0) | h1 | (9 - h1) | i0 | (9 - i0) | i1 | (9 - i1) | s0 | (9 - s0) | s1 | (9 - s1)) | (f0 | (9 - f0) | f1 | (9 - f1) | f2 | (9 - f2) | f3 | (9 - f3) | f4 | (9 - f4) | f5 | (9 - f5));
      if (bad < 0) return unclear;
      const d = ((((((y0 * 10 + y1) * 10 + y2) * 10 + y3) * 10 + m0) * 10 + m1) * 10 + d0) * 10 + d1;
      const t = ((((h0 * 10 + h1) * 10 + i0) * 10 + i1) * 10 + s0) * 10 + s1;
      const f = ((((f0 * 10 + f1) * 10 + f2) * 10 + f3) * 10 + f4) * 10 + f5;
      this.partStart = p;
      this.partEnd = rq;
      this.keyKind = PART_TIME;
      this.keyD = d;
      this.keyT = t;
      this.keyF = f;
      this.idHash = mixTime(this.idHash, d, t, f);
    } else {
      // no requestReceivedTimestamp (the API server writes one at every stage): the detectors and the report would
      // take the event's time from its stageTimestamp, which the search does not look for, so it is parsed
      if (this.plan.detectors || this.plan.coverage) return unclear;
      this.partStart = s;
      this.partEnd = s;
      this.keyKind = PART_NONE;
    }
    if (this.plan.detectors) {
      // its event time (eventTime: requestReceivedTimestamp, else stageTimestamp): a form that is no date is parsed
      this.t = this.times.eventTimeBytes(buf, rrtAt + 28, rq, -1, 0);
      if (Number.isNaN(this.t)) return unclear;
    }
    if (this.plan.coverage) {
      if (objs > 1) return unclear;
      // the event second, from the key's numbers: one the report has recorded lets the head reader count the line
      const m = this.marked;
      const slot = 3 * ((this.keyT + this.keyD) & (MARKED_SLOTS - 1));
      const recorded = m[slot + 1] === this.keyT && m[slot] === this.keyD;
      if (recorded) this.sec = m[slot + 2]!;
      // with the detectors the event time is read already (and is a date); else the second is read from the bytes as
      // for a parsed line's head, and no date (the judge's numbers are only digits) is parsed: the report then takes
      // stageTimestamp, as eventTime does
      else if (this.plan.detectors) this.sec = Math.floor(this.t / 1000);
      else if (!this.second(buf, e, rrtAt + 28)) return unclear;
      // anything the head reader does not understand is parsed instead: the report then sees the event itself
      if (!this.head(buf, e, verbAt, objAt, this.headBase - shift, this.headTarget !== null && recorded ? 1 : 0)) return unclear;
      if (!recorded && this.headTarget !== null) {
        // the engine hands the line to the report (it is not counted), which records its second
        m[slot] = this.keyD;
        m[slot + 1] = this.keyT;
        m[slot + 2] = this.sec;
      }
    }
    return kind;
  }

  /**
   * A node's request as the cluster model reads it: its verb, user.username
   * (where the one `"system:node:` hit is, and the API server writes user's
   * username first, right after the verb), user.groups (does it hold
   * `system:nodes`), and the last sourceIPs entry (sourceIPs follows user).
   * False, and the line is parsed, for anything else: an escape in what is
   * read, a shape of user the reader does not expect, an impersonated user.
   */
  private nodeFacts(buf: Buffer, e: number, verbAt: number, nodeAt: number): boolean {
    const vs = verbAt + 8;
    const ve = shortString(buf, vs, e, 64);
    if (ve < 0 || !startsAt(buf, ve, e, P_USER) || nodeAt !== ve + P_USER.length - 1) return false;
    const ue = shortString(buf, nodeAt + 1, e, 512);
    if (ue < 0 || (this.nbs > 0 && this.hasBackslash(vs, ue))) return false;
    let p = ue + 1;
    let groups = -1;
    if (startsAt(buf, p, e, P_UID)) {
      const q = shortString(buf, p + P_UID.length, e, 256);
      if (q < 0 || (this.nbs > 0 && this.hasBackslash(p, q))) return false;
      p = q + 1;
    }
    if (startsAt(buf, p, e, P_GROUPS)) {
      p = this.strings(buf, e, p + P_GROUPS.length, SYSTEM_NODES);
      if (p < 0) return false;
      groups = this.listHas ? 1 : 0;
    }
    // extras (a kubelet's certificate id): strings the cluster model does not read, skipped
    if (startsAt(buf, p, e, P_EXTRA)) {
      p = this.stringLists(buf, e, p + P_EXTRA.length);
      if (p < 0) return false;
    }
    // the user ends here, and sourceIPs follows it (no impersonated user)
    if (buf[p] !== 0x7d || !startsAt(buf, p + 1, e, P_IPS)) return false;
    p = this.strings(buf, e, p + 1 + P_IPS.length, null);
    if (p < 0) return false;
    const ip = this.listLast >= 0 ? buf.toString('utf8', this.listLast, this.listLastEnd) : undefined;
    this.nodeVerb = known(buf, vs, ve, VERBS, VERB_BYTES, this.names);
    this.nodeUser = buf.toString('utf8', nodeAt + 1, ue);
    this.nodeGroups = groups;
    this.nodeIp = ip;
    return true;
  }

  /** A plain request's view, read from the line's JSON tokens (FactReader: in WebAssembly where the block is in the searcher's memory), and its verb (a plain string). */
  private plainFacts(buf: Buffer, s: number, e: number, verbAt: number, d: number): boolean {
    const vs = verbAt + 8;
    const ve = shortString(buf, vs, e, 64);
    if (ve < 0 || (this.nbs > 0 && this.hasBackslash(vs, ve))) return false;
    const tr = this.tapeReader;
    const ok = tr !== null ? this.facts.read(buf, s, tr.words(), tr.tape(s + d, e + d)) : this.facts.read(buf, s, this.jsWords, jsTape(buf, s, e, this.jsWords));
    if (!ok) return false;
    this.factVerb = known(buf, vs, ve, VERBS, VERB_BYTES, this.names);
    return true;
  }

  /**
   * The coverage report's view of a line about to be skipped: its level (from
   * the prefix), verb, objectRef's resource and subresource, and event second
   * (from its one requestReceivedTimestamp, whose `:` is at `timeAt`: the
   * event time the engine uses, eventTime). The API server writes objectRef after the
   * user, the source IPs and the user agent, none of which can hold an object
   * key named objectRef, and before responseStatus and the bodies; a request
   * without one is a non-resource request (/healthz), which has no body: so
   * the line's one `"objectRef":{` hit after the verb is the top-level one
   * (with two, the line is parsed). (Found by the block's literal search: a
   * native or string search per line costs more than the whole rest of the
   * line's handling.) Read by the head reader (WebAssembly) where there is
   * one, else, or when it declines, here. False when the line is not in the
   * expected form: it is then parsed. Strings are interned.
   */
  private head(buf: Buffer, e: number, verbAt: number, objAt: number, d: number, count: number): boolean {
    const hr = this.headReader;
    this.headSlot = -1;
    this.headSample = false;
    if (hr !== null) {
      const r = hr.head(this.levelStart + d, this.levelEnd + d, verbAt + 8 + d, e + d, objAt < 0 ? -1 : objAt + d, count);
      if (r >= 0) {
        if (r & COUNTED) {
          this.headCounted = true;
          this.wasmHeads++;
          return true;
        }
        if (this.wasmHead(buf, hr, r, d)) return true;
      }
    }
    return this.jsHead(buf, e, verbAt, objAt);
  }

  /**
   * The head reader's answer `r` for the line (buf position = memory address - d):
   * the class's strings, made when the reader met the class (MISS), and the
   * second, parsed when it changes. False: read the line in JavaScript (its
   * second's digits are no date).
   */
  private wasmHead(buf: Buffer, hr: HeadReader, r: number, d: number): boolean {
    const slot = r & 255;
    if (r & MISS) {
      // the slot's counts were the class it held: handed over before its names change
      if (this.headTarget !== null) this.foldSlot(hr.counts(), slot);
      // and its lines go to JavaScript until the collector says what it wants of the new class (setHeadSlot)
      hr.setSlot(slot, 1, false);
      const p = hr.positions();
      this.slotVerb[slot] = known(buf, p[0]! - d, p[1]! - d, VERBS, VERB_BYTES, this.names);
      this.slotResource[slot] = p[3]! > p[2]! ? this.recentResources.get(buf, p[2]! - d, p[3]! - d, this.names) : '';
      this.slotSubresource[slot] = p[5]! > p[4]! ? this.names.get(buf, p[4]! - d, p[5]! - d) : '';
    }
    this.level = LEVELS[(r >> 8) & 3]!;
    this.verb = this.slotVerb[slot]!;
    this.resource = this.slotResource[slot]!;
    this.subresource = this.slotSubresource[slot]!;
    this.headSlot = slot;
    this.headSample = (r & SAMPLE) !== 0;
    this.wasmHeads++;
    return true;
  }

  /**
   * Counts skipped lines' heads in the head reader from now on, for `target`
   * (null: stop): what was counted for the last target is handed to it first,
   * and the reader starts empty (the slots' sampling was that source's).
   */
  headCounting(target: HeadCounts | null): void {
    this.foldHeads();
    this.headTarget = target;
    const hr = this.lastReader;
    if (hr !== null && hr.owner === this) this.resetHeads(hr);
  }

  /** Hands the head reader's counts to the target (before the collector is read). */
  foldHeads(): void {
    const hr = this.lastReader;
    if (this.headTarget === null || hr === null || hr.owner !== this) return;
    const counts = hr.counts();
    for (let slot = 0; slot < HEAD_SLOTS; slot++) this.foldSlot(counts, slot);
  }

  private foldSlot(counts: Int32Array, slot: number): void {
    const n = counts[slot]!;
    if (n === 0) return;
    counts[slot] = 0;
    this.headTarget!(this.slotVerb[slot]!, this.slotResource[slot]!, this.slotSubresource[slot]!, n);
  }

  /**
   * What the collector wants of the last line's class from now on (its
   * answer for the line, observeSkipped): while `first` is above zero, and
   * for lines with a body when `special`, the reader hands the class's lines
   * to JavaScript, which decides whether to sample them.
   */
  setHeadSlot(first: number, special: boolean): void {
    if (this.headSlot >= 0 && this.headReader !== null) this.headReader.setSlot(this.headSlot, first, special);
  }

  private resetHeads(reader: HeadReader): void {
    reader.reset(this);
    this.slotVerb.fill('');
    this.slotResource.fill('');
    this.slotSubresource.fill('');
    this.marked.fill(-1);
  }

  /** Reads heads with `reader` (null: in JavaScript) from a block at memory address `base`; a new reader starts empty. */
  private useHeads(reader: HeadReader | null, base: number): void {
    if (reader !== null && (reader !== this.lastReader || reader.owner !== this)) {
      // counts are handed over before the slots they belong to are forgotten: ours, and another classifier's
      this.foldHeads();
      if (reader.owner instanceof LineClassifier && reader.owner !== this) reader.owner.foldHeads();
      this.resetHeads(reader);
    }
    if (reader !== null) this.lastReader = reader;
    this.headReader = reader;
    this.headBase = base;
  }

  /**
   * The head of the line just classified PARSE_PLAIN (buf[..e), as classified),
   * for the coverage report: false when it cannot be read (then the parsed
   * event is observed instead).
   */
  parsedHead(buf: Buffer, e: number): boolean {
    const at = this.hTimeAt;
    // its second, from the bytes (the classifier did not read its key): `:"` before the value
    if (at < 0 || buf[at] !== 0x3a || buf[at + 1] !== Q || !this.second(buf, e, at + 2)) return false;
    return this.head(buf, e, this.hVerbAt, this.hObjAt, this.hD, 0);
  }

  /** The head in JavaScript: the reference, and the reader of every line the head reader declines. */
  private jsHead(buf: Buffer, e: number, verbAt: number, objAt: number): boolean {
    this.level = levelAt(buf, this.levelStart, this.levelEnd);
    const vs = verbAt + 8;
    const ve = shortString(buf, vs, e, 64);
    if (ve < 0 || this.hasBackslash(vs, ve)) return false;
    this.verb = known(buf, vs, ve, VERBS, VERB_BYTES, this.names);
    this.resource = '';
    this.subresource = '';
    if (objAt < 0) return true;
    if (objAt < ve || buf[objAt - 1] !== 0x2c) return false;
    return this.objectRefFields(buf, e, objAt + 13);
  }

  /**
   * objectRef's resource and subresource, reading the object from `i`, just
   * inside its brace, to its end: string fields without escapes, `resource`
   * first (the Go struct's order), each key once. Anything else (an escaped
   * name, another order, a repeated key, a value that is no string) is
   * false, and the line is parsed: the parser would take the last of
   * repeated keys, and a field elsewhere is no business of a head reader.
   */
  private objectRefFields(buf: Buffer, e: number, i: number): boolean {
    if (!startsAt(buf, i, e, P_RESOURCE)) return buf[i] === 0x7d; // {} : no resource
    const v = i + P_RESOURCE.length;
    let q = plainEnd(buf, v, e);
    if (q < 0) return false;
    this.resource = this.recentResources.get(buf, v, q, this.names);
    i = q + 1;
    let sub = -1;
    let subEnd = -1;
    for (;;) {
      const c = buf[i];
      if (c === 0x7d) break;
      if (c !== 0x2c || buf[i + 1] !== Q) return false;
      const k = i + 2;
      const kq = plainEnd(buf, k, e);
      if (kq < 0 || buf[kq + 1] !== 0x3a || buf[kq + 2] !== Q) return false;
      q = plainEnd(buf, kq + 3, e);
      if (q < 0) return false;
      const n = kq - k;
      if (n === 8 && startsAt(buf, k - 1, e, P_RESOURCE)) return false;
      if (n === 11 && startsAt(buf, k - 1, e, P_SUBRESOURCE)) {
        if (sub >= 0) return false;
        sub = kq + 3;
        subEnd = q;
      }
      i = q + 1;
    }
    this.subresource = sub >= 0 ? this.names.get(buf, sub, subEnd) : '';
    return true;
  }

  /**
   * The event second of the timestamp whose text starts at `p`: the RFC 3339
   * UTC form the API server writes is read from its bytes, the second parsed
   * once (as the report's parser would: Date.parse of the same text). False
   * for anything else, and for a text that is no date: the line is parsed,
   * and the report takes the event's time as eventTime does (a
   * requestReceivedTimestamp that is no date gives way to stageTimestamp).
   */
  private second(buf: Buffer, e: number, p: number): boolean {
    this.sec = NaN;
    // the API server's form has six fraction digits: its closing quote is where it is expected
    const q = buf[p + 27] === Q && buf[p + 26] === 0x5a ? p + 27 : shortString(buf, p, e, 64);
    if (q < 0 || (this.nbs > 0 && this.hasBackslash(p, q))) return false;
    let plain = q - p >= 20 && buf[q - 1] === 0x5a && (buf[p + 19] === 0x5a || buf[p + 19] === 0x2e);
    if (plain && q - p > 20) {
      if (q - p === 21) plain = false;
      for (let i = p + 20; plain && i < q - 1; i++) if (buf[i]! < 0x30 || buf[i]! > 0x39) plain = false;
    }
    if (!plain) return false;
    const key = this.secKey;
    // from the seconds' digits back: they are what changes
    let same = true;
    for (let i = 18; i >= 0; i--) {
      if (key[i] !== buf[p + i]) {
        same = false;
        break;
      }
    }
    if (!same) {
      for (let i = 0; i < 19; i++) key[i] = buf[p + i]!;
      const ms = Date.parse(`${buf.toString('latin1', p, p + 19)}Z`);
      this.secValue = Number.isNaN(ms) ? NaN : Math.floor(ms / 1000);
      if (Number.isNaN(ms)) key.fill(0);
    }
    this.sec = this.secValue;
    return !Number.isNaN(this.secValue);
  }

  /**
   * Past a JSON list of strings without escapes whose `[` is at p - 1 (-1 when
   * it is not one), noting its last element (`listLast`..`listLastEnd`, -1:
   * empty) and whether one of them is `want`.
   */
  private strings(buf: Buffer, e: number, p: number, want: Buffer | null): number {
    this.listHas = false;
    this.listLast = -1;
    if (buf[p] === 0x5d) return p + 1;
    for (;;) {
      if (buf[p] !== Q) return -1;
      const q = shortString(buf, p + 1, e, 1024);
      if (q < 0 || (this.nbs > 0 && this.hasBackslash(p, q))) return -1;
      if (want !== null && q - p - 1 === want.length && startsAt(buf, p + 1, q, want)) this.listHas = true;
      this.listLast = p + 1;
      this.listLastEnd = q;
      p = q + 1;
      if (buf[p] === 0x2c) p++;
      else return buf[p] === 0x5d ? p + 1 : -1;
    }
  }

  /** Past a JSON object of string lists (`{"k":["v",…],…}`, user.extra) whose `{` is at p - 1, holding no escape; -1 when it is not one. */
  private stringLists(buf: Buffer, e: number, p: number): number {
    if (buf[p] === 0x7d) return p + 1;
    for (;;) {
      if (buf[p] !== Q) return -1;
      const k = shortString(buf, p + 1, e, 256);
      if (k < 0 || buf[k + 1] !== 0x3a || buf[k + 2] !== 0x5b || (this.nbs > 0 && this.hasBackslash(p, k))) return -1;
      p = this.strings(buf, e, k + 3, null);
      if (p < 0) return -1;
      if (buf[p] === 0x2c) p++;
      else return buf[p] === 0x7d ? p + 1 : -1;
    }
  }

  /** Is there a backslash in buf[a..b)? */
  private hasBackslash(a: number, b: number): boolean {
    const bs = this.bs;
    for (let i = 0; i < this.nbs; i++) {
      const p = bs[i]!;
      if (p >= a && p < b) return true;
    }
    return false;
  }

  /** Parses the fixed head of a plain raw event up to its stage, setting `id` and `stage`. */
  private plainPrefix(buf: Buffer, s: number, e: number, auditAt: number, stageKeyAt: number): boolean {
    // the head itself was found (and compared) by the search: a hit at the line's start
    let p = s + P_HEAD.length;
    let v = 0;
    while (v < P_TAILS.length && !startsAt(buf, p, e, P_TAILS[v]!)) v++;
    if (v === P_TAILS.length) return false;
    p += P_TAILS[v]!.length;
    // the level, up to `","auditID":"` (whose `"auditID"` the search found)
    if (auditAt < p + 2 || buf[auditAt - 2] !== Q || buf[auditAt - 1] !== 0x2c || buf[auditAt + 9] !== 0x3a || buf[auditAt + 10] !== Q) return false;
    for (let i = p; i < auditAt - 2; i++) {
      const c = buf[i]!;
      if (c === Q || c < 0x20) return false;
    }
    this.levelStart = p;
    this.levelEnd = auditAt - 2;
    // the auditID, up to `","stage":"`
    const idStart = auditAt + 11;
    const idEnd = stageKeyAt - 2;
    if (idEnd < idStart || buf[idEnd] !== Q || buf[stageKeyAt - 1] !== 0x2c || buf[stageKeyAt + 7] !== 0x3a || buf[stageKeyAt + 8] !== Q) return false;
    let ascii = true;
    let h = 0x811c9dc5;
    for (let i = idStart; i < idEnd; i++) {
      const c = buf[i]!;
      if (c === Q || c < 0x20) return false;
      if (c > 0x7e) ascii = false;
      h = Math.imul(h ^ c, 0x01000193);
    }
    p = stageKeyAt + 9;
    const q = shortString(buf, p, e, 64);
    if (q < 0) return false;
    if (this.nbs > 0 && this.hasBackslash(s, q)) return false;
    this.idBuf = buf;
    this.idStart = idStart;
    this.idEnd = idEnd;
    this.idAscii = ascii;
    this.idHash = h | 0;
    this.stage = stageAt(buf, p, q);
    return true;
  }

  /** Do the line's escapes decode to characters no literal holds? (false for an invalid escape: the parser will say.) */
  private escapesHarmless(buf: Buffer, e: number): boolean {
    const sens = this.sensitive;
    const bs = this.bs;
    let next = -1; // an escaped backslash is itself a hit: skip it
    for (let i = 0; i < this.nbs; i++) {
      const p = bs[i]!;
      if (p < next) continue;
      const c = buf[p + 1];
      let d: number;
      next = p + 2;
      switch (c) {
        case 0x22: d = 0x22; break; // \"
        case 0x5c: d = 0x5c; break; // \\
        case 0x2f: d = 0x2f; break; // \/
        case 0x62: case 0x66: case 0x6e: case 0x72: case 0x74: d = 0; break; // control characters
        case 0x75: {
          if (p + 6 > e) return false;
          d = 0;
          for (let k = 2; k < 6; k++) {
            const x = buf[p + k]!;
            const v = x >= 0x30 && x <= 0x39 ? x - 0x30 : x >= 0x61 && x <= 0x66 ? x - 0x57 : x >= 0x41 && x <= 0x46 ? x - 0x37 : -1;
            if (v < 0) return false;
            d = d * 16 + v;
          }
          next = p + 6;
          break;
        }
        default:
          return false;
      }
      if (d < 128 && sens[d]) return false;
    }
    return true;
  }
}
