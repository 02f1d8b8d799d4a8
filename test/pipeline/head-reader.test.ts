// The head reader (WebAssembly) reads a skipped line's head for the coverage
// report; wherever it answers it must give what the JavaScript reader gives,
// and it must decline every shape it does not know.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateCluster } from '../../bench/generate/index.js';
import { DETECTOR_IDS } from '../../src/detectors/detector-set.js';
import { MISS, NEW_SECOND } from '../../src/pipeline/head-reader.js';
import { LAZY, LineClassifier, NODE, SKIP } from '../../src/pipeline/line-classifier.js';
import { literalSearch, simdAvailable, type LiteralSearch } from '../../src/pipeline/literal-search.js';
import { planPrefilter, type PrefilterPlan } from '../../src/pipeline/prefilter.js';
import { loadRuleSet } from '../../src/ruleset/load.js';

const NO_HEADS = !simdAvailable() || process.env.TOKENWATCH_NO_SIMD === '1' ? 'no WebAssembly SIMD here' : false;

const LINE =
  '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/x/pods/p/log","verb":"get","user":{"username":"u"},"sourceIPs":["1.2.3.4"],"objectRef":{"resource":"pods","namespace":"x","name":"p","apiVersion":"v1","subresource":"log"},"responseStatus":{"code":200},"requestReceivedTimestamp":"2026-03-02T08:00:00.000001Z","stageTimestamp":"2026-03-02T08:00:00.000002Z"}';

function plan(detectors: boolean): PrefilterPlan {
  const set = loadRuleSet({ builtin: true, config: {}, detectorIds: DETECTOR_IDS });
  const p = planPrefilter(set.rules, { detectors, coverage: true });
  assert.ok('plan' in p);
  return p.plan;
}

interface Head {
  kind: number;
  level?: string;
  verb?: string;
  resource?: string;
  subresource?: string;
  sec?: number;
  time?: string;
}

/** Classifies `lines` as one block, heads read by the head reader (wasm) or in JavaScript. */
function classifyAll(c: LineClassifier, s: LiteralSearch, lines: string[], wasm: boolean): Head[] {
  const bytes = Buffer.from(lines.join('\n'));
  const input = s.input(bytes.length);
  input.set(bytes);
  c.setLazyBlock(0, input, (a, b) => s.runRange(a, b), (a, b) => s.backslashes(a, b), { heads: wasm ? (s.heads?.() ?? undefined) : undefined });
  const buf = Buffer.from(input.buffer, input.byteOffset, bytes.length);
  const out: Head[] = [];
  let p = 0;
  for (const l of lines) {
    const e = p + Buffer.byteLength(l);
    const kind = c.classify(buf, p, e, p);
    out.push(kind === SKIP || kind === LAZY || kind === NODE ? { kind, level: c.level, verb: c.verb, resource: c.resource, subresource: c.subresource, sec: c.sec, time: c.time } : { kind });
    p = e + 1;
  }
  return out;
}

/** A deterministic generator (the tests must fail the same way every time). */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/** Edits aimed at what the head reader reads: each gives a line it must decline, or read exactly. */
const EDITS: [string, (l: string, r: () => number) => string][] = [
  ['escaped verb', (l) => l.replace(/"verb":"([a-z]+)"/, '"verb":"$1\\"x"')],
  ['long verb', (l) => l.replace(/"verb":"[a-z]+"/, `"verb":"${'v'.repeat(70)}"`)],
  ['odd verb', (l) => l.replace(/"verb":"[a-z]+"/, '"verb":"GET"')],
  ['non-ASCII verb', (l) => l.replace(/"verb":"[a-z]+"/, '"verb":"lésen"')],
  ['level Metadat', (l) => l.replace(/"level":"[A-Za-z]+"/, '"level":"Metadat"')],
  ['level None', (l) => l.replace(/"level":"[A-Za-z]+"/, '"level":"None"')],
  ['level RequestResponse', (l) => l.replace(/"level":"[A-Za-z]+"/, '"level":"RequestResponse"')],
  ['level Requests', (l) => l.replace(/"level":"[A-Za-z]+"/, '"level":"Requests"')],
  ['no fraction', (l) => l.replace(/("stageTimestamp":"[^"]{19})\.\d+Z"/, '$1Z"')],
  ['3-digit fraction', (l) => l.replace(/("stageTimestamp":"[^"]{19}\.\d{3})\d+Z"/, '$1Z"')],
  ['9-digit fraction', (l) => l.replace(/("stageTimestamp":"[^"]{19}\.\d+)Z"/, '$1123Z"')],
  ['month 13', (l) => l.replace(/("stageTimestamp":"\d{4}-)\d\d/, '$113')],
  ['February 30', (l) => l.replace(/("stageTimestamp":"\d{4}-)\d\d-\d\d/, '$102-30')],
  ['space for T', (l) => l.replace(/("stageTimestamp":"\d{4}-\d\d-\d\d)T/, '$1 ')],
  ['offset time', (l) => l.replace(/("stageTimestamp":"[^"]{19}\.\d+)Z"/, '$1+02:00"')],
  ['letter in fraction', (l) => l.replace(/("stageTimestamp":"[^"]{19}\.\d\d)\d/, '$1x')],
  ['escaped resource', (l) => l.replace(/"resource":"([a-z]+)"/, '"resource":"$1\\u0073"')],
  ['empty resource', (l) => l.replace(/"resource":"[a-z]+"/, '"resource":""')],
  ['non-ASCII resource', (l) => l.replace(/"resource":"[a-z]+"/, '"resource":"pödß"')],
  ['long resource', (l) => l.replace(/"resource":"[a-z]+"/, `"resource":"${'r'.repeat(130)}"`)],
  ['resource key not first', (l) => l.replace(/"objectRef":\{"resource":"([a-z]+)",/, '"objectRef":{"namespace":"n","resource":"$1",')],
  ['tab in a name', (l) => l.replace(/"objectRef":\{"resource":"([a-z]+)",/, '"objectRef":{"resource":"$1","name":"a\tb",')],
  ['long name', (l) => l.replace(/"objectRef":\{"resource":"([a-z]+)",/, `"objectRef":{"resource":"$1","name":"${'n'.repeat(47)}",`)],
  ['brace in a name', (l) => l.replace(/"objectRef":\{"resource":"([a-z]+)",/, '"objectRef":{"resource":"$1","name":"a}b",')],
  ['subresource in a name', (l) => l.replace(/"objectRef":\{"resource":"([a-z]+)",/, '"objectRef":{"resource":"$1","name":"a\\",\\"subresource\\":\\"x",')],
  ['subresource added', (l) => l.replace(/("objectRef":\{[^}]*)\}/, '$1,"subresource":"status"}')],
  ['subresource not last', (l) => l.replace(/("objectRef":\{"resource":"[a-z]+",)/, '$1"subresource":"status",')],
  ['no objectRef', (l) => l.replace(/,"objectRef":\{[^}]*\}/, '')],
  ['empty objectRef', (l) => l.replace(/,"objectRef":\{[^}]*\}/, ',"objectRef":{}')],
  ['repeated resource', (l) => l.replace(/("objectRef":\{[^}]*)\}/, '$1,"resource":"other"}')],
  ['repeated subresource', (l) => l.replace(/("objectRef":\{[^}]*)\}/, '$1,"subresource":"a","subresource":"b"}')],
  ['number in objectRef', (l) => l.replace(/("objectRef":\{[^}]*)\}/, '$1,"generation":1}')],
  ['a second objectRef in a body', (l) => l.replace(/\}$/, ',"requestObject":{"objectRef":{"resource":"nested"}}}')],
  ['random byte', (l, r) => {
    const at = l.indexOf('"verb"') + Math.floor(r() * (l.length - l.indexOf('"verb"')));
    const ch = '"\\}{,:a0Z.T-'[Math.floor(r() * 13)]!;
    return l.slice(0, at) + ch + l.slice(at + 1);
  }],
];

test('the head reader reads the common form, keeps classes and the last second, and declines the rest', { skip: NO_HEADS }, () => {
  const s = literalSearch([{ text: '"verb"', caseInsensitive: false }]);
  const h = s.heads!()!;
  assert.ok(h, 'a WebAssembly searcher has a head reader');
  const r = h.reader;
  r.reset({});
  const run = (line: string, obj = true): number => {
    const input = s.input(line.length);
    input.set(Buffer.from(line));
    const at = (k: string) => h.inputAddress + line.indexOf(k);
    const lv = line.indexOf('"level":"') + 9;
    const lvEnd = line.indexOf('"', lv);
    return r.head(h.inputAddress + lv, h.inputAddress + lvEnd, at('"verb":"') + 8, h.inputAddress + line.length, obj ? at('"objectRef":{') : -1, at('"stageTimestamp"'));
  };
  const first = run(LINE);
  assert.ok(first >= 0 && (first & MISS) !== 0 && (first & NEW_SECOND) !== 0, 'a new class and a new second');
  assert.equal((first >> 8) & 3, 0, 'Metadata');
  const mem = Buffer.from(h.buffer);
  const p = r.positions();
  const base = h.inputAddress;
  assert.deepEqual([0, 2, 4].map((i) => mem.toString('latin1', p[i]!, p[i + 1]!)), ['get', 'pods', 'log']);
  assert.equal(p[0]! - base, LINE.indexOf('"verb":"') + 8);
  const again = run(LINE);
  assert.equal(again, first & 255, 'the same class and second: the slot alone');
  const later = run(LINE.replace('T08:00:00.000002Z', 'T08:00:01.000002Z'));
  assert.equal(later, (first & 255) | NEW_SECOND);
  assert.ok((run(LINE.replace(',"subresource":"log"', '')) & MISS) !== 0, 'get pods without a subresource is another class');
  assert.ok(run(LINE, false) >= 0, 'no objectRef: a non-resource request');
  assert.equal(run(LINE.replace('"level":"Metadata"', '"level":"Meta"')), -1);
  assert.equal(run(LINE.replace('"verb":"get"', '"verb":"g\\u0065t"')), -1);
  assert.equal(run(LINE.replace('00:00.000002Z', '00:00Z')), -1);
  assert.equal(run(LINE.replace('"resource":"pods"', '"resource":"po\\"ds"')), -1);
  // objectRef read to its end: the subresource anywhere after the resource, but the resource first and every key once
  assert.equal(run(LINE.replace('"apiVersion":"v1","subresource":"log"}', '"subresource":"log","apiVersion":"v1"}')) & 255, first & 255);
  assert.equal(run(LINE.replace('{"resource":"pods","namespace":"x"', '{"namespace":"x","resource":"pods"')), -1);
  assert.equal(run(LINE.replace('"name":"p"', '"name":"p","resource":"secrets"')), -1);
  assert.equal(run(LINE.replace('"name":"p"', '"name":"p","subresource":"exec"')), -1);
  assert.equal(run(LINE.replace('"name":"p"', '"name":"p\\"q"')), -1);
  assert.equal(run(LINE.replace('"name":"p"', '"name":1')), -1);
  // a line declined after its second was read does not keep that second: the next line of it is a new second
  // (else the caller, which parses the second only at NEW_SECOND, would give that line the second before)
  const next = LINE.replace('T08:00:00.000002Z', 'T08:00:07.000002Z');
  assert.equal(run(next.replace('"name":"p"', '"name":"p","resource":"secrets"')), -1);
  assert.ok((run(next) & NEW_SECOND) !== 0, 'the second of a declined line is not kept');
  // a second the pattern admits but no calendar has: reported new, and forgotten on request
  const bad = LINE.replace('2026-03-02T08:00:00.000002Z', '2026-13-02T08:00:00.000002Z');
  assert.ok((run(bad) & NEW_SECOND) !== 0);
  assert.equal(run(bad) & NEW_SECOND, 0, 'kept until cleared');
  r.clearSecond();
  assert.ok((run(bad) & NEW_SECOND) !== 0);
});

for (const detectors of [false, true]) {
  test(`heads read in WebAssembly equal heads read in JavaScript, on generated and edited lines (detectors ${detectors ? 'on' : 'off'})`, { skip: NO_HEADS }, () => {
    const p = plan(detectors);
    const gen = [...generateCluster({ events: 6000, seed: 11, secretLevel: 'RequestResponse' }).lines()];
    const r = rng(7);
    const lines: string[] = [];
    const used = new Map<string, number>();
    for (const l of gen) {
      lines.push(l);
      if (r() < 0.5) {
        const [name, edit] = EDITS[Math.floor(r() * EDITS.length)]!;
        const x = edit(l, r);
        if (x !== l) {
          lines.push(x);
          used.set(name, (used.get(name) ?? 0) + 1);
        }
      }
    }
    // more classes than the reader has slots: replaced slots must still name the right class
    for (let i = 0; i < 900; i++) lines.push(gen[i]!.replace(/"resource":"[a-z]+"/, `"resource":"r${(i * 7919) % 600}"`));
    const wasm = new LineClassifier(p);
    const js = new LineClassifier(p);
    // preliminary stages held unread (LAZY) and nodes' requests (NODE) are skipped lines too
    wasm.lazyOn = js.lazyOn = detectors;
    const got = classifyAll(wasm, literalSearch(p.literals, undefined), lines, true);
    const want = classifyAll(js, literalSearch(p.literals, undefined), lines, false);
    assert.equal(js.wasmHeads, 0);
    for (let i = 0; i < lines.length; i++) assert.deepEqual(got[i], want[i], `line ${i}: ${lines[i]!.slice(0, 400)}`);
    // and both are exact: whatever a head says, the parser says too (class and event second)
    for (let i = 0; i < 2 * lines.length; i++) {
      const h = i < lines.length ? got[i]! : want[i - lines.length]!;
      if (h.verb === undefined) continue;
      // (a random edit can break the JSON elsewhere; the head reader never reads that far)
      let parsed: unknown;
      try {
        parsed = JSON.parse(lines[i % lines.length]!);
      } catch {
        continue;
      }
      const ev = parsed as { verb: string; objectRef?: { resource?: string; subresource?: string }; stageTimestamp: string };
      const sec = Math.floor(Date.parse(ev.stageTimestamp) / 1000);
      assert.deepEqual([h.verb, h.resource, h.subresource, Number.isNaN(h.sec!) ? h.time : h.sec], [ev.verb, ev.objectRef?.resource ?? '', ev.objectRef?.subresource ?? '', Number.isNaN(h.sec!) ? ev.stageTimestamp : sec], `line ${i % lines.length} (${i < lines.length ? 'WebAssembly' : 'JavaScript'}): ${lines[i % lines.length]!.slice(0, 400)}`);
    }
    const heads = want.filter((h) => h.verb !== undefined).length;
    assert.ok(heads > lines.length / 2, `${heads} heads of ${lines.length} lines`);
    assert.ok(wasm.wasmHeads > 0.8 * heads, `the head reader read ${wasm.wasmHeads} of ${heads} heads`);
    assert.ok(used.size >= EDITS.length - 2, `edits used: ${[...used.keys()].join(', ')}`);
  });
}

test('a classifier that changes searchers starts each head reader afresh', { skip: NO_HEADS }, () => {
  const p = plan(false);
  const gen = [...generateCluster({ events: 400, seed: 5 }).lines()];
  const a = literalSearch(p.literals, undefined);
  const b = literalSearch(p.literals, undefined);
  const c = new LineClassifier(p);
  const other = new LineClassifier(p);
  const ref = new LineClassifier(p);
  const parts = [gen.slice(0, 100), gen.slice(100, 200), gen.slice(200, 300), gen.slice(300)];
  const searchers = [a, b, a, a];
  parts.forEach((ls, i) => {
    // another classifier borrows reader a in between
    if (i === 3) classifyAll(other, a, gen.slice(0, 50).map((l) => l.replace(/"resource":"[a-z]+"/, '"resource":"borrowed"')), true);
    const got = classifyAll(c, searchers[i]!, ls, true);
    const want = classifyAll(ref, literalSearch(p.literals, undefined), ls, false);
    assert.deepEqual(got, want, `part ${i}`);
  });
  assert.ok(c.wasmHeads > 300);
});
