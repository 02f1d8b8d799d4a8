/**
 * A line of JSON checked and cut into tokens (a tape), so that a reader of a
 * few of its fields (fact-reader.ts) can step over everything else a token
 * at a time instead of a byte at a time: a JavaScript byte loop costs
 * several nanoseconds a byte here, as much as JSON.parse of the whole line.
 * Written twice: in WebAssembly (sixteen bytes of a string at a time) for
 * lines in the searcher's memory, and in JavaScript, the reference and the
 * fallback; a test holds them to the same tapes, and both to JSON.parse's
 * verdict on which lines are JSON.
 *
 * The tape: two u32 per token, in document order.
 *   word 0: position (from the line's start) << 3 | type
 *   word 1: STR/STR_ESC: the closing quote's position; NUM: the number's end;
 *           OBJ/ARR: the index of the first token after the container; else 0.
 * An object's tokens are its members' keys and values in turn. No token
 * for `:` `,` `}` `]`: the grammar is checked while the tape is made.
 * Answer: the tokens' count, or -1 when the line is not exactly one JSON
 * value (whitespace around tokens allowed), nests deeper than MAX_DEPTH, or
 * has more than TAPE_TOKENS tokens.
 */
import {
  moduleAt, oneFunctionModule, BLOCK, BR, BR_IF, Code, END, I32_ADD, I32_AND, I32_EQ, I32_EQZ, I32_GE_U, I32_GT_U, I32_LOAD, I32_LT_U, I32_NE, I32_OR, I32_SHL, I32_SHR_U, I32_STORE, I32_SUB, IF, I32_CTZ, LOOP, VOID, WA, word, type WasmMemory, type WasmModule, SELECT,
} from './wasm-asm.js';

export const T_ARR = 0, T_STR = 1, T_STR_ESC = 2, T_NUM = 3, T_TRUE = 4, T_FALSE = 5, T_NULL = 6, T_OBJ = 7;
export const TAPE_TOKENS = 8192;
export const MAX_DEPTH = 64;
/** Memory the WebAssembly tokenizer keeps at its base: the open containers' stack, then the tape. */
const STACK = 0;
const TAPE = 4 * MAX_DEPTH;
export const TAPE_BYTES = TAPE + 8 * TAPE_TOKENS;

const Q = 0x22, BS = 0x5c;

// states: what may come next
const S_VALUE = 0, S_KEY_OR_CLOSE = 1, S_COLON = 2, S_AFTER = 3, S_KEY = 4, S_VALUE_OR_CLOSE = 5, S_END = 6;

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}
function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}
function isHex(c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66));
}

/** The tape of buf[s..e) into `out` (2 × TAPE_TOKENS u32): the reference tokenizer. */
export function jsTape(buf: Uint8Array, s: number, e: number, out: Uint32Array): number {
  const stack = new Int32Array(MAX_DEPTH);
  let d = 0;
  let n = 0;
  let st = S_VALUE;
  let p = s;
  const emit = (at: number, type: number, w1: number): boolean => {
    if (n >= TAPE_TOKENS) return false;
    out[2 * n] = ((at - s) << 3) | type;
    out[2 * n + 1] = w1;
    n++;
    return true;
  };
  while (p < e) {
    const c = buf[p]!;
    if (isWs(c)) {
      p++;
      continue;
    }
    if (st === S_END) return -1;
    if (st === S_COLON) {
      if (c !== 0x3a) return -1;
      st = S_VALUE;
      p++;
      continue;
    }
    const top = d > 0 ? stack[d - 1]! & 1 : -1;
    if (st === S_AFTER || (st === S_KEY_OR_CLOSE && c === 0x7d) || (st === S_VALUE_OR_CLOSE && c === 0x5d)) {
      if (st === S_AFTER && c === 0x2c) {
        st = top === 1 ? S_KEY : S_VALUE;
        p++;
        continue;
      }
      if ((c === 0x7d && top === 1) || (c === 0x5d && top === 0)) {
        d--;
        out[2 * (stack[d]! >> 1) + 1] = n;
        st = d === 0 ? S_END : S_AFTER;
        p++;
        continue;
      }
      return -1;
    }
    const key = st === S_KEY || st === S_KEY_OR_CLOSE;
    if (c === Q) {
      let q = p + 1;
      let esc = false;
      for (;;) {
        if (q >= e) return -1;
        const x = buf[q]!;
        if (x === Q) break;
        if (x < 0x20) return -1;
        if (x === BS) {
          esc = true;
          const y = buf[q + 1];
          if (y === 0x75) {
            if (!isHex(buf[q + 2]) || !isHex(buf[q + 3]) || !isHex(buf[q + 4]) || !isHex(buf[q + 5])) return -1;
            q += 6;
          } else if (y === Q || y === BS || y === 0x2f || y === 0x62 || y === 0x66 || y === 0x6e || y === 0x72 || y === 0x74) q += 2;
          else return -1;
          continue;
        }
        q++;
      }
      if (!emit(p, esc ? T_STR_ESC : T_STR, q - s)) return -1;
      p = q + 1;
      st = key ? S_COLON : d === 0 ? S_END : S_AFTER;
      continue;
    }
    if (key) return -1;
    if (c === 0x7b || c === 0x5b) {
      if (d >= MAX_DEPTH || !emit(p, c === 0x7b ? T_OBJ : T_ARR, 0)) return -1;
      stack[d++] = ((n - 1) << 1) | (c === 0x7b ? 1 : 0);
      st = c === 0x7b ? S_KEY_OR_CLOSE : S_VALUE_OR_CLOSE;
      p++;
      continue;
    }
    let q: number;
    let type: number;
    if (c === 0x74 && buf[p + 1] === 0x72 && buf[p + 2] === 0x75 && buf[p + 3] === 0x65) {
      q = p + 4;
      type = T_TRUE;
    } else if (c === 0x66 && buf[p + 1] === 0x61 && buf[p + 2] === 0x6c && buf[p + 3] === 0x73 && buf[p + 4] === 0x65) {
      q = p + 5;
      type = T_FALSE;
    } else if (c === 0x6e && buf[p + 1] === 0x75 && buf[p + 2] === 0x6c && buf[p + 3] === 0x6c) {
      q = p + 4;
      type = T_NULL;
    } else if (c === 0x2d || isDigit(c)) {
      q = p;
      if (buf[q] === 0x2d) q++;
      if (buf[q] === 0x30) q++;
      else if (isDigit(buf[q])) while (q < e && isDigit(buf[q])) q++;
      else return -1;
      if (q < e && buf[q] === 0x2e) {
        q++;
        if (!(q < e && isDigit(buf[q]))) return -1;
        while (q < e && isDigit(buf[q])) q++;
      }
      if (q < e && (buf[q] === 0x65 || buf[q] === 0x45)) {
        q++;
        if (q < e && (buf[q] === 0x2b || buf[q] === 0x2d)) q++;
        if (!(q < e && isDigit(buf[q]))) return -1;
        while (q < e && isDigit(buf[q])) q++;
      }
      type = T_NUM;
    } else return -1;
    if (q > e || !emit(p, type, type === T_NUM ? q - s : 0)) return -1;
    p = q;
    st = d === 0 ? S_END : S_AFTER;
  }
  return st === S_END ? n : -1;
}

function buildTapeModule(base: number): Uint8Array {
  // params: the line's start and end (memory addresses)
  const S = 0, E = 1;
  const P = 2, C = 3, N = 4, D = 5, ST = 6, Q2 = 7, ESC = 8, M = 9, TOP = 10, T = 11, X = 12;
  const LOCALS = 11;
  const V = 13, VQUOTE = 14, VBS = 15, VSPACE = 16;
  const c = new Code();
  const inc = (local: number, by = 1) => c.get(local).i32(by).op(I32_ADD).set(local);
  /** pushes: the byte at local+off is a digit */
  const digitAt = (local: number, off = 0) => c.load8(local, off).i32(0x30).op(I32_SUB).i32(9).op(I32_GT_U).op(I32_EQZ);
  /** pushes: the byte at local+off is a hex digit */
  const hexAt = (local: number, off: number) => {
    digitAt(local, off);
    c.load8(local, off).i32(0x20).op(I32_OR).i32(0x61).op(I32_SUB).i32(5).op(I32_GT_U).op(I32_EQZ).op(I32_OR);
  };
  /** a token: (P - S) << 3 | type (local T), word 1 from local X; fails when the tape is full */
  const emit = () => {
    c.get(N).i32(TAPE_TOKENS).op(I32_GE_U);
    c.failIf();
    c.get(N).i32(3).op(I32_SHL).get(P).get(S).op(I32_SUB).i32(3).op(I32_SHL).get(T).op(I32_OR).mem(I32_STORE, 2, base + TAPE);
    c.get(N).i32(3).op(I32_SHL).get(X).mem(I32_STORE, 2, base + TAPE + 4);
    inc(N);
  };
  /** after a value: the end, or a comma or close */
  const afterValue = () => {
    c.i32(S_AFTER).i32(S_END).get(D).op(SELECT).set(ST);
  };
  /** loop over digits from Q2 (below E) */
  const digits = () => {
    c.op(BLOCK, VOID).op(LOOP, VOID);
    c.get(Q2).get(E).op(I32_GE_U).op(BR_IF, 1);
    digitAt(Q2).op(I32_EQZ).op(BR_IF, 1);
    inc(Q2);
    c.op(BR, 0);
    c.op(END).op(END);
  };
  /** fail unless Q2 < E and a digit is there */
  const needDigit = () => {
    c.get(Q2).get(E).op(I32_GE_U);
    digitAt(Q2).op(I32_EQZ).op(I32_OR);
    c.failIf();
  };

  c.stopBytes(VQUOTE, VBS, VSPACE);
  c.get(S).set(P);

  c.op(BLOCK, VOID).op(LOOP, VOID); // $done (1 inside the loop), $next (0)
  {
    c.get(P).get(E).op(I32_GE_U).op(BR_IF, 1);
    c.load8(P).set(C);
    // whitespace
    c.get(C).i32(0x20).op(I32_EQ).get(C).i32(0x09).op(I32_EQ).op(I32_OR).get(C).i32(0x0a).op(I32_EQ).op(I32_OR).get(C).i32(0x0d).op(I32_EQ).op(I32_OR);
    c.op(IF, VOID);
    inc(P);
    c.op(BR, 1);
    c.op(END);
    c.get(ST).i32(S_END).op(I32_EQ);
    c.failIf();
    // a colon
    c.get(ST).i32(S_COLON).op(I32_EQ).op(IF, VOID);
    c.get(C).i32(0x3a).op(I32_NE);
    c.failIf();
    c.i32(S_VALUE).set(ST);
    inc(P);
    c.op(BR, 1);
    c.op(END);
    // the open container's kind (1: object, 0: array, -1: none)
    c.i32(-1).set(TOP);
    c.get(D).op(IF, VOID);
    c.get(D).i32(1).op(I32_SUB).i32(2).op(I32_SHL).mem(I32_LOAD, 2, base + STACK).i32(1).op(I32_AND).set(TOP);
    c.op(END);
    // a comma or a close
    c.get(ST).i32(S_AFTER).op(I32_EQ);
    c.get(ST).i32(S_KEY_OR_CLOSE).op(I32_EQ).get(C).i32(0x7d).op(I32_EQ).op(I32_AND).op(I32_OR);
    c.get(ST).i32(S_VALUE_OR_CLOSE).op(I32_EQ).get(C).i32(0x5d).op(I32_EQ).op(I32_AND).op(I32_OR);
    c.op(IF, VOID);
    {
      c.get(ST).i32(S_AFTER).op(I32_EQ).get(C).i32(0x2c).op(I32_EQ).op(I32_AND).op(IF, VOID);
      c.i32(S_KEY).i32(S_VALUE).get(TOP).i32(1).op(I32_EQ).op(SELECT).set(ST);
      inc(P);
      c.op(BR, 2);
      c.op(END);
      c.get(C).i32(0x7d).op(I32_EQ).get(TOP).i32(1).op(I32_EQ).op(I32_AND);
      c.get(C).i32(0x5d).op(I32_EQ).get(TOP).op(I32_EQZ).op(I32_AND).op(I32_OR);
      c.op(I32_EQZ);
      c.failIf();
      // close: the container's token learns where its tokens end
      c.get(D).i32(1).op(I32_SUB).set(D);
      c.get(D).i32(2).op(I32_SHL).mem(I32_LOAD, 2, base + STACK).i32(1).op(I32_SHR_U).i32(3).op(I32_SHL).get(N).mem(I32_STORE, 2, base + TAPE + 4);
      afterValue();
      inc(P);
      c.op(BR, 1);
    }
    c.op(END);
    // a string (a key or a value)
    c.get(C).i32(Q).op(I32_EQ).op(IF, VOID);
    {
      c.i32(0).set(ESC);
      c.get(P).i32(1).op(I32_ADD).set(Q2);
      c.op(BLOCK, VOID).op(LOOP, VOID); // $closed, $scan
      {
        // sixteen bytes at a time to the first quote, backslash or control byte
        c.stops(Q2, V, VQUOTE, VBS, VSPACE).tee(M);
        c.op(I32_EQZ).op(IF, VOID);
        inc(Q2, 16);
        c.op(BR, 1);
        c.op(END);
        c.get(Q2).get(M).op(I32_CTZ).op(I32_ADD).tee(Q2).get(E).op(I32_GE_U);
        c.failIf();
        c.load8(Q2).tee(M).i32(Q).op(I32_EQ).op(BR_IF, 1);
        c.get(M).i32(BS).op(I32_NE);
        c.failIf(); // a control byte
        c.i32(1).set(ESC);
        c.load8(Q2, 1).set(M);
        c.get(M).i32(0x75).op(I32_EQ).op(IF, VOID);
        hexAt(Q2, 2);
        for (const off of [3, 4, 5]) {
          hexAt(Q2, off);
          c.op(I32_AND);
        }
        c.op(I32_EQZ);
        c.failIf();
        inc(Q2, 6);
        c.op(BR, 1);
        c.op(END);
        c.get(M).i32(Q).op(I32_EQ);
        for (const x of [BS, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]) c.get(M).i32(x).op(I32_EQ).op(I32_OR);
        c.op(I32_EQZ);
        c.failIf();
        inc(Q2, 2);
        c.op(BR, 0);
      }
      c.op(END).op(END);
      c.i32(T_STR).get(ESC).op(I32_ADD).set(T);
      c.get(Q2).get(S).op(I32_SUB).set(X);
      emit();
      c.get(Q2).i32(1).op(I32_ADD).set(P);
      // a key: a colon next; a value: what follows a value
      c.get(ST).i32(S_KEY).op(I32_EQ).get(ST).i32(S_KEY_OR_CLOSE).op(I32_EQ).op(I32_OR).op(IF, VOID);
      c.i32(S_COLON).set(ST);
      c.op(0x05); // else
      afterValue();
      c.op(END);
      c.op(BR, 1);
    }
    c.op(END);
    // anything else must be a value
    c.get(ST).i32(S_KEY).op(I32_EQ).get(ST).i32(S_KEY_OR_CLOSE).op(I32_EQ).op(I32_OR);
    c.failIf();
    c.i32(0).set(X);
    // an object or an array: its token, pushed
    c.get(C).i32(0x7b).op(I32_EQ).get(C).i32(0x5b).op(I32_EQ).op(I32_OR).op(IF, VOID);
    {
      c.get(D).i32(MAX_DEPTH).op(I32_GE_U);
      c.failIf();
      c.get(C).i32(0x7b).op(I32_EQ).set(M);
      c.i32(T_OBJ).i32(T_ARR).get(M).op(SELECT).set(T);
      emit();
      c.get(D).i32(2).op(I32_SHL).get(N).i32(1).op(I32_SUB).i32(1).op(I32_SHL).get(M).op(I32_OR).mem(I32_STORE, 2, base + STACK);
      inc(D);
      c.i32(S_KEY_OR_CLOSE).i32(S_VALUE_OR_CLOSE).get(M).op(SELECT).set(ST);
      inc(P);
      c.op(BR, 1);
    }
    c.op(END);
    // literals
    const literal = (first: number, w: string, off: number, len: number, type: number) => {
      c.get(C).i32(first).op(I32_EQ).op(IF, VOID);
      c.get(P).mem(I32_LOAD, 0, off).i32(word(w)).op(I32_NE);
      c.get(P).i32(len).op(I32_ADD).get(E).op(I32_GT_U).op(I32_OR);
      c.failIf();
      c.i32(type).set(T);
      emit();
      inc(P, len);
      afterValue();
      c.op(BR, 1);
      c.op(END);
    };
    literal(0x74, 'true', 0, 4, T_TRUE);
    literal(0x66, 'alse', 1, 5, T_FALSE);
    literal(0x6e, 'null', 0, 4, T_NULL);
    // a number
    c.get(C).i32(0x2d).op(I32_EQ);
    digitAt(P).op(I32_OR).op(I32_EQZ);
    c.failIf();
    c.get(P).set(Q2);
    c.get(C).i32(0x2d).op(I32_EQ).op(IF, VOID);
    inc(Q2);
    c.op(END);
    c.load8(Q2).i32(0x30).op(I32_EQ).op(IF, VOID);
    inc(Q2);
    c.op(0x05);
    needDigit();
    digits();
    c.op(END);
    c.get(Q2).get(E).op(I32_LT_U);
    c.load8(Q2).i32(0x2e).op(I32_EQ).op(I32_AND).op(IF, VOID);
    inc(Q2);
    needDigit();
    digits();
    c.op(END);
    c.get(Q2).get(E).op(I32_LT_U);
    c.load8(Q2).i32(0x20).op(I32_OR).i32(0x65).op(I32_EQ).op(I32_AND).op(IF, VOID);
    inc(Q2);
    c.get(Q2).get(E).op(I32_LT_U);
    c.load8(Q2).i32(0x2b).op(I32_EQ);
    c.load8(Q2).i32(0x2d).op(I32_EQ).op(I32_OR).op(I32_AND).op(IF, VOID);
    inc(Q2);
    c.op(END);
    needDigit();
    digits();
    c.op(END);
    c.i32(T_NUM).set(T);
    c.get(Q2).get(S).op(I32_SUB).set(X);
    emit();
    c.get(Q2).set(P);
    afterValue();
    c.op(BR, 0);
  }
  c.op(END).op(END);
  c.get(ST).i32(S_END).op(I32_NE);
  c.failIf();
  c.get(N);

  c.op(END);
  return oneFunctionModule('tape', 2, LOCALS, 4, c.b);
}

/** The WebAssembly tokenizer over a searcher's memory, its stack and tape at `base` (TAPE_BYTES). */
export class TapeReader {
  /** the tape of memory[start..end) (addresses): the tokens' count, or -1 */
  readonly tape: (start: number, end: number) => number;
  private view: Uint32Array;

  private constructor(
    private readonly memory: WasmMemory,
    private readonly base: number,
    mod: WasmModule,
  ) {
    const inst = new WA!.Instance(mod, { env: { mem: memory } });
    this.tape = inst.exports.tape as TapeReader['tape'];
    this.view = new Uint32Array(memory.buffer, base + TAPE, 2 * TAPE_TOKENS);
  }

  static create(memory: WasmMemory, base: number): TapeReader | null {
    const m = moduleAt(buildTapeModule, base);
    return m ? new TapeReader(memory, base, m) : null;
  }

  /** The tape's words (a view renewed when the memory grows). */
  words(): Uint32Array {
    if (this.view.buffer !== this.memory.buffer) this.view = new Uint32Array(this.memory.buffer, this.base + TAPE, 2 * TAPE_TOKENS);
    return this.view;
  }
}
