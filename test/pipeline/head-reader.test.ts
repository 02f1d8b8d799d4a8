// The head reader (WebAssembly) reads a skipped line's head for the coverage
// report; wherever it answers it must give what the JavaScript reader gives,
// and it must decline every shape it does not know.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateCluster } from '../../bench/generate/index.js';
import { DETECTOR_IDS } from '../../src/detectors/detector-set.js';
import { eventTime } from '../../src/event/time.js';
import type { AuditEvent } from '../../src/event/types.js';
import { COUNTED, HEAD_SLOTS, MISS, SAMPLE } from '../../src/pipeline/head-reader.js';
import { FACT, LAZY, LineClassifier, NODE, SKIP } from '../../src/pipeline/line-classifier.js';
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
    out.push(kind === SKIP || kind === LAZY || kind === NODE ? { kind, level: c.level, verb: c.verb, resource: c.resource, subresource: c.subresource, sec: c.sec } : { kind });
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
  ['no fraction', (l) => l.replace(/("requestReceivedTimestamp":"[^"]{19})\.\d+Z"/, '$1Z"')],
  ['3-digit fraction', (l) => l.replace(/("requestReceivedTimestamp":"[^"]{19}\.\d{3})\d+Z"/, '$1Z"')],
  ['9-digit fraction', (l) => l.replace(/("requestReceivedTimestamp":"[^"]{19}\.\d+)Z"/, '$1123Z"')],
  ['month 13', (l) => l.replace(/("requestReceivedTimestamp":"\d{4}-)\d\d/, '$113')],
  ['February 30', (l) => l.replace(/("requestReceivedTimestamp":"\d{4}-)\d\d-\d\d/, '$102-30')],
  ['space for T', (l) => l.replace(/("requestReceivedTimestamp":"\d{4}-\d\d-\d\d)T/, '$1 ')],
  ['offset time', (l) => l.replace(/("requestReceivedTimestamp":"[^"]{19}\.\d+)Z"/, '$1+02:00"')],
  ['letter in fraction', (l) => l.replace(/("requestReceivedTimestamp":"[^"]{19}\.\d\d)\d/, '$1x')],
  // the event time is requestReceivedTimestamp's (eventTime): without one the line is parsed; stageTimestamp is not read
  ['no requestReceivedTimestamp', (l) => l.replace(/"requestReceivedTimestamp":"[^"]*",/, '')],
  ['stageTimestamp month 13', (l) => l.replace(/("stageTimestamp":"\d{4}-)\d\d/, '$113')],
  ['stageTimestamp hours later', (l) => l.replace(/("stageTimestamp":"[^"]{11})\d\d/, '$123')],
  ['escaped resource', (l) => l.replace(/"resource":"([a-z]+)"/, '"resource":"$1\\u0073"')],
  ['empty resource', (l) => l.replace(/"resource":"[a-z]+"/, '"resource":""')],
  ['non-ASCII resource', (l) => l.replace(/"resource":"[a-z]+"/, '"resource":"pödß"')],
  ['long resource', (l) => l.replace(/"resource":"[a-z]+"/, `"resource":"${'r'.repeat(130)}"`)],
  // the reader keeps a class as eight-byte words (verb 2, resource 4, subresource 3): names at and across their ends
  ['empty verb', (l) => l.replace(/"verb":"[a-z]+"/, '"verb":""')],
  ['verb of 8, 9, 16 or 17 bytes', (l, r) => l.replace(/"verb":"[a-z]+"/, `"verb":"${'deletecollection!'.slice(0, [8, 9, 16, 17][Math.floor(r() * 4)])}"`)],
  ['resource of 7 to 9, 31 to 33 bytes', (l, r) => l.replace(/"resource":"[a-z]+"/, `"resource":"${'validatingadmissionpolicybindings'.slice(0, [7, 8, 9, 31, 32, 33][Math.floor(r() * 6)])}"`)],
  ['resource one byte apart', (l, r) => l.replace(/"resource":"([a-z]+)"/, (_m, x: string) => `"resource":"${x.slice(0, -1)}${'xyz'[Math.floor(r() * 3)]}"`)],
  ['subresource of 8, 23, 24 or 25 bytes', (l, r) => l.replace(/("objectRef":\{[^}]*)\}/, `$1,"subresource":"${'ephemeralcontainersxyzzyq'.slice(0, [8, 23, 24, 25][Math.floor(r() * 4)])}"}`)],
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
  // objectRef's usual keys are compared whole, eight bytes at a time: keys that share their first or last eight bytes
  ['key like a usual one', (l, r) => l.replace(/("objectRef":\{"resource":"[a-z]+")/, `$1,"${['names', 'namespaces', 'nam', 'uidx', 'ui', 'apiGroups', 'apiVersio', 'resourceVersions', 'subresources', 'subresourc', 'xsubresource', 'resourc'][Math.floor(r() * 12)]}":"v"`)],
  ['usual key, value not a string', (l, r) => l.replace(/("objectRef":\{"resource":"[a-z]+")/, `$1,"${['namespace', 'name', 'uid', 'subresource'][Math.floor(r() * 4)]}":${['1', 'null', '"a\\"b"', '""'][Math.floor(r() * 4)]}`)],
  ['subresource then resourceVersion', (l) => l.replace(/("objectRef":\{[^}]*)\}/, '$1,"subresource":"scale","resourceVersion":"7"}')],
  ['random byte', (l, r) => {
    const at = l.indexOf('"verb"') + Math.floor(r() * (l.length - l.indexOf('"verb"')));
    const ch = '"\\}{,:a0Z.T-'[Math.floor(r() * 13)]!;
    return l.slice(0, at) + ch + l.slice(at + 1);
  }],
];

test('the head reader reads the common form, keeps classes, and declines the rest', { skip: NO_HEADS }, () => {
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
    return r.head(h.inputAddress + lv, h.inputAddress + lvEnd, at('"verb":"') + 8, h.inputAddress + line.length, obj ? at('"objectRef":{') : -1, 0);
  };
  const first = run(LINE);
  assert.ok(first >= 0 && (first & MISS) !== 0, 'a new class');
  assert.equal((first >> 8) & 3, 0, 'Metadata');
  const mem = Buffer.from(h.buffer);
  const p = r.positions();
  const base = h.inputAddress;
  assert.deepEqual([0, 2, 4].map((i) => mem.toString('latin1', p[i]!, p[i + 1]!)), ['get', 'pods', 'log']);
  assert.equal(p[0]! - base, LINE.indexOf('"verb":"') + 8);
  const again = run(LINE);
  assert.equal(again, first & 255, 'the same class: the slot alone');
  assert.equal(run(LINE.replace('T08:00:00.000001Z', 'T08:00:01.000001Z')), first & 255, 'the time is not the reader\'s business');
  assert.ok((run(LINE.replace(',"subresource":"log"', '')) & MISS) !== 0, 'get pods without a subresource is another class');
  assert.ok(run(LINE, false) >= 0, 'no objectRef: a non-resource request');
  assert.equal(run(LINE.replace('"level":"Metadata"', '"level":"Meta"')), -1);
  assert.equal(run(LINE.replace('"verb":"get"', '"verb":"g\\u0065t"')), -1);
  assert.equal(run(LINE.replace('"resource":"pods"', '"resource":"po\\"ds"')), -1);
  // objectRef read to its end: the subresource anywhere after the resource, but the resource first and every key once
  assert.equal(run(LINE.replace('"apiVersion":"v1","subresource":"log"}', '"subresource":"log","apiVersion":"v1"}')) & 255, first & 255);
  assert.equal(run(LINE.replace('{"resource":"pods","namespace":"x"', '{"namespace":"x","resource":"pods"')), -1);
  assert.equal(run(LINE.replace('"name":"p"', '"name":"p","resource":"secrets"')), -1);
  assert.equal(run(LINE.replace('"name":"p"', '"name":"p","subresource":"exec"')), -1);
  assert.equal(run(LINE.replace('"name":"p"', '"name":"p\\"q"')), -1);
  assert.equal(run(LINE.replace('"name":"p"', '"name":1')), -1);
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
      const ev = parsed as AuditEvent & { verb: string };
      // the event time the engine uses (requestReceivedTimestamp, else stageTimestamp), to the second
      const sec = Math.floor(eventTime(ev) / 1000);
      assert.deepEqual([h.verb, h.resource, h.subresource, h.sec], [ev.verb, ev.objectRef?.resource ?? '', ev.objectRef?.subresource ?? '', sec], `line ${i % lines.length} (${i < lines.length ? 'WebAssembly' : 'JavaScript'}): ${lines[i % lines.length]!.slice(0, 400)}`);
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

test('counting: a slot counts its lines once the caller has sampled its first ones; credential-bearing lines with a body go to the caller, and one in 1,024 is drawn for the sample', { skip: NO_HEADS }, () => {
  const s = literalSearch([{ text: '"verb"', caseInsensitive: false }]);
  const h = s.heads!()!;
  const r = h.reader;
  r.reset({});
  const run = (line: string, count = 1): number => {
    const input = s.input(line.length);
    input.set(Buffer.from(line));
    const at = (k: string) => h.inputAddress + line.indexOf(k);
    const lv = line.indexOf('"level":"') + 9;
    return r.head(h.inputAddress + lv, h.inputAddress + line.indexOf('"', lv), at('"verb":"') + 8, h.inputAddress + line.length, at('"objectRef":{'), count);
  };
  const first = run(LINE);
  const slot = first & 255;
  assert.ok((first & MISS) !== 0 && (first & (COUNTED | SAMPLE)) === 0, 'a new class is for the caller: neither counted nor sampled');
  const counts = r.counts();
  // the caller still samples the class's first lines: each goes to it, uncounted, for it to decide
  r.setSlot(slot, 3, false);
  assert.equal(run(LINE), slot);
  assert.equal(run(LINE), slot, 'until the caller says otherwise');
  assert.equal(counts[slot], 0);
  r.setSlot(slot, 0, false);
  // then lines are counted, except one in 1,024 at random, sampled
  let counted = 0;
  let sampled = 0;
  const later = LINE.replace('T08:00:00.000001Z', 'T08:00:01.000001Z');
  for (let i = 0; i < 50_000; i++) {
    const x = run(later);
    if (x === (slot | COUNTED)) counted++;
    else if (x === (slot | SAMPLE)) sampled++;
    else assert.fail(`unexpected answer ${x}`);
  }
  assert.equal(counts[slot], counted, 'every counted line is in its slot');
  assert.ok(sampled > 20 && sampled < 100, `${sampled} of 50,000 sampled (one in 1,024 is about 49)`);
  // without `count` (a line the scan parses), nothing is counted or sampled
  assert.equal(run(later, 0), slot);
  assert.equal(counts[slot], counted);
  // a class that may hold credentials: its lines with a body are sampled, its Metadata lines counted
  r.setSlot(slot, 0, true);
  const before = counts[slot]!;
  let meta = 0;
  for (let i = 0; i < 200; i++) if (run(later) & COUNTED) meta++;
  assert.ok(meta > 190, 'Metadata lines of a credential-bearing class are counted');
  assert.equal(counts[slot], before + meta);
  const stillBefore = counts[slot]!;
  for (const level of ['Request', 'RequestResponse']) assert.equal(run(later.replace('"level":"Metadata"', `"level":"${level}"`)) & (COUNTED | SAMPLE), 0, `${level}: the caller's`);
  assert.equal(counts[slot], stillBefore, 'lines with a body are not counted');
  assert.equal(run(later.replace('"level":"Metadata"', '"level":"None"')) & (COUNTED | SAMPLE), COUNTED, 'None: no body');
  // a reset forgets the counts
  r.reset({});
  assert.equal(r.counts()[slot], 0);
});

test('counted heads add up: every skipped line is counted once, in its class, with slots replaced and sampled lines handed to JavaScript', { skip: NO_HEADS }, () => {
  const p = plan(true);
  const gen = [...generateCluster({ events: 6000, seed: 5 }).lines()];
  // more classes than slots, and their lines again: replaced slots hand their counts over before they change
  const extra: string[] = [];
  for (let i = 0; i < 3000; i++) extra.push(gen[i]!.replace(/"resource":"[a-z]+"/, `"resource":"r${(i * 7919) % 400}"`));
  const lines = [...gen, ...extra, ...extra.slice(0, 1500)];
  const s = literalSearch(p.literals, undefined);
  const c = new LineClassifier(p);
  c.lazyOn = true;
  const inReader = new Map<string, number>();
  c.headCounting((verb, resource, subresource, n) => {
    const k = `${verb} ${resource} ${subresource}`;
    inReader.set(k, (inReader.get(k) ?? 0) + n);
  });
  const bytes = Buffer.from(lines.join('\n'));
  const input = s.input(bytes.length);
  input.set(bytes);
  c.setSearchedBlock(0, input, s);
  const buf = Buffer.from(input.buffer, input.byteOffset, bytes.length);
  // what a collector does with the lines it is handed: counts them, and samples each class's first 64
  const inJs = new Map<string, number>();
  const want = new Map<string, number>();
  let at = 0;
  let skipped = 0;
  let byReader = 0;
  // the event seconds the collector records: those of the lines handed to it
  const recorded = new Set<number>();
  for (const l of lines) {
    const e = at + Buffer.byteLength(l);
    const kind = c.classify(buf, at, e, at);
    if (kind === SKIP || kind === LAZY || kind === NODE || kind === FACT) {
      skipped++;
      const ev = JSON.parse(l) as { verb: string; objectRef?: { resource?: string; subresource?: string }; requestReceivedTimestamp: string };
      const k = `${ev.verb} ${ev.objectRef?.resource ?? ''} ${ev.objectRef?.subresource ?? ''}`;
      want.set(k, (want.get(k) ?? 0) + 1);
      const sec = Math.floor(Date.parse(ev.requestReceivedTimestamp) / 1000);
      assert.equal(c.sec, sec, 'the line\'s event second');
      if (c.headCounted) {
        byReader++;
        // a line counted in the reader must be of a second the collector has already recorded
        assert.ok(recorded.has(sec), `line ${at}: counted in the reader, its second ${sec} never recorded`);
      } else {
        recorded.add(sec);
        const key = `${c.verb} ${c.resource} ${c.subresource}`;
        assert.equal(key, k, 'the head handed to JavaScript is the line\'s');
        const seen = (inJs.get(key) ?? 0) + (inReader.get(key) ?? 0) + 1;
        inJs.set(key, (inJs.get(key) ?? 0) + 1);
        c.setHeadSlot(64 - seen, false);
      }
    }
    at = e + 1;
  }
  c.foldHeads();
  const got = new Map(inJs);
  for (const [k, n] of inReader) got.set(k, (got.get(k) ?? 0) + n);
  assert.deepEqual(new Map([...got].sort()), new Map([...want].sort()));
  assert.ok(skipped > lines.length / 2, `${skipped} skipped lines`);
  assert.ok(byReader > skipped / 3, `${byReader} of ${skipped} counted by the reader`);
  assert.ok(want.size > HEAD_SLOTS, `${want.size} classes, more than the reader's ${HEAD_SLOTS} slots`);
});
