/**
 * Deterministic fuzzing of the format layer: nothing may throw, every input must produce at least one outcome
 * (an event, a rejection, or — for a record understood to hold nothing, like an empty envelope or a CloudWatch
 * CONTROL_MESSAGE — a skip), decoded events must have the promised types, and no rejection reason may quote a
 * value planted in the input. Seeded PRNG (mulberry32); a failure prints the seed and case number.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ADAPTERS, decodeRecord, decodeValue } from '../../src/formats/picker.js';
import { assertTypes, collector, CORPUS, FIXTURES } from './helpers.js';
import { rng as mulberry32 } from '../helpers.js';

const SEED = 0x7e57a11;
const MARKER = 'SeCrEt9MarkerZq'; // planted in string values; must never appear in a reason

const rnd = mulberry32(SEED);
const int = (n: number) => Math.floor(rnd() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;

type Outcome = { events: number; rejects: number; skips: number };

function check(what: string, run: (sink: ReturnType<typeof collector>['sink']) => void): Outcome {
  const c = collector();
  try {
    run(c.sink);
  } catch (e) {
    assert.fail(`${what}: threw ${e instanceof Error ? e.stack : String(e)}`);
  }
  assert.ok(c.events.length + c.rejects.length + c.skips.length >= 1, `${what}: no outcome at all`);
  for (const e of c.events) {
    const bad = assertTypes(e);
    assert.equal(bad, undefined, `${what}: decoded event with a bad "${bad}"`);
  }
  for (const r of [...c.rejects, ...c.skips]) {
    assert.equal(typeof r.reason, 'string');
    assert.ok(r.reason.length > 0 && r.reason.length < 400, `${what}: odd reason length`);
    assert.ok(!r.reason.includes(MARKER), `${what}: reason quotes a record value: ${r.reason}`);
    assert.equal(typeof r.place.line, 'number');
  }
  return { events: c.events.length, rejects: c.rejects.length, skips: c.skips.length };
}

const decodeText = (what: string, text: string, format?: string) =>
  check(what, (sink) => decodeRecord({ text, place: { file: 'fuzz', line: 1 } }, sink, format ? { format } : {}));

// --- seeds: every fixture and corpus document, parsed -------------------------------------------------------
function documents(): unknown[] {
  const out: unknown[] = [];
  const walk = (dir: string) => {
    for (const f of readdirSync(dir).sort()) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(json|ndjson|log)$/.test(f)) {
        const text = readFileSync(p, 'utf8').replace(/^\ufeff/, '');
        try {
          out.push(JSON.parse(text));
        } catch {
          for (const line of text.split('\n')) {
            try {
              out.push(JSON.parse(line.replace(/^\S+Z /, '')));
            } catch {
              /* truncated lines stay out of the seeds */
            }
          }
        }
      }
    }
  };
  walk(FIXTURES);
  for (const d of ['elastic-integrations', 'panther-analysis', 'stratus-red-team']) walk(join(CORPUS, d));
  return out.filter((v) => v !== null && typeof v === 'object');
}

const WRONG: (() => unknown)[] = [
  () => null,
  () => int(1e6) - 5e5,
  () => 1e308 * 10, // Infinity serialises as null
  () => -0.5,
  () => true,
  () => MARKER,
  () => `${MARKER}.${'x'.repeat(int(50))}`,
  () => [],
  () => [MARKER, 1, null],
  () => ({}),
  () => ({ [MARKER.toLowerCase()]: MARKER }),
  () => '',
  () => '{"kind":"Event","verb":',
  () => 'H4sIAAAAAAAAA',
  () => '2024-05-01T12:00:00.000Z {',
  () => 'skipped-too-big-size-object',
];

function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = [], depth = 0): (string | number)[][] {
  if (out.length > 400 || depth > 12) return out;
  if (Array.isArray(v)) v.slice(0, 8).forEach((x, i) => { out.push([...prefix, i]); paths(x, [...prefix, i], out, depth + 1); });
  else if (v && typeof v === 'object') for (const k of Object.keys(v).slice(0, 40)) { out.push([...prefix, k]); paths((v as Record<string, unknown>)[k], [...prefix, k], out, depth + 1); }
  return out;
}

function mutate(doc: unknown): unknown {
  const copy = structuredClone(doc) as Record<string, unknown>;
  const ps = paths(copy);
  const n = 1 + int(4);
  for (let i = 0; i < n && ps.length > 0; i++) {
    const p = pick(ps);
    let node: any = copy;
    for (const k of p.slice(0, -1)) node = node?.[k];
    if (node === null || typeof node !== 'object') continue;
    const last = p[p.length - 1]!;
    const r = rnd();
    if (r < 0.15 && !Array.isArray(node)) delete node[last];
    else if (r < 0.2) node[last] = typeof node[last] === 'string' ? (node[last] as string).slice(0, int((node[last] as string).length)) : node[last];
    else node[last] = pick(WRONG)();
  }
  return copy;
}

function randomJson(depth: number): unknown {
  const r = rnd();
  if (depth <= 0 || r < 0.3) return pick(WRONG)();
  if (r < 0.65) return Array.from({ length: int(4) }, () => randomJson(depth - 1));
  const o: Record<string, unknown> = {};
  const keys = ['kind', 'verb', 'user', 'objectRef', 'sourceIPs', 'responseStatus', 'records', 'logEvents', 'messageType', 'awslogs', 'data', 'events', 'message', 'category', 'properties', 'log', 'protoPayload', 'methodName', 'resourceName', 'kubernetes', 'audit', 'hits', '_source', 'entries', 'tables', 'columns', 'rows', 'Verb', 'Type', 'items', 'apiVersion', '__proto__', 'constructor'];
  for (let i = int(6); i > 0; i--) o[pick(keys)] = randomJson(depth - 1);
  if (rnd() < 0.3) o.kind = pick(['Event', 'EventList']);
  return o;
}

test('random bytes never throw and always yield an outcome', () => {
  for (let i = 0; i < 300; i++) {
    const len = int(3000);
    const bytes = Buffer.alloc(len);
    for (let k = 0; k < len; k++) bytes[k] = int(256);
    const prefix = pick(['', '{', '[', '2024-05-01T12:00:00.000Z ', '\ufeff', '{"awslogs":{"data":"']);
    decodeText(`bytes #${i}`, prefix + bytes.toString(pick(['utf8', 'latin1', 'base64'] as const)));
  }
});

test('random JSON with wrong types everywhere, for every adapter, detected and forced', () => {
  for (let i = 0; i < 400; i++) {
    const v = randomJson(5);
    const text = JSON.stringify(v) ?? 'null';
    decodeText(`json #${i}`, text);
    decodeText(`json #${i} forced`, text, pick(ADAPTERS).name);
  }
});

test('every known shape with fields replaced by wrong types, deleted or cut', () => {
  const docs = documents();
  assert.ok(docs.length > 50);
  let events = 0;
  for (let i = 0; i < 1500; i++) {
    const m = mutate(pick(docs));
    const text = JSON.stringify(m) ?? 'null';
    events += decodeText(`shape #${i}`, text).events;
    check(`shape #${i} value`, (sink) => decodeValue(JSON.parse(text), { place: { file: 'fuzz', line: 1 } }, sink));
    if (i % 5 === 0) {
      for (const a of ADAPTERS) decodeText(`shape #${i} forced ${a.name}`, text, a.name);
    }
  }
  assert.ok(events > 100, 'mutations should leave many events decodable');
});

test('base64 and gzip payloads with random and mutated contents', () => {
  const docs = documents();
  for (let i = 0; i < 200; i++) {
    const inner = rnd() < 0.5 ? JSON.stringify(mutate(pick(docs))) : Buffer.from(Array.from({ length: int(500) }, () => int(256))).toString('latin1');
    const buf = rnd() < 0.7 ? gzipSync(inner) : Buffer.from(inner);
    let data = buf.toString('base64');
    if (rnd() < 0.2) data = data.slice(0, int(data.length));
    const wrapper = pick([
      { awslogs: { data } },
      { requestId: 'r', timestamp: 1, records: [{ data }, { data: MARKER }] },
      { Records: [{ kinesis: { data } }] },
      { message: { data }, subscription: 'projects/p/subscriptions/s' },
    ]);
    decodeText(`payload #${i}`, JSON.stringify(wrapper));
  }
});

test('deep nesting (100k levels) is decoded or rejected without a stack overflow', () => {
  const N = 100_000;
  const arrays = '['.repeat(N) + ']'.repeat(N);
  const objects = '{"a":'.repeat(N) + '1' + '}'.repeat(N);
  const t = Date.now();
  decodeText('deep arrays', arrays);
  decodeText('deep objects', objects);
  const inEvent = decodeText('deep requestObject', `{"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"create","requestObject":${objects}}`);
  assert.equal(inEvent.events, 1);
  decodeText('deep records', `{"records":[${arrays}]}`);
  decodeText('deep AKS log', JSON.stringify({ category: 'kube-audit', properties: { log: `{"kind":"Event","verb":"get","requestObject":${objects}}` } }));
  decodeText('deep ECS', `{"kubernetes":{"audit":{"verb":"get","annotations":${objects}}}}`);
  decodeText('deep GKE', `{"protoPayload":{"serviceName":"k8s.io","methodName":"io.k8s.core.v1.pods.create","request":${objects}}}`);
  decodeText('deep gzip', JSON.stringify({ awslogs: { data: gzipSync(`{"messageType":"DATA_MESSAGE","logEvents":${arrays}}`).toString('base64') } }));
  decodeText('deep concatenated', `${objects}${objects}`);
  assert.ok(Date.now() - t < 5000);
});

// A stall guard, not a benchmark: a 10 MB line must not take the decoder into quadratic work. The bound is
// loose because CI machines are shared; speed itself is measured by `npm run bench`.
test('10 MB single lines decode or reject without stalling (each well under 20 s)', () => {
  const MB10 = 10 * 1024 * 1024;
  const big = 'x'.repeat(MB10);
  const cases: [string, string, 'event' | 'reject' | 'any'][] = [
    ['event with a 10 MB field', `{"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"get","requestObject":{"blob":"${big}"}}`, 'event'],
    ['10 MB of letters', big, 'reject'],
    ['10 MB truncated string', `{"kind":"Event","verb":"get","x":"${big}`, 'reject'],
    ['10 MB timestamp-prefixed junk', `2024-05-01T12:00:00.000Z ${big}`, 'reject'],
    ['10 MB bad base64', `{"awslogs":{"data":"${big}!"}}`, 'reject'],
    ['10 MB valid base64 of junk', `{"awslogs":{"data":"${'QUFB'.repeat(MB10 / 4)}"}}`, 'reject'],
    ['5 M empty objects on one line', '{}'.repeat(MB10 / 2), 'reject'],
    ['10 MB AKS log string', JSON.stringify({ category: 'kube-audit', properties: { log: `{"kind":"Event","verb":"get","requestURI":"/${big}"}` } }), 'event'],
    ['10 MB of digits', '1'.repeat(MB10), 'reject'],
  ];
  for (const [what, text, want] of cases) {
    const t = Date.now();
    const o = decodeText(what, text);
    const ms = Date.now() - t;
    assert.ok(ms < 20_000, `${what}: ${ms} ms`);
    if (want === 'event') assert.ok(o.events >= 1, what);
    if (want === 'reject') assert.ok(o.rejects >= 1, what);
  }
});
