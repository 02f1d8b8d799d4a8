/**
 * A tiny WebAssembly assembler: just enough to write the scan's kernels
 * (literal-search.ts, head-reader.ts) as bytes, with no toolchain and no
 * dependency. Node ships no SIMD or byte-level fast path of its own, and a
 * JavaScript byte loop costs several nanoseconds per byte on this machine.
 */
import { setFlagsFromString } from 'node:v8';

// The WebAssembly JS API, as much of it as is used (lib "ES2022" does not declare it).
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
export type WasmModule = object;
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (m: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number }) => WasmMemory;
}
export const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/**
 * Compiles a module straight to optimised code: V8 otherwise starts with its
 * baseline compiler and moves a function up only at a later call, while the
 * scan's kernels run as a few long calls (the search) or from the first line
 * on (the head reader). A few hundred bytes: compiling costs nothing.
 */
export function compileOptimised(bytes: Uint8Array): WasmModule {
  setFlagsFromString('--no-liftoff');
  try {
    return new WA!.Module(bytes);
  } finally {
    setFlagsFromString('--liftoff');
  }
}


export function uleb(n: number, out: number[]): void {
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
}

/** Signed LEB128 of an i32 or i64 constant (bigint arithmetic: a module is built once, not per call). */
export function sleb(n: number | bigint, out: number[]): void {
  let v = BigInt.asIntN(64, BigInt(n));
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

export function section(id: number, body: number[], out: number[]): void {
  out.push(id);
  uleb(body.length, out);
  out.push(...body);
}

export const I32 = 0x7f;
export const I64 = 0x7e;
export const V128 = 0x7b;

/** Emits instructions by name; locals by index. */
export class Code {
  readonly b: number[] = [];
  op(...bytes: number[]): this {
    this.b.push(...bytes);
    return this;
  }
  simd(op: number, ...imm: number[]): this {
    this.b.push(0xfd);
    uleb(op, this.b);
    this.b.push(...imm);
    return this;
  }
  get(i: number): this {
    this.b.push(0x20);
    uleb(i, this.b);
    return this;
  }
  set(i: number): this {
    this.b.push(0x21);
    uleb(i, this.b);
    return this;
  }
  tee(i: number): this {
    this.b.push(0x22);
    uleb(i, this.b);
    return this;
  }
  i32(n: number): this {
    this.b.push(0x41);
    sleb(n | 0, this.b);
    return this;
  }
  i64(n: bigint): this {
    this.b.push(0x42);
    sleb(n, this.b);
    return this;
  }
  /** memarg: align (log2), offset */
  mem(op: number, align: number, offset = 0): this {
    this.b.push(op);
    uleb(align, this.b);
    uleb(offset, this.b);
    return this;
  }
  vmem(op: number, offset = 0): this {
    this.b.push(0xfd);
    uleb(op, this.b);
    uleb(0, this.b); // align 1: unaligned loads are fine
    uleb(offset, this.b);
    return this;
  }
  /** pushes the byte at local + off */
  load8(local: number, off = 0): this {
    return this.get(local).mem(I32_LOAD8_U, 0, off);
  }
  /** returns -1 (the readers' "read it in JavaScript") */
  fail(): this {
    return this.i32(-1).op(RETURN);
  }
  /** returns -1 when the i32 on the stack is not zero */
  failIf(): this {
    return this.op(IF, VOID).fail().op(END);
  }
  /** sets the v128 locals q, bs, sp to sixteen quotes, backslashes and 0x20s, for `stops` */
  stopBytes(q: number, bs: number, sp: number): this {
    return this.i32(0x22).simd(SPLAT).set(q).i32(0x5c).simd(SPLAT).set(bs).i32(0x20).simd(SPLAT).set(sp);
  }
  /**
   * pushes the bitmask of the sixteen bytes at local `at` that end a string's
   * scan: a quote, a backslash or a control byte (v: a v128 scratch local;
   * q, bs, sp as `stopBytes` set them)
   */
  stops(at: number, v: number, q: number, bs: number, sp: number): this {
    this.get(at).vmem(V_LOAD, 0).tee(v);
    this.get(q).simd(I8_EQ);
    this.get(v).get(bs).simd(I8_EQ).simd(V_OR);
    this.get(v).get(sp).simd(I8_LT_U).simd(V_OR);
    return this.simd(BITMASK);
  }
}

// opcodes
export const BLOCK = 0x02, LOOP = 0x03, IF = 0x04, END = 0x0b, BR = 0x0c, BR_IF = 0x0d, RETURN = 0x0f, VOID = 0x40;
export const I32_LOAD = 0x28, I64_LOAD = 0x29, I32_LOAD8_U = 0x2d, I32_STORE = 0x36;
export const I64_EQZ = 0x50, I64_AND = 0x83, I64_OR = 0x84, I64_XOR = 0x85;
export const I32_EQZ = 0x45, I32_NE = 0x47, I32_LT_U = 0x49, I32_GT_S = 0x4a, I32_GT_U = 0x4b, I32_GE_U = 0x4f, I32_LT_S = 0x48;
export const I32_CTZ = 0x68, I32_ADD = 0x6a, I32_SUB = 0x6b, I32_MUL = 0x6c, I32_AND = 0x71, I32_OR = 0x72, I32_XOR = 0x73, I32_SHL = 0x74, I32_SHR_U = 0x76;
// SIMD
export const V_LOAD = 0x00, V_STORE = 0x0b, SWIZZLE = 0x0e, SPLAT = 0x0f, I8_EQ = 0x23, V_AND = 0x4e, BITMASK = 0x64, I16_SHR_U = 0x8d;
// relaxed SIMD (V8 11.4+; Node 20 behind a flag): the x86 byte shuffle itself, without the lane-range fix-up
export const RELAXED_SWIZZLE = 0x100;
export const I8_LT_U = 0x26, V_OR = 0x50;
export const I32_EQ = 0x46, I32_LE_U = 0x4d, I32_GE_S = 0x4e, I64_EQ = 0x51, I64_NE = 0x52, I64_STORE = 0x37, I32_STORE8 = 0x3a, SELECT = 0x1b;
export const I64_MUL = 0x7e, I64_SUB = 0x7d, I64_CTZ = 0x7a, I64_SHR_U = 0x88, I32_WRAP_I64 = 0xa7, I64_EXTEND_I32_U = 0xad;

/** Little-endian i32 of four ASCII characters: a word of memory compared in one load. */
export function word(s: string): number {
  if (s.length !== 4) throw new Error(`word of 4 characters: ${s}`);
  return (s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24)) | 0;
}

/** Little-endian i64 of eight ASCII characters (signed, as WebAssembly's constants are). */
export function word64(s: string): bigint {
  if (s.length !== 8) throw new Error(`word64 of 8 characters: ${s}`);
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(s.charCodeAt(i));
  return BigInt.asIntN(64, v);
}

/** Writes a name (a WebAssembly string: length, then bytes). */
export function name(s: string, out: number[]): void {
  uleb(s.length, out);
  for (const ch of s) out.push(ch.charCodeAt(0));
}

/**
 * A module of one function over the imported memory `env.mem`: (i32 ×
 * `params`) → i32, with `i32Locals`, then `v128Locals`, then `i64Locals`
 * locals, `code` its body (ending with END), exported as `exportName`.
 */
export function oneFunctionModule(exportName: string, params: number, i32Locals: number, v128Locals: number, code: number[], i64Locals = 0): Uint8Array {
  const fn: number[] = [];
  uleb(i64Locals > 0 ? 3 : 2, fn);
  uleb(i32Locals, fn);
  fn.push(I32);
  uleb(v128Locals, fn);
  fn.push(V128);
  if (i64Locals > 0) {
    uleb(i64Locals, fn);
    fn.push(I64);
  }
  fn.push(...code);
  const body: number[] = [];
  uleb(fn.length, body);
  body.push(...fn);
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  section(1, [1, 0x60, params, ...new Array<number>(params).fill(I32), 1, I32], out);
  const imp: number[] = [1];
  name('env', imp);
  name('mem', imp);
  imp.push(0x02, 0x00, 1);
  section(2, imp, out);
  section(3, [1, 0], out);
  const exp: number[] = [1];
  name(exportName, exp);
  exp.push(0x00, 0);
  section(7, exp, out);
  section(10, [1, ...body], out);
  return new Uint8Array(out);
}

const built = new Map<(base: number) => Uint8Array, Map<number, WasmModule | null>>();

/**
 * The module `build(base)` makes, compiled optimised once per builder and
 * base address; null where WebAssembly (or its SIMD) is missing.
 */
export function moduleAt(build: (base: number) => Uint8Array, base: number): WasmModule | null {
  let cache = built.get(build);
  if (cache === undefined) built.set(build, (cache = new Map()));
  let m = cache.get(base);
  if (m !== undefined) return m;
  m = null;
  try {
    const bytes = build(base);
    if (WA && WA.validate(bytes)) m = compileOptimised(bytes);
  } catch {
    m = null;
  }
  cache.set(base, m);
  return m;
}
