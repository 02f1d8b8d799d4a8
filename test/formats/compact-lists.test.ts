// A list on one line (an EventList or JSON array, as the webhook backend and exporters write them, or an envelope
// such as Event Hubs' {"records":[...]}) with one bad element: the others are decoded one by one, at their indexes,
// and only the bad one is rejected; before, the whole line was one "invalid JSON" rejection and every event was lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecord } from '../../src/formats/picker.js';
import { collector, fixture } from './helpers.js';

const event = (id: string, user = 'alice@example.com') => ({
  kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: id, stage: 'ResponseComplete',
  requestURI: '/api/v1/namespaces/production/serviceaccounts/app-sa/token', verb: 'create',
  user: { username: user, groups: ['system:authenticated'] }, sourceIPs: ['203.0.113.7'],
  objectRef: { resource: 'serviceaccounts', namespace: 'production', name: 'app-sa', apiVersion: 'v1', subresource: 'token' },
  responseStatus: { code: 201 }, requestReceivedTimestamp: '2026-03-02T08:00:00.000000Z', stageTimestamp: '2026-03-02T08:00:00.100000Z',
});
const BAD = '{"kind":"Event","auditID":bad}';

function decode(text: string) {
  const c = collector();
  decodeRecord({ text, place: { file: 'f', line: 1 } }, c.sink);
  return c;
}

test('a compact JSON array with one invalid element keeps the others, at their indexes', () => {
  const els = [event('a0'), event('a1'), null, event('a3'), event('a4')].map((e) => (e === null ? BAD : JSON.stringify(e)));
  const c = decode(`[${els.join(',')}]`);
  assert.deepEqual(c.events.map((e) => [e.event.auditID, e.place.index]), [['a0', 0], ['a1', 1], ['a3', 3], ['a4', 4]]);
  assert.deepEqual(c.rejects.map((r) => [r.place.line, r.place.index]), [[1, 2]]);
  assert.match(c.rejects[0]!.reason, /invalid JSON/);
  // each kept event is exactly the one the valid array gives
  const valid = decode(`[${[event('a0'), event('a1'), event('a3'), event('a4')].map((e) => JSON.stringify(e)).join(',')}]`);
  assert.deepEqual(c.events.map((e) => e.event), valid.events.map((e) => e.event));
});

test('an EventList on one line with a trailing comma: every item decoded, nothing rejected', () => {
  const items = [event('e0'), event('e1'), event('e2')].map((e) => JSON.stringify(e)).join(',');
  const c = decode(`{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[${items},]}`);
  assert.deepEqual(c.events.map((e) => [e.event.auditID, e.place.index, e.format]), [['e0', 0, 'raw'], ['e1', 1, 'raw'], ['e2', 2, 'raw']]);
  assert.equal(c.rejects.length, 0);
});

test('an envelope element is decoded inside its envelope: Event Hubs records with one broken record', () => {
  const text = fixture('aks/eventhub-records.json').trim();
  const whole = decode(text);
  // break record 1 (a bare word where a string value was)
  const v = JSON.parse(text) as { records: Record<string, unknown>[] };
  const parts = v.records.map((r) => JSON.stringify(r));
  parts[1] = parts[1]!.replace('"category":"kube-audit"', '"category":kube-audit');
  assert.notEqual(parts[1], JSON.stringify(v.records[1]), 'the record was broken');
  const c = decode(`{"records":[${parts.join(',')}]}`);
  const kept = whole.events.filter((e) => e.place.index !== 1);
  assert.deepEqual(c.events.map((e) => [e.place.index, e.format, e.cluster, e.event.auditID]), kept.map((e) => [e.place.index, e.format, e.cluster, e.event.auditID]));
  assert.deepEqual(c.skips.map((s) => s.place.index), whole.skips.map((s) => s.place.index));
  assert.deepEqual(c.rejects.map((r) => r.place.index).sort(), [1, ...whole.rejects.map((r) => r.place.index!)].sort());
});

test('an invalid single event is not taken apart at one of its own arrays (sourceIPs, groups)', () => {
  const broken = JSON.stringify(event('x1')).replace('"verb":"create"', '"verb":create');
  const c = decode(broken);
  assert.equal(c.events.length, 0);
  assert.equal(c.rejects.length, 1);
  assert.equal(c.rejects[0]!.place.index, undefined);
});

test('a compact list cut short keeps its whole elements; the cut one is rejected as truncated', () => {
  const full = JSON.stringify([event('c0'), event('c1'), event('c2')]);
  const cut = full.slice(0, full.length - 60);
  const c = decode(cut);
  assert.deepEqual(c.events.map((e) => e.event.auditID), ['c0', 'c1']);
  assert.deepEqual(c.rejects.map((r) => r.place.index), [2]);
  assert.match(c.rejects[0]!.reason, /truncated/);
});

test('an envelope broken outside its list is one rejection, not one per element', () => {
  const items = [event('h0'), event('h1')].map((e) => JSON.stringify(e)).join(',');
  const c = decode(`{"kind":"EventList","metadata":{"resourceVersion":},"items":[${items}]}`);
  assert.equal(c.events.length, 0);
  assert.deepEqual(c.rejects.map((r) => r.place.index), [undefined]);
});

test("whatever is broken after the list is said once; the list's events are kept", () => {
  const items = [event('t0'), event('t1')].map((e) => JSON.stringify(e)).join(',');
  const arr = decode(`[${items}] trailing words`);
  assert.deepEqual(arr.events.map((e) => e.event.auditID), ['t0', 't1']);
  assert.deepEqual(arr.rejects.map((r) => [r.place.index, r.reason]), [[undefined, 'unexpected data after the JSON array (its elements were read)']]);
  const env = decode(`{"kind":"EventList","items":[${items}],"metadata":{"continue":bad}}`);
  assert.deepEqual(env.events.map((e) => e.event.auditID), ['t0', 't1']);
  assert.equal(env.rejects.length, 1);
  assert.match(env.rejects[0]!.reason, /^the object around "items" is not valid JSON after the list \(its elements were read\): invalid JSON/);
});
