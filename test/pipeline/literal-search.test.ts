import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateCluster } from '../../bench/generate/index.js';
import { JsSearch, layoutWork, literalSearch, searchLayout, simdAvailable, simdKernel, type SearchLiteral, type Shuffle } from '../../src/pipeline/literal-search.js';
import { planPrefilter } from '../../src/pipeline/prefilter.js';
import { loadRuleSet } from '../../src/ruleset/load.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
}

function both(lits: SearchLiteral[], data: Uint8Array, from = 0, to = data.length, shuffle?: Shuffle) {
  const a = literalSearch(lits, data, undefined, shuffle);
  const b = new JsSearch(lits);
  a.input(data.length).set(data);
  b.input(data.length).set(data);
  return [Array.from(a.runRange(from, to)), Array.from(b.runRange(from, to))];
}

test('the SIMD kernel is available on this Node, with the relaxed shuffle (Node 20 through its flag)', () => {
  assert.equal(simdAvailable(), true);
  assert.equal(simdKernel(), 'relaxed');
});

test('both shuffles find exactly what indexOf finds', () => {
  const r = rng(11);
  const alpha = 'aAbBsSeE"{}: \\kK\x80\xff';
  for (let t = 0; t < 100; t++) {
    const lits: SearchLiteral[] = [];
    for (let i = 0, n = 1 + Math.floor(r() * 30); i < n; i++) {
      let s = '';
      for (let k = 0, len = 1 + Math.floor(r() * 6); k < len; k++) s += 'aAbBsSeE"{}: kK'[Math.floor(r() * 15)];
      const ci = r() < 0.5;
      lits.push({ text: ci ? s.toLowerCase() : s, caseInsensitive: ci });
    }
    const data = new Uint8Array(Math.floor(r() * 3000));
    for (let i = 0; i < data.length; i++) data[i] = alpha.charCodeAt(Math.floor(r() * alpha.length)) & 0xff;
    for (const shuffle of ['relaxed', 'strict'] as const) {
      const [a, b] = both(lits, data, 0, data.length, shuffle);
      assert.deepEqual(a, b, `${shuffle} ${JSON.stringify(lits)}`);
    }
  }
});

test('finds exactly what indexOf finds: random literals, case-sensitive or not, on random text', () => {
  const r = rng(7);
  const alpha = 'aAbBsSeE"{}: \\kK';
  for (let t = 0; t < 400; t++) {
    const lits: SearchLiteral[] = [];
    const n = 1 + Math.floor(r() * 20);
    for (let i = 0; i < n; i++) {
      let s = '';
      for (let k = 0, len = 1 + Math.floor(r() * 7); k < len; k++) s += alpha[Math.floor(r() * alpha.length)];
      const ci = r() < 0.5;
      lits.push({ text: ci ? s.toLowerCase() : s, caseInsensitive: ci });
    }
    const data = new Uint8Array(Math.floor(r() * 4000));
    for (let i = 0; i < data.length; i++) data[i] = alpha.charCodeAt(Math.floor(r() * alpha.length));
    const [a, b] = both(lits, data);
    assert.deepEqual(a, b, JSON.stringify(lits));
    // and the backslashes
    const w = literalSearch(lits, data);
    const j = new JsSearch(lits);
    w.input(data.length).set(data);
    j.input(data.length).set(data);
    const from = Math.floor(r() * data.length);
    assert.deepEqual(Array.from(w.backslashes(from, data.length)), Array.from(j.backslashes(from, data.length)));
    // and on a part of it, positions relative to its start
    const from2 = Math.floor(r() * data.length);
    const [c, d] = both(lits, data, from2, from2 + Math.floor(r() * (data.length - from2)));
    assert.deepEqual(c, d);
  }
});

test('case folding is ASCII only, like the Sigma matcher', () => {
  const lits = [{ text: 'kube', caseInsensitive: true }, { text: 'Kube', caseInsensitive: false }];
  const data = Buffer.from('KUBE kube \u212aube Kube');
  const [a, b] = both(lits, data);
  assert.deepEqual(a, b);
  const starts = a.map((v) => [v >>> 6, v & 63]);
  assert.deepEqual(starts, [[0, 0], [5, 0], [17, 0], [17, 1]]); // the Kelvin sign (3 bytes) is not a k
});

test('many matches, many literals: nothing lost when the output fills', () => {
  const lits: SearchLiteral[] = [];
  for (let i = 0; i < 64; i++) lits.push({ text: i % 2 ? 'a' : 'aa', caseInsensitive: i % 3 === 0 });
  const data = new Uint8Array(4_000).fill(0x61);
  const a = literalSearch(lits, data);
  const b = new JsSearch(lits);
  a.input(data.length).set(data);
  b.input(data.length).set(data);
  const ra = a.run(data.length);
  const rb = b.run(data.length);
  assert.equal(ra.length, 64 * 4000 - 32);
  assert.ok(Buffer.from(ra.buffer, ra.byteOffset, ra.byteLength).equals(Buffer.from(rb.buffer, rb.byteOffset, rb.byteLength)));
});

test('rejects literals it cannot search', () => {
  assert.throws(() => literalSearch([{ text: 'é', caseInsensitive: false }]), /not ASCII/);
  assert.throws(() => literalSearch([{ text: 'Abc', caseInsensitive: true }]), /lowercase/);
  assert.throws(() => literalSearch([{ text: '', caseInsensitive: false }]), /empty/);
});

test('with a sampled layout (the planner refines it from the sample) it still finds exactly what indexOf finds', () => {
  const r = rng(23);
  const words = ['"auditID"', '"stage"', '"verb"', '"objectRef":{', 'secrets', 'token', '"user":{', 'system:', '\\u0026', 'Bearer'];
  for (let t = 0; t < 20; t++) {
    const lits: SearchLiteral[] = [];
    for (let i = 0, n = 8 + Math.floor(r() * 40); i < n; i++) {
      const w = words[Math.floor(r() * words.length)]!;
      const cut = Math.floor(r() * (w.length - 1));
      const ci = r() < 0.3;
      const text = w.slice(cut, cut + 2 + Math.floor(r() * 10));
      lits.push({ text: ci ? text.toLowerCase() : text, caseInsensitive: ci });
    }
    // over 4 KiB: the planner counts the sample's trigrams and refines its layout (below that it guesses)
    let s = '';
    while (s.length < 20000) s += words[Math.floor(r() * words.length)]! + (r() < 0.1 ? '\n' : ',');
    const data = Buffer.from(s);
    const [a, b] = both(lits, data);
    assert.deepEqual(a, b, JSON.stringify(lits));
  }
});

test('the refined layout (as planned for a large input) gives the kernel fewer candidates than the greedy one on audit lines, and a candidate checks little more than the literals found', () => {
  const lines: string[] = [];
  for (const l of generateCluster({ seed: 5, events: 3000 })) lines.push(l.line);
  const bytes = Buffer.from(lines.join('\n'));
  const sample = bytes.subarray(0, 1 << 18);
  const rules = loadRuleSet({ builtin: true, tests: false }).rules;
  for (const o of [{ detectors: false }, { detectors: true, coverage: true }]) {
    const p = planPrefilter(rules, o);
    assert.ok('plan' in p);
    const lits = p.plan.literals;
    const js = new JsSearch(lits);
    js.input(bytes.length).set(bytes);
    const found = js.run(bytes.length).length;
    const greedy = layoutWork(lits, searchLayout(lits, sample, { refine: false }), bytes);
    const refined = layoutWork(lits, searchLayout(lits, sample, { bytes: 1 << 30 }), bytes);
    // (this machine: 19,465 against 24,745 candidates without the detectors; 33,704 against 99,588 with them and the report)
    assert.ok(refined.candidates < 0.85 * greedy.candidates, `${JSON.stringify(o)}: refined ${refined.candidates} vs greedy ${greedy.candidates} candidates`);
    // every literal found is checked once; the fingerprints' hash keeps the rest few: literals that differ only in
    // case, "verb" and "Verb", hash alike (1.53 and 1.29 checks per literal found here; checking every literal of a
    // candidate's buckets, the kernel made about six)
    assert.ok(refined.checks >= found && refined.checks < 2 * found, `${JSON.stringify(o)}: ${refined.checks} checks for ${found} literals found`);
  }
});
