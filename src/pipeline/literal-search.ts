/**
 * Finds every occurrence of a set of short ASCII literals in a block of bytes,
 * each literal case-sensitive or ASCII-case-insensitive, in one pass.
 *
 * The kernel is the "Teddy" algorithm of Hyperscan (also in Rust's
 * aho-corasick crate), written here directly as WebAssembly SIMD: each
 * literal has a three-byte fingerprint and one of 8 buckets; for every 16
 * input positions two `i8x16.swizzle` table look-ups per fingerprint byte
 * (low and high nibble) give, per position, the buckets whose fingerprint
 * may start there. A candidate checks only the literals of its buckets whose
 * fingerprint hashes like its three bytes (letters folded), most often none
 * or the one that is there: with every literal of the buckets checked, the
 * checks were most of the search's time. Checks compare the bytes, so the answer
 * is exact whatever the fingerprints: a poor choice only costs time. ASCII
 * case folding maps `A`-`Z` to `a`-`z` and nothing else, as the Sigma
 * matcher does for ASCII literals.
 *
 * The look-ups use relaxed SIMD's swizzle where V8 has it: with indexes
 * that are nibbles it gives the same bytes as the strict one, as one x86
 * shuffle instead of three instructions (about 10 % faster on this machine).
 *
 * Node has no SIMD of its own; the module is a few hundred bytes assembled
 * below (no toolchain, no dependency). When WebAssembly SIMD is missing the
 * same results come from `Buffer.indexOf` (see `JsSearch`), slower.
 *
 * Results: sorted `Uint32Array` of `start << 6 | literal index`, so at most
 * 64 literals and 64 MiB per block.
 */
import { setFlagsFromString } from 'node:v8';
import { BITMASK, BLOCK, BR, BR_IF, Code, END, I16_SHR_U, I32, I32_ADD, I32_AND, I32_CTZ, I32_EQZ, I32_GE_U, I32_GT_S, I32_GT_U, I32_LOAD, I32_LOAD8_U, I32_LT_S, I32_LT_U, I32_MUL, I32_OR, I32_SHL, I32_STORE, I32_SUB, I32_XOR, I32_SHR_U, I64, I64_AND, I64_CTZ, I64_EQZ, I64_LOAD, I64_OR, I64_SUB, I64_XOR, I32_WRAP_I64, I8_EQ, IF, LOOP, RELAXED_SWIZZLE, RETURN, section, SPLAT, SWIZZLE, uleb, V128, V_AND, V_LOAD, V_STORE, VOID, WA, compileOptimised, type WasmMemory, type WasmModule } from './wasm-asm.js';
import { HEAD_BYTES, HeadReader } from './head-reader.js';
import { TAPE_BYTES, TapeReader } from './json-tape.js';

export interface SearchLiteral {
  /** ASCII text; for case-insensitive literals, lowercase */
  text: string;
  caseInsensitive: boolean;
}

export const MAX_LITERALS = 64;

export const MAX_BLOCK = 1 << 26;

export interface LiteralSearch {
  readonly literals: readonly SearchLiteral[];
  /** A writable view of at least `n` bytes where the next block to search goes. */
  input(n: number): Uint8Array;
  /** Searches input[0..n); the result is valid until the next call. */
  run(n: number): Uint32Array;
  /** Searches input[from..to), positions relative to `from` (literals never span a newline, so cut after one). */
  runRange(from: number, to: number): Uint32Array;
  /**
   * A reader of the coverage report's line heads working in the same memory
   * as `input` (`buffer` now; addresses: `inputAddress` plus the position),
   * made once; null for a searcher without WebAssembly memory.
   */
  heads?(): { reader: HeadReader; inputAddress: number; buffer: ArrayBuffer } | null;
  /** The same for the JSON tokenizer of lines (json-tape.ts). */
  tapes?(): { reader: TapeReader; inputAddress: number; buffer: ArrayBuffer } | null;
  /** Positions (relative to `from`) of every backslash in input[from..to); valid until the next call. */
  backslashes(from: number, to: number): Uint32Array;
}

function checkLiterals(lits: readonly SearchLiteral[]): void {
  if (lits.length > MAX_LITERALS) throw new Error(`at most ${MAX_LITERALS} literals`);
  for (const l of lits) {
    if (l.text.length === 0) throw new Error('empty literal');
    for (let i = 0; i < l.text.length; i++) {
      const c = l.text.charCodeAt(i);
      if (c > 127) throw new Error(`literal ${JSON.stringify(l.text)} is not ASCII`);
      if (l.caseInsensitive && c >= 65 && c <= 90) throw new Error(`case-insensitive literal ${JSON.stringify(l.text)} must be lowercase`);
    }
  }
}

/** Memory layout (byte addresses). */
const RESUME = 0; // i32: where the next call must continue (n when done)
const SCRATCH = 16; // 16 bytes: the candidate lanes of one step
const BYTE = 48; // i32: the byte `bytes` looks for
const TAB = 64; // LO0 HI0 LO1 HI1 LO2 HI2, 16 bytes each
const LIT_COUNT = TAB + 128; // u32: how many literals (the output keeps room for one step of matches)
const LITS = TAB + 144; // 16 bytes per literal: words ptr, len, fingerprint offset, words
/**
 * Each literal as 8-byte words of three i64 each: its bytes OR'ed with the case mask, the case mask
 * (0x20 on the letters of a case-insensitive literal), and which bytes count (the last word is partial):
 * a word of input matches when ((input | mask) ^ bytes) & keep is zero. OR-ing 0x20 maps A-Z to a-z
 * and only the byte itself (a or A) to a letter, so this is exactly ASCII case folding.
 */
const LIT_WORDS = LITS + 16 * MAX_LITERALS;
const OUT = 16384; // output u32s
const OUT_CAP = 1 << 16;
/** per bucket byte (the buckets a candidate passed), the literals of those buckets (bits by table index) */
const BUCKET_LITS = OUT + 4 * OUT_CAP;
/** per hash of a fingerprint's three bytes (letters folded), the literals whose fingerprint hashes there */
const HASH_BITS = 10;
const HASH_MUL = 0x9e3779b1 | 0;
const HASHES = BUCKET_LITS + 8 * 256;
const HEADS = HASHES + 8 * (1 << HASH_BITS); // the head reader's state (HEAD_BYTES)
const TAPES = HEADS + HEAD_BYTES; // the tokenizer's (TAPE_BYTES); input follows

function buildModule(relaxed: boolean): Uint8Array {
  const swz = relaxed ? RELAXED_SWIZZLE : SWIZZLE;
  // params: 0 inPtr, 1 n, 2 i, 3 outCap ; locals below
  const P_IN = 0, P_N = 1, P_I = 2, P_CAP = 3;
  // (10, 16 and 18 unused)
  const L_COUNT = 4, L_BITS = 5, L_J = 6, L_B = 7, L_P = 8, L_K = 9, L_REC = 11, L_START = 12, L_LEN = 13, L_Q = 14, L_A = 15, L_LITP = 17, L_LIMIT = 19;
  const V_LO0 = 20, V_HI0 = 21, V_LO1 = 22, V_HI1 = 23, V_LO2 = 24, V_HI2 = 25, V_NIB = 26, V_ZERO = 27, V_V = 28, V_M = 29;
  // i64: the literals still to check at a candidate
  const L_LM = 30;
  const c = new Code();
  // load tables
  const tabs = [V_LO0, V_HI0, V_LO1, V_HI1, V_LO2, V_HI2];
  tabs.forEach((v, k) => c.i32(0).vmem(V_LOAD, TAB + 16 * k).set(v));
  c.i32(0x0f).simd(SPLAT).set(V_NIB);
  c.i32(0).simd(SPLAT).set(V_ZERO);
  // limit = outCap - 16 * (number of literals): room for one whole step of matches
  c.get(P_CAP).i32(0).mem(I32_LOAD, 2, LIT_COUNT).i32(16).op(I32_MUL).op(I32_SUB).set(L_LIMIT);
  c.op(BLOCK, VOID); // $done
  c.op(LOOP, VOID); // $step
  // if i >= n: done
  c.get(P_I).get(P_N).op(I32_GE_U).op(BR_IF, 1);
  // if count > limit: stop here, resume at i
  c.get(L_COUNT).get(L_LIMIT).op(I32_GT_S).op(IF, VOID).i32(RESUME).get(P_I).mem(I32_STORE, 2).get(L_COUNT).op(RETURN).op(END);
  // m = AND over the three fingerprint bytes of (LO[nibble lo] & HI[nibble hi])
  const lookup = (off: number, lo: number, hi: number, first: boolean) => {
    c.get(P_IN).get(P_I).op(I32_ADD).vmem(V_LOAD, off).set(V_V);
    c.get(lo).get(V_V).get(V_NIB).simd(V_AND).simd(swz);
    // high nibble: a 16-bit shift is one instruction on x86 (an 8-bit one is several); the mask drops what crossed lanes
    c.get(hi).get(V_V).i32(4).simd(I16_SHR_U).get(V_NIB).simd(V_AND).simd(swz);
    c.simd(V_AND);
    if (!first) c.get(V_M).simd(V_AND);
    c.set(V_M);
  };
  lookup(0, V_LO0, V_HI0, true);
  lookup(1, V_LO1, V_HI1, false);
  lookup(2, V_LO2, V_HI2, false);
  // bits = lanes where m != 0
  c.get(V_M).get(V_ZERO).simd(I8_EQ).simd(BITMASK).i32(0xffff).op(I32_XOR).tee(L_BITS);
  c.op(IF, VOID);
  c.i32(SCRATCH).get(V_M).vmem(V_STORE);
  c.op(LOOP, VOID); // $bits
  {
    c.get(L_BITS).op(I32_CTZ).set(L_J);
    c.get(L_BITS).get(L_BITS).i32(1).op(I32_SUB).op(I32_AND).set(L_BITS);
    c.get(L_J).mem(I32_LOAD8_U, 0, SCRATCH).set(L_B);
    c.get(P_I).get(L_J).op(I32_ADD).set(L_P);
    // the literals that may start here: those of the buckets that passed whose fingerprint, its letters folded,
    // hashes like the three bytes here (most false candidates check no literal at all)
    c.get(L_B).i32(3).op(I32_SHL).mem(I64_LOAD, 3, BUCKET_LITS);
    c.get(P_IN).get(L_P).op(I32_ADD).mem(I32_LOAD, 0, 0).i32(0x20202020).op(I32_OR).i32(0xffffff).op(I32_AND);
    c.i32(HASH_MUL).op(I32_MUL).i32(32 - HASH_BITS).op(I32_SHR_U).i32(3).op(I32_SHL).mem(I64_LOAD, 3, HASHES);
    c.op(I64_AND).set(L_LM);
    c.op(BLOCK, VOID); // $litsDone
    c.op(LOOP, VOID); // $lits
    {
      c.get(L_LM).op(I64_EQZ).op(BR_IF, 1);
      c.get(L_LM).op(I64_CTZ).op(I32_WRAP_I64).set(L_K);
      c.get(L_LM).get(L_LM).i64(1n).op(I64_SUB).op(I64_AND).set(L_LM);
      c.get(L_K).i32(4).op(I32_SHL).i32(LITS).op(I32_ADD).set(L_REC);
      c.get(L_REC).mem(I32_LOAD, 2, 0).set(L_LITP);
      c.get(L_REC).mem(I32_LOAD, 2, 4).set(L_LEN);
      // end of the literal's words: ptr + 24 * words
      c.get(L_REC).mem(I32_LOAD, 2, 12).i32(24).op(I32_MUL).get(L_LITP).op(I32_ADD).set(L_A);
      c.get(L_P).get(L_REC).mem(I32_LOAD, 2, 8).op(I32_SUB).set(L_START);
      // start >= 0 && start + len <= n
      c.op(BLOCK, VOID); // $nomatch
      c.get(L_START).i32(0).op(I32_LT_S).op(BR_IF, 0);
      c.get(L_START).get(L_LEN).op(I32_ADD).get(P_N).op(I32_GT_U).op(BR_IF, 0);
      c.get(P_IN).get(L_START).op(I32_ADD).set(L_Q); // input address of the word
      c.op(LOOP, VOID); // $cmp: eight bytes at a time (the input has zeroed slack after its end)
      {
        c.get(L_Q).mem(I64_LOAD, 0, 0);
        c.get(L_LITP).mem(I64_LOAD, 3, 8).op(I64_OR);
        c.get(L_LITP).mem(I64_LOAD, 3, 0).op(I64_XOR);
        c.get(L_LITP).mem(I64_LOAD, 3, 16).op(I64_AND);
        c.op(I64_EQZ).op(I32_EQZ).op(BR_IF, 1); // mismatch: leave $nomatch
        c.get(L_Q).i32(8).op(I32_ADD).set(L_Q);
        c.get(L_LITP).i32(24).op(I32_ADD).tee(L_LITP).get(L_A).op(I32_LT_U).op(BR_IF, 0);
      }
      c.op(END); // $cmp
      // a match: out[count++] = start << 6 | k
      c.get(L_COUNT).i32(2).op(I32_SHL).get(L_START).i32(6).op(I32_SHL).get(L_K).op(I32_OR).mem(I32_STORE, 2, OUT);
      c.get(L_COUNT).i32(1).op(I32_ADD).set(L_COUNT);
      c.op(END); // $nomatch
      c.op(BR, 0);
    }
    c.op(END); // $lits
    c.op(END); // $litsDone
    c.get(L_BITS).op(I32_EQZ).op(I32_EQZ).op(BR_IF, 0);
  }
  c.op(END); // $bits
  c.op(END); // if bits
  c.get(P_I).i32(16).op(I32_ADD).set(P_I);
  c.op(BR, 0);
  c.op(END); // $step
  c.op(END); // $done
  c.i32(RESUME).get(P_N).mem(I32_STORE, 2);
  c.get(L_COUNT);
  c.op(END);

  const body: number[] = [];
  // locals: 16 i32 (4..19), 10 v128 (20..29), 1 i64 (30)
  const locals: number[] = [];
  uleb(3, locals);
  uleb(16, locals);
  locals.push(I32);
  uleb(10, locals);
  locals.push(V128);
  uleb(1, locals);
  locals.push(I64);
  const fn = [...locals, ...c.b];
  uleb(fn.length, body);
  body.push(...fn);

  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  // type: (i32 i32 i32 i32) -> i32
  section(1, [1, 0x60, 4, I32, I32, I32, I32, 1, I32], out);
  // import env.mem memory min 1
  const imp: number[] = [1];
  const str = (s: string) => {
    uleb(s.length, imp);
    for (const ch of s) imp.push(ch.charCodeAt(0));
  };
  str('env');
  str('mem');
  imp.push(0x02, 0x00, 1);
  section(2, imp, out);
  section(3, [2, 0, 0], out);
  const exp: number[] = [2];
  for (const [name, idx] of [['scan', 0], ['bytes', 1]] as const) {
    uleb(name.length, exp);
    for (const ch of name) exp.push(ch.charCodeAt(0));
    exp.push(0x00, idx);
  }
  section(7, exp, out);
  const code: number[] = [2, ...body, ...byteScanBody()];
  section(10, code, out);
  return new Uint8Array(out);
}

/**
 * `bytes(inPtr, n, i, outCap)`: positions of one byte value (at BYTE) in input[i..n), 16 at a
 * time (the backslashes, for the escape checks); same output and resume as `scan`.
 */
function byteScanBody(): number[] {
  const P_IN = 0, P_N = 1, P_I = 2, P_CAP = 3;
  const L_COUNT = 4, L_BITS = 5, L_P = 6;
  const V_B = 7;
  const c = new Code();
  c.i32(0).mem(I32_LOAD, 2, BYTE).simd(SPLAT).set(V_B);
  c.op(BLOCK, VOID);
  c.op(LOOP, VOID);
  c.get(P_I).get(P_N).op(I32_GE_U).op(BR_IF, 1);
  c.get(L_COUNT).get(P_CAP).i32(16).op(I32_SUB).op(I32_GT_S).op(IF, VOID).i32(RESUME).get(P_I).mem(I32_STORE, 2).get(L_COUNT).op(RETURN).op(END);
  c.get(P_IN).get(P_I).op(I32_ADD).vmem(V_LOAD, 0).get(V_B).simd(I8_EQ).simd(BITMASK).set(L_BITS);
  c.op(BLOCK, VOID);
  c.op(LOOP, VOID);
  c.get(L_BITS).op(I32_EQZ).op(BR_IF, 1);
  c.get(P_I).get(L_BITS).op(I32_CTZ).op(I32_ADD).tee(L_P).get(P_N).op(I32_LT_U);
  c.op(IF, VOID);
  c.get(L_COUNT).i32(2).op(I32_SHL).get(L_P).mem(I32_STORE, 2, OUT);
  c.get(L_COUNT).i32(1).op(I32_ADD).set(L_COUNT);
  c.op(END);
  c.get(L_BITS).get(L_BITS).i32(1).op(I32_SUB).op(I32_AND).set(L_BITS);
  c.op(BR, 0);
  c.op(END);
  c.op(END);
  c.get(P_I).i32(16).op(I32_ADD).set(P_I);
  c.op(BR, 0);
  c.op(END);
  c.op(END);
  c.i32(RESUME).get(P_N).mem(I32_STORE, 2);
  c.get(L_COUNT);
  c.op(END);
  const locals: number[] = [];
  uleb(2, locals);
  uleb(3, locals);
  locals.push(I32);
  uleb(1, locals);
  locals.push(V128);
  const fn = [...locals, ...c.b];
  const body: number[] = [];
  uleb(fn.length, body);
  body.push(...fn);
  return body;
}

/** The kernel's byte shuffle: relaxed SIMD's (one x86 instruction) where V8 has it, else the strict one. */
export type Shuffle = 'relaxed' | 'strict';

const compiled = new Map<Shuffle, WasmModule | null>();
function wasmModule(shuffle: Shuffle): WasmModule | null {
  const known = compiled.get(shuffle);
  if (known !== undefined) return known;
  let mod: WasmModule | null = null;
  try {
    const bytes = buildModule(shuffle === 'relaxed');
    // relaxed SIMD shipped in V8 11.4 (Node 22); Node 20's V8 has it behind a flag. The
    // kernel's shuffle indexes are nibbles (0..15), for which both shuffles give the same bytes.
    let ok = WA !== undefined && WA.validate(bytes);
    if (!ok && WA && shuffle === 'relaxed') {
      setFlagsFromString('--experimental-wasm-relaxed-simd');
      ok = WA.validate(bytes);
    }
    // the kernel runs as one long call per block: optimised from the start
    if (ok && WA) mod = compileOptimised(bytes);
  } catch {
    mod = null;
  }
  compiled.set(shuffle, mod);
  return mod;
}

/** The SIMD kernel used by default here: the relaxed one, else the strict one, else none (the JavaScript fallback). */
export function simdKernel(): Shuffle | null {
  if (wasmModule('relaxed')) return 'relaxed';
  return wasmModule('strict') ? 'strict' : null;
}

/** True when the SIMD kernel can run here. */
export function simdAvailable(): boolean {
  return simdKernel() !== null;
}

// ---- fingerprints and buckets -------------------------------------------

/**
 * Chooses each literal's fingerprint (3 consecutive bytes) and bucket so that
 * few input positions become candidates: trigram counts of a sample of the
 * input estimate how often a bucket's nibble masks accept a position, and
 * literals are placed greedily where they add the least verification work.
 * Without a sample, a rough byte-frequency table of JSON logs stands in.
 */
interface Plan {
  fp: number; // fingerprint offset in the literal
  bucket: number;
}

interface Trigrams {
  keys: Uint32Array; // b0 << 16 | b1 << 8 | b2
  counts: Float64Array;
  /** without a sample: byte weights, positions independent */
  weights?: Float64Array;
}

function trigramsOf(sample: Uint8Array | undefined): Trigrams {
  if (!sample || sample.length < 4096) {
    // no sample: independent bytes with JSON-ish frequencies
    const w = new Float64Array(256).fill(0.2);
    const common = '"aeiorstnlcdu:,/.-_0123456789mpgkvbyhfASCDEIKMNPRT{}[]';
    for (let i = 0; i < common.length; i++) w[common.charCodeAt(i)] = 60 - i;
    return { keys: new Uint32Array(0), counts: new Float64Array(0), weights: w };
  }
  const m = new Map<number, number>();
  const n = Math.min(sample.length, 1 << 18);
  let k = (sample[0]! << 8) | sample[1]!;
  for (let i = 2; i < n; i++) {
    k = ((k << 8) | sample[i]!) & 0xffffff;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  // the rare tail barely matters to the estimate; keep the estimate cheap
  const entries = [...m.entries()].sort((x, y) => y[1] - x[1]).slice(0, 3000);
  return { keys: Uint32Array.from(entries.map((e) => e[0])), counts: Float64Array.from(entries.map((e) => e[1])) };
}

/** Per fingerprint position: a 16-bit set of low nibbles and one of high nibbles. */
type Masks = [number, number, number, number, number, number];

function litMasks(l: SearchLiteral, fp: number): Masks {
  const m: Masks = [0, 0, 0, 0, 0, 0];
  for (let pos = 0; pos < 3; pos++) {
    const at = fp + pos;
    if (at >= l.text.length) {
      m[2 * pos] = 0xffff;
      m[2 * pos + 1] = 0xffff;
      continue;
    }
    const ch = l.text.charCodeAt(at);
    const add = (b: number) => {
      m[2 * pos] |= 1 << (b & 15);
      m[2 * pos + 1] |= 1 << (b >> 4);
    };
    add(ch);
    if (l.caseInsensitive && ch >= 97 && ch <= 122) add(ch - 32);
  }
  return m;
}

function rateByWeights(t: Trigrams, m: Masks): number {
  if (t.weights) {
    let r = 1;
    for (let pos = 0; pos < 3; pos++) {
      let sum = 0;
      for (let b = 0; b < 256; b++) if ((m[2 * pos]! >> (b & 15)) & 1 && (m[2 * pos + 1]! >> (b >> 4)) & 1) sum += t.weights[b]!;
      r *= sum;
    }
    return r;
  }
  let r = 0;
  const { keys, counts } = t;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const b0 = k >>> 16, b1 = (k >>> 8) & 255, b2 = k & 255;
    if (
      (m[0] >> (b0 & 15)) & 1 && (m[1] >> (b0 >> 4)) & 1 &&
      (m[2] >> (b1 & 15)) & 1 && (m[3] >> (b1 >> 4)) & 1 &&
      (m[4] >> (b2 & 15)) & 1 && (m[5] >> (b2 >> 4)) & 1
    ) r += counts[i]!;
  }
  return r;
}

function plan(lits: readonly SearchLiteral[], sample: Uint8Array | undefined, attempts: number): Plan[] {
  const t = trigramsOf(sample);
  const rater = t.weights ? null : new TrigramRater(t);
  const rate = (m: Masks): number => (rater ? rater.rate(m) : rateByWeights(t, m));
  const windows = lits.map((l) => {
    const ws: { fp: number; m: Masks; r: number }[] = [];
    for (let fp = 0; fp <= Math.max(0, l.text.length - 3); fp++) {
      const m = litMasks(l, fp);
      ws.push({ fp, m, r: rate(m) });
    }
    ws.sort((a, b) => a.r - b.r || a.fp - b.fp);
    return ws.slice(0, MAX_WINDOWS);
  });
  const byRate = lits.map((_, i) => i).sort((a, b) => windows[b]![0]!.r - windows[a]![0]!.r || a - b);
  const first = greedy(byRate, windows, rate);
  if (attempts <= 0) return first;
  // the local search ends in a local optimum that depends on where it starts: start it again from
  // random placements (seeded) and keep the cheapest
  let best = refine(lits, windows, first, rate);
  let seed = 0x9e3779b9;
  for (let attempt = 1; attempt < attempts; attempt++) {
    const start = windows.map((ws) => {
      seed = (Math.imul(seed, 1664525) + 1013904223) | 0;
      return { fp: ws[0]!.fp, bucket: (seed >>> 8) % 8 };
    });
    const r = refine(lits, windows, start, rate);
    if (r.cost < best.cost) best = r;
  }
  return best.plans;
}

/** fingerprint windows considered per literal (its rarest) */
const MAX_WINDOWS = 4;

/**
 * How many layouts `plan` tries (the greedy placement, then random ones, each
 * improved by `refine`: some 30 ms each here) for a search of `bytes`
 * (unknown: one; none: the greedy placement alone). The
 * first saves some 0.3 µs per line on this machine and pays for itself after
 * about 100 MB; three more save another 0.15 µs, from about 600 MB.
 */
export function layoutAttempts(bytes: number | undefined): number {
  if (bytes === undefined) return 1;
  return bytes < 64 << 20 ? 0 : bytes < 512 << 20 ? 1 : 4;
}

/** Places literals one by one, in `order`, where each adds the least estimated work. */
function greedy(order: number[], windows: { fp: number; m: Masks; r: number }[][], rate: (m: Masks) => number): Plan[] {
  const buckets: { m: Masks; n: number; r: number }[] = Array.from({ length: 8 }, () => ({ m: [0, 0, 0, 0, 0, 0] as Masks, n: 0, r: 0 }));
  const plans: Plan[] = windows.map(() => ({ fp: 0, bucket: 0 }));
  for (const li of order) {
    let best: { b: number; fp: number; m: Masks; r: number; cost: number } | null = null;
    for (const w of windows[li]!) {
      for (let b = 0; b < 8; b++) {
        const bk = buckets[b]!;
        const m = bk.m.map((x, i) => x | w.m[i]!) as Masks;
        const r = bk.n === 0 ? w.r : rate(m);
        const cost = bucketCost(r, bk.n + 1) - bucketCost(bk.r, bk.n);
        if (!best || cost < best.cost) best = { b, fp: w.fp, m, r, cost };
      }
    }
    const bk = buckets[best!.b]!;
    bk.m = best!.m;
    bk.r = best!.r;
    bk.n++;
    plans[li] = { fp: best!.fp, bucket: best!.b };
  }
  return plans;
}

/**
 * The estimated candidates of a mask from sampled trigrams, as bitsets: for
 * each nibble slot (position × low/high) and value, the set of trigrams that
 * have it; a mask's rate is the weight of the intersection over slots of the
 * union over its values (unions cached, since masks recur). Several times
 * cheaper than testing every trigram, which lets `refine` try every move.
 */
class TrigramRater {
  private readonly words: number;
  private readonly sets: Uint32Array;
  private readonly acc: Uint32Array;
  private readonly unions = new Map<number, Uint32Array>();

  constructor(private readonly t: Trigrams) {
    const n = t.keys.length;
    const w = (this.words = Math.ceil(n / 32));
    this.sets = new Uint32Array(6 * 16 * w);
    this.acc = new Uint32Array(w);
    for (let i = 0; i < n; i++) {
      const k = t.keys[i]!;
      for (let pos = 0; pos < 3; pos++) {
        const b = (k >>> (16 - 8 * pos)) & 255;
        this.sets[(2 * pos * 16 + (b & 15)) * w + (i >>> 5)]! |= 1 << (i & 31);
        this.sets[((2 * pos + 1) * 16 + (b >> 4)) * w + (i >>> 5)]! |= 1 << (i & 31);
      }
    }
  }

  /** The trigrams whose nibble in `slot` is one of `bits` (masks recur: kept). */
  private union(slot: number, bits: number): Uint32Array {
    const key = slot * 65536 + bits;
    let u = this.unions.get(key);
    if (u) return u;
    const w = this.words;
    u = new Uint32Array(w);
    for (let v = 0; v < 16; v++) {
      if (((bits >> v) & 1) === 0) continue;
      const base = (slot * 16 + v) * w;
      for (let i = 0; i < w; i++) u[i]! |= this.sets[base + i]!;
    }
    this.unions.set(key, u);
    return u;
  }

  rate(m: Masks): number {
    const w = this.words;
    const acc = this.acc;
    acc.fill(0xffffffff);
    for (let slot = 0; slot < 6; slot++) {
      const bits = m[slot]!;
      if (bits === 0xffff) continue;
      if (bits === 0) return 0;
      const u = this.union(slot, bits);
      for (let i = 0; i < w; i++) acc[i]! &= u[i]!;
    }
    const counts = this.t.counts;
    const n = counts.length;
    let r = 0;
    for (let i = 0; i < w; i++) {
      let x = acc[i]!;
      while (x !== 0) {
        const low = x & -x;
        const j = i * 32 + 31 - Math.clz32(low);
        if (j < n) r += counts[j]!;
        x ^= low;
      }
    }
    return r;
  }
}

/**
 * Verification work of a bucket: each candidate costs a step (the lane, the hash of its bytes) and checks only
 * the literals of its bucket whose fingerprint hashes like it, far fewer than all of them. The weights were
 * measured (the first 100,000 bench lines, searched alone: 250 ns a line with the coverage report's literals
 * against 280 to 290 with `2 + n`, the weights of the kernel that checked every literal of the bucket).
 */
function bucketCost(r: number, n: number): number {
  return n === 0 ? 0 : r * (4 + n / 4);
}

/**
 * Improves a layout (the greedy one, or a random start) by moving one literal
 * at a time to the window and bucket that lowers the estimated work most,
 * until no move helps (at most eight rounds). The greedy placement commits
 * early literals before it knows the later ones; structural keys found on
 * every line (auditID, verb, …) then share buckets whose merged masks accept
 * common trigrams. Returns the layout and its estimated work.
 */
function refine(lits: readonly SearchLiteral[], windows: { fp: number; m: Masks; r: number }[][], start: Plan[], rate: (m: Masks) => number): { plans: Plan[]; cost: number } {
  const plans = start.slice();
  const maskOf = (li: number, fp: number): Masks => windows[li]!.find((w) => w.fp === fp)?.m ?? litMasks(lits[li]!, fp);
  const merged = (members: number[], skip: number): Masks => {
    const m: Masks = [0, 0, 0, 0, 0, 0];
    for (const x of members) {
      if (x === skip) continue;
      const lm = maskOf(x, plans[x]!.fp);
      for (let i = 0; i < 6; i++) m[i]! |= lm[i]!;
    }
    return m;
  };
  const members = (b: number) => plans.map((p, i) => (p.bucket === b ? i : -1)).filter((i) => i >= 0);
  const bm: Masks[] = [];
  const br: number[] = [];
  const bn: number[] = [];
  // a bucket's version changes with its members: rates computed against an older one are stale
  const version = new Array<number>(8).fill(0);
  // rates by (literal, window, bucket, joining or staying) and by (literal, bucket it leaves), with the bucket's version
  const slots = lits.length * 8 * (2 * MAX_WINDOWS + 1);
  const cacheV = new Int32Array(slots).fill(-1);
  const cacheR = new Float64Array(slots);
  const cached = (key: number, b: number, m: () => Masks): number => {
    if (cacheV[key] === version[b]) return cacheR[key]!;
    const r = rate(m());
    cacheV[key] = version[b]!;
    cacheR[key] = r;
    return r;
  };
  const keyOf = (li: number, b: number, k: number): number => (li * 8 + b) * (2 * MAX_WINDOWS + 1) + k;
  for (let b = 0; b < 8; b++) {
    const ms = members(b);
    bm.push(merged(ms, -1));
    bn.push(ms.length);
    br.push(ms.length === 0 ? 0 : rate(bm[b]!));
  }
  for (let round = 0; round < 8; round++) {
    let moved = false;
    for (let li = 0; li < lits.length; li++) {
      const from = plans[li]!.bucket;
      const rest = merged(members(from), li);
      const restN = bn[from]! - 1;
      const restR = restN === 0 ? 0 : cached(keyOf(li, from, 2 * MAX_WINDOWS), from, () => rest);
      const base = bucketCost(br[from]!, bn[from]!);
      let best = { gain: 1e-9, b: -1, fp: 0, r: 0 };
      windows[li]!.forEach((w, wi) => {
        for (let b = 0; b < 8; b++) {
          if (b === from && w.fp === plans[li]!.fp) continue;
          const into = b === from ? rest : bm[b]!;
          const n0 = b === from ? restN : bn[b]!;
          const r = n0 === 0 ? w.r : cached(keyOf(li, b, 2 * wi + (b === from ? 1 : 0)), b, () => into.map((x, i) => x | w.m[i]!) as Masks);
          const before = b === from ? base : base + bucketCost(br[b]!, bn[b]!);
          const after = b === from ? bucketCost(r, n0 + 1) : bucketCost(restR, restN) + bucketCost(r, n0 + 1);
          const gain = before - after;
          if (gain > best.gain) best = { gain, b, fp: w.fp, r };
        }
      });
      if (best.b < 0) continue;
      moved = true;
      if (best.b !== from) {
        bm[from] = rest;
        br[from] = restR;
        bn[from] = restN;
        bn[best.b]!++;
        version[from]!++;
      }
      const w = windows[li]!.find((x) => x.fp === best.fp)!;
      bm[best.b] = (best.b === from ? rest : bm[best.b]!).map((x, i) => x | w.m[i]!) as Masks;
      br[best.b] = best.r;
      version[best.b]!++;
      plans[li] = { fp: best.fp, bucket: best.b };
    }
    if (!moved) break;
  }
  let cost = 0;
  for (let b = 0; b < 8; b++) cost += bucketCost(br[b]!, bn[b]!);
  return { plans, cost };
}

/** The kernel's hash of a candidate's three bytes (`b0 | b1 << 8 | b2 << 16`, letters folded with 0x20). */
function fingerprintHash(trigram: number): number {
  return Math.imul(trigram, HASH_MUL) >>> (32 - HASH_BITS);
}

/**
 * The verification's two masks of literals (bits by table index, `order[k]` the literal of index k): per bucket
 * byte, the literals of the buckets in it; per hash, the literals whose fingerprint (letters folded) hashes
 * there. A fingerprint byte past the literal's end accepts any byte: every value is hashed then.
 */
function verifyMasks(literals: readonly SearchLiteral[], plans: SearchLayout, order: readonly number[]): { byBuckets: bigint[]; hashes: bigint[] } {
  const byBucket = new Array<bigint>(8).fill(0n);
  const hashes = new Array<bigint>(1 << HASH_BITS).fill(0n);
  const folded = Array.from({ length: 256 }, (_, x) => x | 0x20).filter((x, i, a) => a.indexOf(x) === i);
  order.forEach((li, k) => {
    const l = literals[li]!;
    const p = plans[li]!;
    const bit = 1n << BigInt(k);
    byBucket[p.bucket] = byBucket[p.bucket]! | bit;
    const choices = [0, 1, 2].map((pos) => (p.fp + pos < l.text.length ? [l.text.charCodeAt(p.fp + pos) | 0x20] : folded));
    for (const b0 of choices[0]!) for (const b1 of choices[1]!) for (const b2 of choices[2]!) {
      const h = fingerprintHash(b0 | (b1 << 8) | (b2 << 16));
      hashes[h] = hashes[h]! | bit;
    }
  });
  const byBuckets: bigint[] = [];
  for (let m = 0; m < 256; m++) {
    let v = 0n;
    for (let b = 0; b < 8; b++) if ((m >> b) & 1) v |= byBucket[b]!;
    byBuckets.push(v);
  }
  return { byBuckets, hashes };
}

// ---- the WebAssembly search ----------------------------------------------

class WasmSearch implements LiteralSearch {
  private memory: WasmMemory;
  private scan: (inPtr: number, n: number, i: number, cap: number) => number;
  private bytes: (inPtr: number, n: number, i: number, cap: number) => number;
  private bsOut: Uint32Array = new Uint32Array(1024);
  private readonly inPtr: number;
  private readonly outCap: number;
  private out: Uint32Array;
  /** literal index in the table (bucket order) → index in `literals` */
  private readonly ids: Uint8Array;
  private result: Uint32Array = new Uint32Array(1024);

  constructor(readonly literals: readonly SearchLiteral[], mod: WasmModule, plans: SearchLayout) {
    this.outCap = OUT_CAP;
    this.inPtr = TAPES + TAPE_BYTES;
    this.memory = new WA!.Memory({ initial: Math.ceil((this.inPtr + (1 << 20)) / 65536) });
    const inst = new WA!.Instance(mod, { env: { mem: this.memory } });
    this.scan = inst.exports.scan as (inPtr: number, n: number, i: number, cap: number) => number;
    this.bytes = inst.exports.bytes as (inPtr: number, n: number, i: number, cap: number) => number;
    this.out = new Uint32Array(this.memory.buffer, OUT, this.outCap);
    const order = literals.map((_, i) => i).sort((a, b) => plans[a]!.bucket - plans[b]!.bucket || a - b);
    this.ids = new Uint8Array(order);
    const mem = new Uint8Array(this.memory.buffer);
    const dv = new DataView(this.memory.buffer);
    // nibble tables
    for (let t = 0; t < 96; t++) mem[TAB + t] = 0;
    const setByte = (pos: number, byte: number, bit: number) => {
      mem[TAB + 32 * pos + (byte & 15)]! |= bit;
      mem[TAB + 32 * pos + 16 + (byte >> 4)]! |= bit;
    };
    let wordPtr = LIT_WORDS;
    order.forEach((li, k) => {
      const l = literals[li]!;
      const p = plans[li]!;
      const bit = 1 << p.bucket;
      for (let pos = 0; pos < 3; pos++) {
        const at = p.fp + pos;
        if (at >= l.text.length) {
          for (let x = 0; x < 16; x++) {
            mem[TAB + 32 * pos + x]! |= bit;
            mem[TAB + 32 * pos + 16 + x]! |= bit;
          }
          continue;
        }
        const ch = l.text.charCodeAt(at);
        setByte(pos, ch, bit);
        if (l.caseInsensitive && ch >= 97 && ch <= 122) setByte(pos, ch - 32, bit);
      }
      const rec = LITS + 16 * k;
      const words = Math.ceil(l.text.length / 8);
      if (wordPtr + 24 * words > OUT) throw new Error('literals too long');
      dv.setUint32(rec, wordPtr, true);
      dv.setUint32(rec + 4, l.text.length, true);
      dv.setUint32(rec + 8, p.fp, true);
      dv.setUint32(rec + 12, words, true);
      for (let w = 0; w < words; w++) {
        for (let j = 0; j < 8; j++) {
          const x = 8 * w + j;
          const at = wordPtr + 24 * w + j;
          if (x >= l.text.length) {
            mem[at] = mem[at + 8] = mem[at + 16] = 0;
            continue;
          }
          const ch = l.text.charCodeAt(x);
          const fold = l.caseInsensitive && ch >= 97 && ch <= 122 ? 0x20 : 0;
          mem[at] = ch | fold;
          mem[at + 8] = fold;
          mem[at + 16] = 0xff;
        }
      }
      wordPtr += 24 * words;
    });
    const { byBuckets, hashes } = verifyMasks(literals, plans, order);
    byBuckets.forEach((v, m) => dv.setBigUint64(BUCKET_LITS + 8 * m, v, true));
    hashes.forEach((v, h) => dv.setBigUint64(HASHES + 8 * h, v, true));
    dv.setUint32(LIT_COUNT, literals.length, true);
    dv.setUint32(BYTE, 0x5c, true);
  }

  private headReader: HeadReader | null | undefined = undefined;

  heads(): { reader: HeadReader; inputAddress: number; buffer: ArrayBuffer } | null {
    if (this.headReader === undefined) this.headReader = HeadReader.create(this.memory, HEADS);
    return this.headReader ? { reader: this.headReader, inputAddress: this.inPtr, buffer: this.memory.buffer } : null;
  }

  private tapeReader: TapeReader | null | undefined = undefined;

  tapes(): { reader: TapeReader; inputAddress: number; buffer: ArrayBuffer } | null {
    if (this.tapeReader === undefined) this.tapeReader = TapeReader.create(this.memory, TAPES);
    return this.tapeReader ? { reader: this.tapeReader, inputAddress: this.inPtr, buffer: this.memory.buffer } : null;
  }

  backslashes(from: number, to: number): Uint32Array {
    const n = to - from;
    const base = this.inPtr + from;
    const dv = new Uint32Array(this.memory.buffer, RESUME, 1);
    let total = 0;
    let i = 0;
    while (i < n) {
      const cnt = this.bytes(base, n, i, this.outCap);
      if (total + cnt > this.bsOut.length) {
        const r = new Uint32Array(Math.max(this.bsOut.length * 2, total + cnt));
        r.set(this.bsOut.subarray(0, total));
        this.bsOut = r;
      }
      this.bsOut.set(this.out.subarray(0, cnt), total);
      total += cnt;
      i = dv[0]!;
    }
    return this.bsOut.subarray(0, total);
  }

  input(n: number): Uint8Array {
    if (n > MAX_BLOCK) throw new Error(`block larger than ${MAX_BLOCK} bytes`);
    const need = this.inPtr + n + 64;
    if (need > this.memory.buffer.byteLength) {
      this.memory.grow(Math.ceil((need - this.memory.buffer.byteLength) / 65536));
      this.out = new Uint32Array(this.memory.buffer, OUT, this.outCap);
    }
    // the kernel reads up to 18 bytes past the end: make them zero (they are never a match)
    new Uint8Array(this.memory.buffer, this.inPtr + n, 64).fill(0);
    return new Uint8Array(this.memory.buffer, this.inPtr, n);
  }

  run(n: number): Uint32Array {
    return this.runRange(0, n);
  }

  runRange(from: number, to: number): Uint32Array {
    const n = to - from;
    const base = this.inPtr + from;
    const dv = new Uint32Array(this.memory.buffer, RESUME, 1);
    let total = 0;
    let i = 0;
    let sorted = true;
    let last = 0;
    while (i < n) {
      const cnt = this.scan(base, n, i, this.outCap);
      if (total + cnt > this.result.length) {
        const r = new Uint32Array(Math.max(this.result.length * 2, total + cnt));
        r.set(this.result.subarray(0, total));
        this.result = r;
      }
      const out = this.out;
      const res = this.result;
      const ids = this.ids;
      for (let x = 0; x < cnt; x++) {
        const v = out[x]!;
        const packed = ((v & ~63) | ids[v & 63]!) >>> 0;
        if (packed < last) sorted = false;
        last = packed;
        res[total++] = packed;
      }
      i = dv[0]!;
    }
    const r = this.result.subarray(0, total);
    if (!sorted) r.sort();
    return r;
  }
}

// ---- the fallback ----------------------------------------------------------

/** Same results with Buffer.indexOf, for runtimes without WebAssembly SIMD (and as the tests' reference). */
export class JsSearch implements LiteralSearch {
  private buf = Buffer.alloc(1 << 16);
  private lower = Buffer.alloc(0);
  private readonly needles: Buffer[];

  constructor(readonly literals: readonly SearchLiteral[]) {
    checkLiterals(literals);
    this.needles = literals.map((l) => Buffer.from(l.text, 'latin1'));
  }

  input(n: number): Uint8Array {
    if (n > MAX_BLOCK) throw new Error(`block larger than ${MAX_BLOCK} bytes`);
    if (this.buf.length < n) this.buf = Buffer.alloc(Math.max(n, this.buf.length * 2));
    return this.buf.subarray(0, n);
  }

  run(n: number): Uint32Array {
    return this.runRange(0, n);
  }

  backslashes(from: number, to: number): Uint32Array {
    const src = this.buf.subarray(from, to);
    const out: number[] = [];
    for (let p = src.indexOf(0x5c); p >= 0; p = src.indexOf(0x5c, p + 1)) out.push(p);
    return Uint32Array.from(out);
  }

  runRange(from: number, to: number): Uint32Array {
    const n = to - from;
    const src = this.buf.subarray(from, to);
    let lower: Buffer | null = null;
    const out: number[] = [];
    this.literals.forEach((l, k) => {
      let hay: Buffer = src;
      if (l.caseInsensitive) {
        if (!lower) {
          if (this.lower.length < n) this.lower = Buffer.alloc(Math.max(n, this.lower.length * 2));
          lower = this.lower.subarray(0, n);
          for (let i = 0; i < n; i++) {
            const b = src[i]!;
            lower[i] = b >= 65 && b <= 90 ? b | 32 : b;
          }
        }
        hay = lower;
      }
      const needle = this.needles[k]!;
      for (let p = hay.indexOf(needle, 0); p >= 0; p = hay.indexOf(needle, p + 1)) out.push(((p << 6) | k) >>> 0);
    });
    return Uint32Array.from(out).sort();
  }
}

/**
 * A searcher for these literals: the SIMD kernel when available (and not
 * disabled with TOKENWATCH_NO_SIMD=1), else the fallback. `sample`, a piece
 * of the input, helps choose rare fingerprints; results never depend on it.
 */
export function literalSearch(literals: readonly SearchLiteral[], sample?: Uint8Array, layout?: SearchLayout, shuffle?: Shuffle, bytes?: number): LiteralSearch {
  checkLiterals(literals);
  const kernel = shuffle ?? simdKernel();
  const mod = process.env.TOKENWATCH_NO_SIMD === '1' || kernel === null ? null : wasmModule(kernel);
  if (mod && literals.length > 0) return new WasmSearch(literals, mod, layout && layout.length === literals.length ? layout : plan(literals, sample, layoutAttempts(bytes)));
  return new JsSearch(literals);
}

/** Each literal's fingerprint and bucket: plain data, computed once and handed to every thread. */
export type SearchLayout = { fp: number; bucket: number }[];

/** `bytes`: how much input the layout will search (it sets the planning effort, see layoutAttempts); `refine: false`, the greedy layout alone. */
export function searchLayout(literals: readonly SearchLiteral[], sample?: Uint8Array, opts: { bytes?: number; refine?: boolean } = {}): SearchLayout {
  checkLiterals(literals);
  return plan(literals, sample, opts.refine === false ? 0 : layoutAttempts(opts.bytes));
}

/**
 * The kernel's verification work for a layout on some bytes, counted exactly
 * as it would do it: positions whose fingerprint test passes (candidates),
 * and literal comparisons (checks: the literals of the buckets that passed
 * whose fingerprint hashes like the position's three bytes).
 */
export function layoutWork(literals: readonly SearchLiteral[], layout: SearchLayout, bytes: Uint8Array): { candidates: number; checks: number } {
  const lo = new Uint8Array(48);
  const hi = new Uint8Array(48);
  literals.forEach((l, i) => {
    const p = layout[i]!;
    const bit = 1 << p.bucket;
    const m = litMasks(l, p.fp);
    for (let pos = 0; pos < 3; pos++) {
      for (let v = 0; v < 16; v++) {
        if ((m[2 * pos]! >> v) & 1) lo[16 * pos + v]! |= bit;
        if ((m[2 * pos + 1]! >> v) & 1) hi[16 * pos + v]! |= bit;
      }
    }
  });
  const { byBuckets, hashes } = verifyMasks(literals, layout, literals.map((_, i) => i));
  const popcount = (x: bigint) => {
    let n = 0;
    for (; x !== 0n; x &= x - 1n) n++;
    return n;
  };
  let candidates = 0;
  let checks = 0;
  const at = (i: number) => (i < bytes.length ? bytes[i]! : 0);
  for (let i = 0; i < bytes.length; i++) {
    let m = 0xff;
    for (let pos = 0; pos < 3 && m !== 0; pos++) {
      const b = at(i + pos);
      m &= lo[16 * pos + (b & 15)]! & hi[16 * pos + (b >> 4)]!;
    }
    if (m === 0) continue;
    candidates++;
    const h = fingerprintHash((at(i) | 0x20) | ((at(i + 1) | 0x20) << 8) | ((at(i + 2) | 0x20) << 16));
    checks += popcount(byBuckets[m]! & hashes[h]!);
  }
  return { candidates, checks };
}
