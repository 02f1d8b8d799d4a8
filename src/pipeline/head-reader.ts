/**
 * The coverage report's head of a skipped line (level, verb, objectRef's
 * resource and subresource), read in WebAssembly from the searcher's memory,
 * where the block already is. (Its event second the classifier has read
 * already, as part of the request's key.)
 *
 * Read in JavaScript (LineClassifier.head) the same bytes cost about 0.4 µs
 * a line here, most of a skipped line's share of the report: a JavaScript
 * byte loop costs several nanoseconds per byte. This kernel reads only the
 * API server's common form and answers -1 for anything else, which the
 * classifier then reads in JavaScript as before: so wherever it answers,
 * it must give exactly what the JavaScript reader gives (a test compares
 * them on generated and mutated lines).
 *
 * It also keeps, in its memory, a small direct-mapped table of request
 * classes (verb, resource, subresource as eight-byte words, hashed and
 * compared a word at a time): a line of a known
 * class costs no string at all, and the caller maps the slot to the strings
 * it made when the class was new (MISS). Names longer than their words
 * (verb 16 bytes, resource 32, subresource 24) are read in JavaScript.
 *
 * With `count` set (a skipped line, not one the scan parses), it also counts
 * the line in its slot when nothing about it needs JavaScript: not a MISS,
 * not one the report may sample (the class's first events,
 * a credential-bearing class's lines with a body: the caller decides, as
 * CoverageCollector.observeSkipped does), and not the one in SKIPPED_EVERY
 * drawn at random (SAMPLE: the caller samples it). A skipped line then costs
 * no JavaScript beyond the call; the caller hands the slots' counts to the
 * collector (LineClassifier.foldHeads) before anything reads it.
 *
 * head(levelStart, levelEnd, verbStart, lineEnd, objectRefAt, count) → i32
 *   (memory addresses; objectRefAt is the search's hit, -1 when none; count is zero when the caller must see the
 *   line anyway: a new event second, which the report must record)
 *   -1: not the common form (read it in JavaScript)
 *   else: slot | level << 8 | MISS | COUNTED | SAMPLE; on MISS the
 *   class's byte ranges are at POSITIONS (six i32: verb, resource, subresource
 *   starts and ends).
 */
import {
  moduleAt, oneFunctionModule, BLOCK, BR, BR_IF, Code, END, I32_ADD, I32_AND, I32_EQ, I32_EQZ, I32_GE_S, I32_GE_U, I32_GT_S, I32_GT_U, I32_LOAD, I32_LOAD8_U, I32_LT_U, I32_MUL, I32_NE, I32_OR, I32_SHL, I32_SHR_U, I32_STORE, I32_SUB, I64_AND, I64_EQZ, I64_EQ, I64_EXTEND_I32_U, I64_LOAD, I64_MUL, I64_OR, I64_SHR_U, I64_STORE, I64_XOR, I32_WRAP_I64, IF, I32_CTZ, LOOP, RETURN, SELECT, VOID, WA, word, word64, type WasmMemory, type WasmModule,
} from './wasm-asm.js';
import { SAMPLE_SEED, SKIPPED_SHIFT } from '../coverage/collector.js';

/** Class slots (a power of two, at most 256: the slot is the result's low byte). */
export const HEAD_SLOTS = 256;
/** A class's names as eight-byte words: a longer name is read in JavaScript ("deletecollection" is 16 bytes, "mutatingwebhookconfigurations" 29, "ephemeralcontainers" 19). */
const VERB_WORDS = 2, RESOURCE_WORDS = 4, SUBRESOURCE_WORDS = 3;
const WORDS = VERB_WORDS + RESOURCE_WORDS + SUBRESOURCE_WORDS;
/** a slot's entry: the lengths word, then the words */
const ENTRY = 8 + 8 * WORDS;
export const MISS = 1 << 10;
/** (count) the line is counted in its slot: nothing more to do for the report */
export const COUNTED = 1 << 12;
/** (count) the line is drawn for the report's sample: the caller counts it and decodes it */
export const SAMPLE = 1 << 13;
const POSITIONS = 32; // 6 × i32 (bytes 0 to 31 are free)
const RNG = 56; // the sampling generator's state (i32)
const TABLE = 64;
const COUNTS = TABLE + HEAD_SLOTS * ENTRY; // per slot, lines counted (i32)
const FIRST = COUNTS + 4 * HEAD_SLOTS; // per slot, above zero: the class's first events, for the caller (i32)
const SPECIAL = FIRST + 4 * HEAD_SLOTS; // per slot, 1: a class that may hold credentials (its lines with a body are the caller's)
/** Bytes of memory the reader keeps at its base address. */
export const HEAD_BYTES = SPECIAL + HEAD_SLOTS;

const Q = 0x22, BS = 0x5c;

/** objectRef's keys after resource, as the API server writes them (Go's field order), and whether it is subresource. */
const KNOWN_KEYS: [string, boolean][] = [
  [',"namespace":"', false],
  [',"name":"', false],
  [',"apiVersion":"', false],
  [',"apiGroup":"', false],
  [',"uid":"', false],
  [',"resourceVersion":"', false],
  [',"subresource":"', true],
];

function buildHeadModule(base: number): Uint8Array {
  // params: memory addresses, and whether to count
  const LVS = 0, LVE = 1, VS = 2, E = 3, OBJ = 4, CNT = 5;
  // locals (zero at each call)
  const I = 6, C = 7, VE = 8, RS = 9, RE = 10, SS = 11, SE = 12, H = 13, LVL = 14, P = 15, KQ = 16, VQ = 17, ENT = 18, K = 19, LEN = 20;
  const LOCALS = 15;
  // v128 locals: the input, and the bytes that end a plain string's scan
  const V = 21, VQUOTE = 22, VBS = 23, VSPACE = 24;
  // i64 locals: the names' words, and their hash
  const W = 25, HA = W + WORDS;
  const c = new Code();
  /** pushes (byte at local + off) != v */
  const byteNe = (local: number, off: number, v: number) => c.load8(local, off).i32(v).op(I32_NE);
  /** pushes (word at local + off) == w */
  const wordEq = (local: number, off: number, w: string) => c.get(local).mem(I32_LOAD, 0, off).i32(word(w)).op(I32_EQ);
  /** the byte before `local` != v (memory offsets cannot be negative) */
  const byteBeforeNe = (local: number, v: number) => c.get(local).i32(1).op(I32_SUB).mem(I32_LOAD8_U, 0, 0).i32(v).op(I32_NE);
  /**
   * `to` = the closing quote of the string starting at `from`; a backslash, a
   * control character or the line's end first: fail. Sixteen bytes at a time:
   * the first of them that is a quote, a backslash or below 0x20 must be the
   * closing quote, before the line's end (the bytes after it, the next line's
   * newline or the input's zeroed slack, are all below 0x20).
   */
  const stringTo = (from: number, to: number) => {
    c.get(from).set(to);
    c.op(BLOCK, VOID).op(LOOP, VOID);
    c.stops(to, V, VQUOTE, VBS, VSPACE).tee(C);
    c.op(I32_EQZ).op(IF, VOID);
    c.get(to).i32(16).op(I32_ADD).set(to).op(BR, 1);
    c.op(END);
    c.get(to).get(C).op(I32_CTZ).op(I32_ADD).tee(to).get(E).op(I32_GE_U);
    c.load8(to).i32(Q).op(I32_NE).op(I32_OR);
    c.failIf();
    c.op(BR, 1);
    c.op(END).op(END);
  };

  /**
   * A key's value read (P to its closing quote VQ), the i32 on the stack true when the key is subresource:
   * kept as the subresource once (a second: fail); then on to the next key (`br` to the keys' loop).
   */
  const valueRead = (br: number) => {
    c.op(IF, VOID);
    c.get(SE);
    c.failIf();
    c.get(P).set(SS);
    c.get(VQ).set(SE);
    c.op(END);
    c.get(VQ).i32(1).op(I32_ADD).set(I).op(BR, br);
  };

  c.stopBytes(VQUOTE, VBS, VSPACE);

  // ---- the level: one of the four the API server writes
  c.get(LVE).get(LVS).op(I32_SUB).set(K);
  c.op(BLOCK, VOID);
  {
    const level = (len: number, words: [number, string][], code: number) => {
      c.get(K).i32(len).op(I32_EQ);
      for (const [off, w] of words) wordEq(LVS, off, w).op(I32_AND);
      c.op(IF, VOID).i32(code).set(LVL).op(BR, 1).op(END);
    };
    level(8, [[0, 'Meta'], [4, 'data']], 0);
    level(7, [[0, 'Requ'], [3, 'uest']], 1);
    level(15, [[0, 'Requ'], [4, 'estR'], [8, 'espo'], [11, 'onse']], 2);
    level(4, [[0, 'None']], 3);
    c.fail();
  }
  c.op(END);

  // ---- the verb: a string without escapes or control characters
  stringTo(VS, VE);

  // ---- objectRef, as LineClassifier.objectRefFields: string fields without escapes, resource first, each key once
  c.get(OBJ).i32(0).op(I32_GE_S).op(IF, VOID);
  {
    // after the verb, a field of the event (a comma before it)
    c.get(OBJ).get(VE).op(I32_LT_U);
    byteBeforeNe(OBJ, 0x2c).op(I32_OR);
    c.failIf();
    c.get(OBJ).i32(13).op(I32_ADD).set(I);
    c.op(BLOCK, VOID); // $fields
    {
      // `{}`: no resource
      c.load8(I).i32(0x7d).op(I32_EQ).op(BR_IF, 0);
      c.get(I).i32(12).op(I32_ADD).get(E).op(I32_LT_U);
      wordEq(I, 0, '"res').op(I32_AND);
      wordEq(I, 4, 'ourc').op(I32_AND);
      wordEq(I, 8, 'e":"').op(I32_AND);
      c.op(I32_EQZ);
      c.failIf();
      c.get(I).i32(12).op(I32_ADD).set(RS);
      stringTo(RS, RE);
      c.get(RE).i32(1).op(I32_ADD).set(I);
      c.op(LOOP, VOID);
      {
        // `}` ends it; else `,"key":"value"`
        c.load8(I).i32(0x7d).op(I32_EQ).op(BR_IF, 1);
        // The API server's keys are compared whole, eight bytes at a time (a key's own scan and checks cost about
        // twice as much): a match cannot run past the line, whose end byte no key holds. Others: below.
        c.op(BLOCK, VOID); // $generic
        {
          c.op(BLOCK, VOID); // $known: the value starts at P; K = 1 for subresource
          {
            for (const [key, sub] of KNOWN_KEYS) {
              const n = key.length;
              c.get(I).mem(I64_LOAD, 0, 0).i64(word64(key.slice(0, 8))).op(I64_EQ);
              if (n > 8) c.get(I).mem(I64_LOAD, 0, n - 8).i64(word64(key.slice(n - 8))).op(I64_EQ).op(I32_AND);
              c.op(IF, VOID);
              c.get(I).i32(n).op(I32_ADD).set(P);
              c.i32(sub ? 1 : 0).set(K);
              c.op(BR, 1);
              c.op(END);
            }
            c.op(BR, 1);
          }
          c.op(END);
          stringTo(P, VQ);
          c.get(K);
          valueRead(1);
        }
        c.op(END);
        byteNe(I, 0, 0x2c);
        byteNe(I, 1, Q).op(I32_OR);
        c.failIf();
        c.get(I).i32(2).op(I32_ADD).set(K);
        stringTo(K, KQ);
        byteNe(KQ, 1, 0x3a);
        byteNe(KQ, 2, Q).op(I32_OR);
        c.failIf();
        c.get(KQ).i32(3).op(I32_ADD).set(P);
        stringTo(P, VQ);
        // a second resource: fail
        c.get(KQ).get(K).op(I32_SUB).i32(8).op(I32_EQ);
        wordEq(K, 0, 'reso').op(I32_AND);
        wordEq(K, 4, 'urce').op(I32_AND);
        c.failIf();
        c.get(KQ).get(K).op(I32_SUB).i32(11).op(I32_EQ);
        wordEq(K, 0, 'subr').op(I32_AND);
        wordEq(K, 4, 'esou').op(I32_AND);
        wordEq(K, 7, 'urce').op(I32_AND);
        valueRead(0);
      }
      c.op(END);
    }
    c.op(END);
  }
  c.op(END);

  // ---- the class: its names as words, in the table's slot for their hash
  c.get(VE).get(VS).op(I32_SUB).i32(8 * VERB_WORDS).op(I32_GT_U);
  c.get(RE).get(RS).op(I32_SUB).i32(8 * RESOURCE_WORDS).op(I32_GT_U).op(I32_OR);
  c.get(SE).get(SS).op(I32_SUB).i32(8 * SUBRESOURCE_WORDS).op(I32_GT_U).op(I32_OR);
  c.failIf();
  // Each name is read eight bytes at a time, little-endian, the bytes past its end masked to zero: names hold no
  // zero byte (no control characters), so equal words and lengths are equal names. A byte-at-a-time hash and
  // compare cost about 900 instructions a line, mostly the loops' own overhead (four bytes at a time saved 7 %).
  const names: [number, number, number, number][] = [[VS, VE, W, VERB_WORDS], [RS, RE, W + VERB_WORDS, RESOURCE_WORDS], [SS, SE, W + VERB_WORDS + RESOURCE_WORDS, SUBRESOURCE_WORDS]];
  for (const [from, to, first, n] of names) {
    c.get(to).get(from).op(I32_SUB).set(K);
    for (let k = 0; k < n; k++) {
      // (nested: a word is read only where the name reaches it; its last bytes past the name are the line's, or the
      // slack the string scan reads too)
      c.get(K).i32(8 * k).op(I32_GT_U).op(IF, VOID);
      c.get(from).mem(I64_LOAD, 0, 8 * k).i64(-1n);
      c.i32(8 * k + 8).get(K).op(I32_SUB).i32(3).op(I32_SHL).i32(0).get(K).i32(8 * k + 8).op(I32_LT_U).op(SELECT);
      c.op(I64_EXTEND_I32_U).op(I64_SHR_U).op(I64_AND).set(first + k);
    }
    for (let k = 0; k < n; k++) c.op(END);
  }
  // the lengths, and a mark that the entry is taken (a zeroed entry is no class, not even the empty one)
  c.get(VE).get(VS).op(I32_SUB);
  c.get(RE).get(RS).op(I32_SUB).i32(8).op(I32_SHL).op(I32_OR);
  c.get(SE).get(SS).op(I32_SUB).i32(16).op(I32_SHL).op(I32_OR);
  c.i32(1 << 24).op(I32_OR).set(LEN);
  for (let j = 0; j < WORDS; j++) c.get(HA).get(W + j).op(I64_XOR).i64(0x9e3779b97f4a7c15n).op(I64_MUL).set(HA);
  c.get(HA).i64(BigInt(64 - Math.log2(HEAD_SLOTS))).op(I64_SHR_U).op(I32_WRAP_I64).set(K);
  c.get(K).i32(ENTRY).op(I32_MUL).i32(base + TABLE).op(I32_ADD).set(ENT);
  // an entry: the lengths word, then the names' words
  c.op(BLOCK, VOID); // $miss
  {
    c.get(ENT).mem(I32_LOAD, 2, 0).get(LEN).op(I32_NE).op(BR_IF, 0);
    for (let j = 0; j < WORDS; j++) {
      c.get(ENT).mem(I64_LOAD, 3, 8 + 8 * j).get(W + j).op(I64_XOR);
      if (j > 0) c.op(I64_OR);
    }
    c.op(I64_EQZ).op(I32_EQZ).op(BR_IF, 0);
    // a known class: the answer R in H (the hash is spent)
    c.get(K).get(LVL).i32(8).op(I32_SHL).op(I32_OR).set(H);
    c.get(CNT).op(IF, VOID);
    {
      // the caller decides (it may sample the line): the class's first events, while FIRST is above zero as the
      // caller sets it, and a credential-bearing class's lines with a body (Request or RequestResponse)
      c.get(K).i32(2).op(I32_SHL).mem(I32_LOAD, 2, base + FIRST).i32(0).op(I32_GT_S);
      c.get(K).mem(I32_LOAD8_U, 0, base + SPECIAL).get(LVL).i32(1).op(I32_EQ).get(LVL).i32(2).op(I32_EQ).op(I32_OR).op(I32_AND);
      c.op(I32_OR).op(IF, VOID);
      c.get(H).op(RETURN);
      c.op(END);
      // one in SKIPPED_EVERY at random (the collector's generator, in this memory): sampled
      c.i32(0).i32(0).mem(I32_LOAD, 2, base + RNG).i32(1664525).op(I32_MUL).i32(1013904223).op(I32_ADD).tee(P).mem(I32_STORE, 2, base + RNG);
      c.get(P).i32(SKIPPED_SHIFT).op(I32_SHR_U).op(I32_EQZ).op(IF, VOID);
      c.get(H).i32(SAMPLE).op(I32_OR).op(RETURN);
      c.op(END);
      c.get(K).i32(2).op(I32_SHL).tee(P).get(P).mem(I32_LOAD, 2, base + COUNTS).i32(1).op(I32_ADD).mem(I32_STORE, 2, base + COUNTS);
      c.get(H).i32(COUNTED).op(I32_OR).op(RETURN);
    }
    c.op(END);
    c.get(H).op(RETURN);
  }
  c.op(END);
  // a new class here: the entry, and where its names are for the caller
  c.get(ENT).get(LEN).mem(I32_STORE, 2, 0);
  for (let j = 0; j < WORDS; j++) c.get(ENT).get(W + j).mem(I64_STORE, 3, 8 + 8 * j);
  [VS, VE, RS, RE, SS, SE].forEach((l, k) => c.i32(0).get(l).mem(I32_STORE, 2, base + POSITIONS + 4 * k));
  c.get(K).get(LVL).i32(8).op(I32_SHL).op(I32_OR).i32(MISS).op(I32_OR);
  c.op(END);

  return oneFunctionModule('head', 6, LOCALS, 4, c.b, WORDS + 1);
}

/** A head reader over a searcher's memory, its state at `base` (HEAD_BYTES). */
export class HeadReader {
  readonly head: (lvS: number, lvE: number, vs: number, e: number, obj: number, count: number) => number;
  /** who reads with it: the class slots mean what that reader was told at each MISS */
  owner: object | null = null;

  private constructor(
    private readonly memory: WasmMemory,
    private readonly base: number,
    mod: WasmModule,
  ) {
    const inst = new WA!.Instance(mod, { env: { mem: memory } });
    this.head = inst.exports.head as HeadReader['head'];
  }

  static create(memory: WasmMemory, base: number): HeadReader | null {
    // called once per line, short: optimised from the first call
    const m = moduleAt(buildHeadModule, base);
    return m ? new HeadReader(memory, base, m) : null;
  }

  /** The class's byte ranges of the last MISS: verb, resource, subresource starts and ends (memory addresses). */
  positions(): Int32Array {
    return new Int32Array(this.memory.buffer, this.base + POSITIONS, 6);
  }

  /** Per slot, the lines counted (a view of the reader's memory; the caller zeroes what it takes). */
  counts(): Int32Array {
    this.views();
    return this.countView;
  }

  /** What the report wants of a slot's next lines: while `first` is above zero, and for lines with a body when `special`, the caller decides. */
  setSlot(slot: number, first: number, special: boolean): void {
    this.views();
    this.firstView[slot] = first > 0 ? first : 0;
    this.specialView[slot] = special ? 1 : 0;
  }

  private countView = new Int32Array(0);
  private firstView = new Int32Array(0);
  private specialView = new Uint8Array(0);

  /** The views of the per-slot arrays, made again when the memory grew (its buffer is then new). */
  private views(): void {
    const b = this.memory.buffer;
    if (this.countView.buffer === b) return;
    this.countView = new Int32Array(b, this.base + COUNTS, HEAD_SLOTS);
    this.firstView = new Int32Array(b, this.base + FIRST, HEAD_SLOTS);
    this.specialView = new Uint8Array(b, this.base + SPECIAL, HEAD_SLOTS);
  }

  /** Forgets everything: a new owner's slots start empty. */
  reset(owner: object): void {
    new Uint8Array(this.memory.buffer, this.base, HEAD_BYTES).fill(0);
    new Int32Array(this.memory.buffer, this.base + RNG, 1)[0] = SAMPLE_SEED;
    this.owner = owner;
  }
}
