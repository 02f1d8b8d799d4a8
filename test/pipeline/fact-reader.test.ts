// The fact reader (src/pipeline/fact-reader.ts) against the parser: whenever it
// accepts a line, the view it read must equal the view of the parsed and
// checked event (factOf of what JSON.parse and the decoder's checks make of
// it); lines the parser or the checks would refuse, or whose view the reader
// cannot be sure of, it must decline. Lines are in the API server's fixed
// head form, as the line classifier hands them over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateCluster } from '../../bench/generate/index.js';
import { eventProblem } from '../../src/formats/check.js';
import { emptyFact, factEvent, factOf, type FactValues } from '../../src/pipeline/fact-event.js';
import { FactReader } from '../../src/pipeline/fact-reader.js';
import { jsTape, TAPE_TOKENS } from '../../src/pipeline/json-tape.js';
import { rng } from '../helpers.js';

const PREFIX = /^\{"kind":"Event","apiVersion":"audit\.k8s\.io\/v1","level":"[^"\\]*","auditID":"[^"\\]*","stage":"[^"\\]*"/;

const reader = new FactReader();
const words = new Uint32Array(2 * TAPE_TOKENS);

/** What the reader says of a line (null: declined), and what the parser says (null: no view to be had). */
function both(line: string): { got: FactValues | null; want: FactValues | null } {
  const m = PREFIX.exec(line);
  assert.ok(m, `test line not in the fixed head form: ${line.slice(0, 120)}`);
  const buf = Buffer.from(line);
  const got = reader.read(buf, 0, words, jsTape(buf, 0, buf.length, words)) ? structuredClone(reader.v) : null;
  let want: FactValues | null = null;
  try {
    const ev = JSON.parse(line) as Record<string, unknown>;
    if (eventProblem(ev) === undefined && ev.impersonatedUser === undefined) want = factOf(ev, emptyFact());
  } catch {
    want = null;
  }
  return { got, want };
}

function generatedLines(seed: number, n: number, o: Record<string, unknown> = {}): string[] {
  const out: string[] = [];
  for (const l of generateCluster({ seed, events: n, eventsPerSecond: 20, ...o })) out.push(l.line);
  return out;
}

function sameOrDeclined(line: string, label: string): boolean {
  const { got, want } = both(line);
  if (got === null) return false;
  assert.notEqual(want, null, `${label}: accepted a line the parser or the checks refuse: ${line}`);
  assert.deepEqual(got, want, `${label}: view differs from the parsed event's: ${line}`);
  return true;
}

test('every line of a generated log is read, with the view of the parsed event', () => {
  const lines = [
    ...generatedLines(3, 3000),
    ...generatedLines(4, 1500, { tokenRequestLevel: 'RequestResponse', secretLevel: 'RequestResponse', jti: false }),
  ];
  let read = 0;
  for (const l of lines) if (sameOrDeclined(l, 'generated')) read++;
  // bodies, extras, lists and annotations with escaped quotes are all in the API server's form: none is declined
  assert.equal(read, lines.length);
});

/** The ways a line can differ from the API server's form that change what the parser or the checks make of it. */
const EDITS: [string, (ev: Record<string, unknown>, r: () => number) => string | Record<string, unknown>][] = [
  ['a value nulled', (ev, r) => nullSomething(ev, r)],
  ['code as a string', (ev) => ({ ...ev, responseStatus: { code: '201' } })],
  ['code with an exponent', (ev) => JSON.stringify(ev).replace(/"code":(\d+)/, '"code":2e2')],
  ['code negative', (ev) => JSON.stringify(ev).replace(/"code":(\d+)/, '"code":-1')],
  ['code fractional', (ev) => JSON.stringify(ev).replace(/"code":(\d+)/, '"code":200.5')],
  ['code with a leading zero', (ev) => JSON.stringify(ev).replace(/"code":(\d+)/, '"code":0200')],
  ['code twice', (ev) => JSON.stringify(ev).replace(/"code":(\d+)/, '"code":$1,"code":404')],
  ['user twice', (ev) => JSON.stringify(ev).replace(/,"sourceIPs"/, ',"user":{"username":"system:serviceaccount:x:y"},"sourceIPs"')],
  ['username twice', (ev) => JSON.stringify(ev).replace(/"user":\{/, '"user":{"username":"alice",')],
  ['resource twice', (ev) => JSON.stringify(ev).replace(/"objectRef":\{/, '"objectRef":{"resource":"pods",')],
  ['annotation twice', (ev) => JSON.stringify(ev).replace(/"annotations":\{/, '"annotations":{"authentication.k8s.io/legacy-token":"a","authentication.k8s.io/legacy-token":"b",')],
  ['level again', (ev) => JSON.stringify(ev).replace(/,"verb"/, ',"level":"None","verb"')],
  ['stage again', (ev) => JSON.stringify(ev).replace(/,"verb"/, ',"stage":"Panic","verb"')],
  ['auditID again', (ev) => JSON.stringify(ev).replace(/,"verb"/, ',"auditID":"x","verb"')],
  ['impersonated', (ev) => ({ ...ev, impersonatedUser: { username: 'admin' } })],
  ['no verb', (ev) => JSON.stringify(ev).replace(/"verb":/, '"verbs":')],
  ['an empty verb', (ev) => JSON.stringify(ev).replace(/"verb":"[^"]*"/, '"verb":""')],
  ['whitespace', (ev) => JSON.stringify(ev).replace(/,"verb"/, ', "verb"')],
  ['a tab in a string', (ev) => JSON.stringify(ev).replace(/"userAgent":"/, '"userAgent":"\t')],
  ['a control character in a skipped string', (ev) => JSON.stringify(ev).replace(/"requestURI":"/, '"requestURI":"\u0001')],
  ['an escape in a read value', (ev) => JSON.stringify(ev).replace(/"user":\{"username":"(.)/, (_m, c: string) => `"user":{"username":"\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)],
  ['an escape in a key', (ev) => JSON.stringify(ev).replace(/"objectRef"/, '"object\\u0052ef"')],
  ['an escaped group', (ev) => JSON.stringify(ev).replace(/"groups":\[/, '"groups":["system:node\\u0073",')],
  ['an escaped skipped value', (ev) => JSON.stringify(ev).replace(/"requestURI":"\//, '"requestURI":"\\/')],
  ['a credential id that is no list', (ev) => JSON.stringify(ev).replace(/"authentication.kubernetes.io\/credential-id":\[("[^"]*")\]/, '"authentication.kubernetes.io/credential-id":$1')],
  ['an empty extra list', (ev) => JSON.stringify(ev).replace(/"authentication.kubernetes.io\/pod-name":\[("[^"]*")\]/, '"authentication.kubernetes.io/pod-name":[]')],
  ['a number in sourceIPs', (ev) => ({ ...ev, sourceIPs: ['10.0.0.1', 7] })],
  ['sourceIPs empty', (ev) => ({ ...ev, sourceIPs: [] })],
  ['sourceIPs several', (ev) => ({ ...ev, sourceIPs: ['192.0.2.1', '10.1.2.3'] })],
  ['an annotation that is no string', (ev) => ({ ...ev, annotations: { ...(ev.annotations as object), x: 1 } })],
  ['groups empty', (ev) => ({ ...ev, user: { ...(ev.user as object), groups: [] } })],
  ['a body of every JSON type', (ev) => ({ ...ev, requestObject: { a: [1, -2.5e-3, true, false, null, { b: [[], {}] }], s: 'x\\"y\u00e9' } })],
  ['a shipper key', (ev) => ({ ...ev, p_log_type: 'Amazon.EKS.Audit', p_any: [1, { x: null }] })],
  ['keys shuffled', (ev, r) => Object.fromEntries(Object.entries(ev).sort(() => r() - 0.5))],
  ['non-ASCII values', (ev) => ({ ...ev, userAgent: 'kübectl/v1.31 (ünïcode) 日本', objectRef: { ...(ev.objectRef as object), name: 'naïve-ñame' } })],
  ['two events on a line', (ev) => JSON.stringify(ev) + JSON.stringify(ev)],
  ['cut short', (ev, r) => { const s = JSON.stringify(ev); return s.slice(0, 200 + Math.floor(r() * (s.length - 201))) + '}'; }],
  ['a bad number in a body', (ev) => JSON.stringify({ ...ev, requestObject: { n: 1 } }).replace('"n":1', '"n":01')],
  ['a bad literal in a body', (ev) => JSON.stringify({ ...ev, requestObject: { n: true } }).replace('"n":true', '"n":tru')],
  ['a trailing comma', (ev) => JSON.stringify(ev).replace(/\}$/, ',}')],
];

function nullSomething(ev: Record<string, unknown>, r: () => number): Record<string, unknown> {
  const paths: string[][] = [['user'], ['user', 'username'], ['user', 'groups'], ['user', 'extra'], ['user', 'uid'], ['sourceIPs'], ['userAgent'], ['objectRef'], ['objectRef', 'resource'], ['objectRef', 'name'], ['objectRef', 'apiVersion'], ['responseStatus'], ['responseStatus', 'code'], ['annotations'], ['requestURI'], ['stageTimestamp']];
  const p = paths[Math.floor(r() * paths.length)]!;
  const copy = structuredClone(ev);
  let o = copy as Record<string, unknown>;
  for (let i = 0; i < p.length - 1; i++) {
    if (typeof o[p[i]!] !== 'object' || o[p[i]!] === null) return copy;
    o = o[p[i]!] as Record<string, unknown>;
  }
  o[p[p.length - 1]!] = null;
  return copy;
}

test('every edit the parser or the checks would read differently: the same view, or declined', () => {
  const r = rng(99);
  const base = generatedLines(5, 1200).filter((l) => l.includes('"stage":"ResponseComplete"'));
  const declined = new Map<string, number>();
  const tried = new Map<string, number>();
  for (let i = 0; i < base.length; i++) {
    const ev = JSON.parse(base[i]!) as Record<string, unknown>;
    for (const [label, edit] of EDITS) {
      const out = edit(ev, r);
      let line = typeof out === 'string' ? out : JSON.stringify(out);
      // edits that move the head out of its fixed form are the classifier's business, not the reader's
      if (!PREFIX.test(line)) continue;
      if (line === base[i]) continue;
      tried.set(label, (tried.get(label) ?? 0) + 1);
      if (!sameOrDeclined(line, label)) declined.set(label, (declined.get(label) ?? 0) + 1);
    }
  }
  // the edits that must always be declined (the parser refuses the line, or reads it differently, or the view cannot hold it)
  for (const label of ['code as a string', 'code with a leading zero', 'code twice', 'user twice', 'username twice', 'level again', 'stage again', 'auditID again', 'impersonated', 'no verb', 'an empty verb', 'a tab in a string', 'a control character in a skipped string', 'an escape in a read value', 'an escape in a key', 'an escaped group', 'two events on a line', 'a bad number in a body', 'a bad literal in a body', 'a trailing comma']) {
    assert.ok((tried.get(label) ?? 0) > 0, `${label}: never tried`);
    assert.equal(declined.get(label), tried.get(label), `${label}: accepted ${(tried.get(label) ?? 0) - (declined.get(label) ?? 0)} times`);
  }
  // and those the reader follows: read (and equal, checked above) every time
  for (const label of ['code with an exponent', 'code negative', 'code fractional', 'whitespace', 'sourceIPs empty', 'sourceIPs several', 'groups empty', 'a body of every JSON type', 'a shipper key', 'keys shuffled', 'non-ASCII values', 'an escaped skipped value']) {
    assert.ok((tried.get(label) ?? 0) > 0, `${label}: never tried`);
    assert.equal(declined.get(label) ?? 0, 0, `${label}: declined`);
  }
});

test('the view becomes the event the detectors would have been sent', () => {
  const line = generatedLines(6, 400).find((l) => l.includes('"stage":"ResponseComplete"') && l.includes('credential-id'))!;
  const { got } = both(line);
  assert.ok(got);
  const parsed = JSON.parse(line) as Record<string, unknown>;
  const ev = factEvent(got, parsed.auditID as string, parsed.stage as string, parsed.verb as string, parsed.requestReceivedTimestamp as string);
  assert.equal(ev.requestReceivedTimestamp, parsed.requestReceivedTimestamp);
  assert.equal(ev.user?.username, (parsed.user as { username: string }).username);
  assert.deepEqual(ev.user?.extra?.['authentication.kubernetes.io/credential-id'], [((parsed.user as { extra: Record<string, string[]> }).extra['authentication.kubernetes.io/credential-id'] ?? [])[0]]);
  assert.deepEqual(ev.sourceIPs, [(parsed.sourceIPs as string[]).at(-1)]);
  assert.equal(ev.responseStatus?.code, (parsed.responseStatus as { code: number }).code);
});

test('random edits of bytes and snippets: the same view, or declined', () => {
  // characters and pieces that change JSON's structure or the fields the view reads
  const CHARS = '{}[]:,"\\ 0123456789.-tfnul\u00e9';
  const SNIPS = ['null', '"x"', '1', '[]', '{}', '"system:nodes"', '"code":201', '"user":{"username":"a"}', '"username":"b"', '"impersonatedUser":{}', '"authentication.kubernetes.io/credential-id":["J"]', '"resource":"r"', '\\u0041', '\\"'];
  const r = rng(123);
  const base = generatedLines(8, 600);
  let read = 0;
  for (let k = 0; k < 6000; k++) {
    let line = base[Math.floor(r() * base.length)]!;
    for (let e = 0; e < 1 + Math.floor(r() * 2); e++) {
      const i = Math.floor(r() * line.length);
      const x = r();
      const c = x < 0.5 ? CHARS[Math.floor(r() * CHARS.length)]! : SNIPS[Math.floor(r() * SNIPS.length)]!;
      line = x < 0.25 ? line.slice(0, i) + line.slice(i + 1) : x < 0.75 ? line.slice(0, i) + c + line.slice(i) : line.slice(0, i) + c + line.slice(i + c.length);
    }
    if (!PREFIX.test(line)) continue;
    if (sameOrDeclined(line, 'random edit')) read++;
  }
  // most edits land in places the reader steps over (a body, a skipped string): those lines are still read
  assert.ok(read > 1500, `${read} edited lines read`);
});
