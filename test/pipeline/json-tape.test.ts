// The JSON tokenizer (src/pipeline/json-tape.ts): it must call a line JSON
// exactly when JSON.parse does (RFC 8259's grammar, as V8 implements it), its
// tape must rebuild the value JSON.parse makes, and the WebAssembly tokenizer
// must write the same tape as the JavaScript one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateCluster } from '../../bench/generate/index.js';
import { jsTape, TAPE_TOKENS, T_ARR, T_FALSE, T_NULL, T_NUM, T_OBJ, T_STR, T_STR_ESC, T_TRUE } from '../../src/pipeline/json-tape.js';
import { literalSearch, simdAvailable } from '../../src/pipeline/literal-search.js';
import { rng } from '../helpers.js';

const NO_SIMD = !simdAvailable() || process.env.TOKENWATCH_NO_SIMD === '1' ? 'no WebAssembly SIMD here' : false;

const EDGE = [
  '{}', '[]', '{"a":1}', '{"a":[]}', '[1,2,3]', '"x"', '0', '-0', '1e5', '1E+5', '1e-5', '-1.5e10', '01', '1.', '.5', '-', '--1', '1e', '1e+', '+1', '0x10',
  'true', 'false', 'null', 'tru', 'nulll', 'True', '{"a":tru}', '{"a":true }', ' {"a" : [ 1 , 2 ] } ', '{"a":1,}', '[1,]', '{,}', '[,1]', '{"a"}', '{"a":}', '{"a"::1}', '{"a":1 "b":2}',
  '{1:2}', '{"a":1}}', '[[[]]]', '[[[]]', '"\\u00e9"', '"\\u00G0"', '"\\x"', '"\\/"', '"a\\"b"', '"a\\\\"', '"a\\\\\\"b"', '"\t"', '"\u0001"', '"abc', '{"a":"b\\', '"\\u12"',
  '{"a":{"b":{"c":[{"d":null}]}}}', '["a","b",{"c":false}]', '{"":""}', '[1e999]', '{"a":-}', '{"a":0.0e0}', '\n{}\r', '{}{}', '{} []',
];

function mutate(line: string, r: () => number): string {
  const ALPHABET = '{}[]:,"\\ 0123456789eE.+-tfnul\t\u0001ab';
  const i = Math.floor(r() * line.length);
  const x = r();
  if (x < 0.35) return line.slice(0, i) + line.slice(i + 1);
  if (x < 0.7) return line.slice(0, i) + ALPHABET[Math.floor(r() * ALPHABET.length)]! + line.slice(i);
  if (x < 0.85) return line.slice(0, i) + ALPHABET[Math.floor(r() * ALPHABET.length)]! + line.slice(i + 1);
  const j = Math.min(line.length, i + 1 + Math.floor(r() * 20));
  return line.slice(0, j) + line.slice(i, j) + line.slice(j);
}

function corpus(): string[] {
  const r = rng(5);
  const lines: string[] = [...EDGE];
  for (const l of generateCluster({ seed: 9, events: 400, eventsPerSecond: 20, tokenRequestLevel: 'RequestResponse', secretLevel: 'RequestResponse' })) {
    lines.push(l.line);
    let m = l.line;
    for (let k = 0; k < 3; k++) {
      m = mutate(m, r);
      lines.push(m);
    }
  }
  for (const e of EDGE) for (let k = 0; k < 20; k++) lines.push(mutate(`{"k":[${e},${e}],"z":${e}}`, r));
  return lines;
}

function parses(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

/** The value the tape describes, rebuilt from it and the line's bytes. */
function rebuild(buf: Buffer, w: Uint32Array, n: number): unknown {
  const text = (a: number, b: number) => buf.toString('utf8', a, b);
  const value = (t: number): [unknown, number] => {
    const type = w[2 * t]! & 7;
    const p = w[2 * t]! >>> 3;
    const w1 = w[2 * t + 1]!;
    switch (type) {
      case T_STR:
      case T_STR_ESC:
        assert.equal(type === T_STR_ESC, text(p + 1, w1).includes('\\'), 'the escape mark');
        return [JSON.parse(text(p, w1 + 1)), t + 1];
      case T_NUM:
        return [Number(text(p, w1)), t + 1];
      case T_TRUE:
        return [true, t + 1];
      case T_FALSE:
        return [false, t + 1];
      case T_NULL:
        return [null, t + 1];
      case T_ARR: {
        const out: unknown[] = [];
        let i = t + 1;
        while (i < w1) {
          const [v, next] = value(i);
          out.push(v);
          i = next;
        }
        assert.equal(i, w1, 'an array ends where its token says');
        return [out, w1];
      }
      case T_OBJ: {
        const out: Record<string, unknown> = {};
        let i = t + 1;
        while (i < w1) {
          const [k] = value(i);
          const [v, next] = value(i + 1);
          Object.defineProperty(out, k as string, { value: v, enumerable: true, writable: true, configurable: true });
          i = next;
        }
        assert.equal(i, w1, 'an object ends where its token says');
        return [out, w1];
      }
    }
    throw new Error(`no type ${type}`);
  };
  const [v, end] = value(0);
  assert.equal(end, n, 'the first value is the whole tape');
  return v;
}

test('the tape says JSON exactly when JSON.parse does, and rebuilds its value (RFC 8259, V8)', () => {
  const words = new Uint32Array(2 * TAPE_TOKENS);
  let valid = 0;
  let invalid = 0;
  for (const line of corpus()) {
    const buf = Buffer.from(line);
    const n = jsTape(buf, 0, buf.length, words);
    const ok = parses(line);
    assert.equal(n >= 0, ok, `tape ${n} but JSON.parse ${ok ? 'accepts' : 'refuses'}: ${JSON.stringify(line)}`);
    if (n < 0) {
      invalid++;
      continue;
    }
    valid++;
    assert.deepEqual(rebuild(buf, words, n), JSON.parse(line), `rebuilt value differs: ${line}`);
  }
  assert.ok(valid > 600 && invalid > 600, `both kinds tried (${valid} valid, ${invalid} not)`);
});

test('too deep or too many tokens: no tape (the line is parsed instead)', () => {
  const words = new Uint32Array(2 * TAPE_TOKENS);
  const deep = '['.repeat(65) + ']'.repeat(65);
  assert.equal(jsTape(Buffer.from(deep), 0, deep.length, words), -1);
  const ok = '['.repeat(64) + ']'.repeat(64);
  assert.equal(jsTape(Buffer.from(ok), 0, ok.length, words), 64);
  const many = `[${'1,'.repeat(TAPE_TOKENS)}1]`;
  assert.equal(jsTape(Buffer.from(many), 0, many.length, words), -1);
});

test('the WebAssembly tokenizer writes the JavaScript tokenizer\'s tapes', { skip: NO_SIMD }, () => {
  const search = literalSearch([{ text: '"verb"', caseInsensitive: false }], Buffer.alloc(0));
  const tapes = search.tapes?.();
  assert.ok(tapes, 'a tokenizer in the searcher');
  const words = new Uint32Array(2 * TAPE_TOKENS);
  const lines = corpus();
  lines.push('['.repeat(65) + ']'.repeat(65), '['.repeat(64) + ']'.repeat(64), `[${'1,'.repeat(TAPE_TOKENS)}1]`, `{"a":"${'x'.repeat(100)}\\n${'y'.repeat(37)}"}`);
  let compared = 0;
  for (const line of lines) {
    const buf = Buffer.from(line);
    // the line inside a block, a next line after it, as the scan has it
    const block = Buffer.concat([Buffer.from('{"prev":1}\n'), buf, Buffer.from('\n{"next":"\\"}')]);
    const input = search.input(block.length);
    input.set(block);
    const at = tapes.inputAddress + 11;
    const want = jsTape(buf, 0, buf.length, words);
    const got = tapes.reader.tape(at, at + buf.length);
    assert.equal(got, want, `token count: ${JSON.stringify(line)}`);
    if (want > 0) assert.deepEqual(Array.from(tapes.reader.words().subarray(0, 2 * want)), Array.from(words.subarray(0, 2 * want)), `tape: ${line}`);
    compared++;
  }
  assert.ok(compared > 1000);
});
