import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADAPTERS, adapterNamed, decodeValue } from '../../src/formats/picker.js';
import { collector, counts, decodeDocument, decodeLines, decodeText, fixture } from './helpers.js';

const ev = (o: Record<string, unknown> = {}) => JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', verb: 'get', user: { username: 'u' }, ...o });

test('adapters are registered most specific first, raw last', () => {
  assert.deepEqual(ADAPTERS.map((a) => a.name), ['eks', 'aks', 'gke', 'ecs', 'raw']);
  for (const n of ['raw', 'eks', 'aks', 'gke', 'ecs']) assert.equal(adapterNamed(n)?.name, n);
});

test('EventList: items decode with their index; a bad item is rejected alone', () => {
  const c = decodeDocument('raw/eventlist.json');
  assert.deepEqual(counts(c.events), { raw: 2 });
  assert.deepEqual(c.events.map((e) => e.place.index), [0, 2]);
  assert.deepEqual(c.rejects.map((r) => [r.place.index, r.reason]), [[1, 'items[1]: audit event without a "verb"']]);
  assert.ok(c.events.every((e) => e.place.line === 1 && e.place.file === 'raw/eventlist.json'));
  const empty = decodeText('{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[]}');
  assert.equal(empty.skips.length, 1);
});

test('raw lines, a BOM, CRLF, several documents on one line', () => {
  const c = decodeLines('raw/attack.ndjson');
  assert.deepEqual(counts(c.events), { raw: 2 });
  assert.deepEqual(c.events.map((e) => e.place.line), [1, 2]);
  assert.equal(decodeText('\ufeff' + ev()).events.length, 1);
  assert.equal(decodeText(ev() + '\r').events.length, 1);
  const two = decodeText(ev({ verb: 'list' }) + ev({ verb: 'watch' }));
  assert.deepEqual(two.events.map((e) => [e.event.verb, e.place.index]), [['list', 0], ['watch', 1]]);
  const spaced = decodeText(ev() + '  ' + ev());
  assert.equal(spaced.events.length, 2);
  const tail = decodeText(ev() + '{"kind":"Event","verb":"g');
  assert.deepEqual([tail.events.length, tail.rejects[0]?.place.index, tail.rejects[0]?.reason], [1, 1, '[1]: invalid JSON: truncated record']);
  const junk = decodeText(ev() + ' trailing junk');
  assert.deepEqual([junk.events.length, junk.rejects.length], [0, 1]);
  assert.match(junk.rejects[0]!.reason, /^invalid JSON: unexpected data after the first JSON value at character \d+$/);
});

test('timestamp-prefixed lines: CloudWatch export layout is eks, other layouts are what they hold', () => {
  assert.deepEqual(counts(decodeText(`2024-05-01T12:00:00.123Z ${ev()}`).events), { eks: 1 });
  assert.deepEqual(counts(decodeText(`2024-05-01T12:00:00.123456789Z ${ev()}`).events), { raw: 1 });
  assert.deepEqual(counts(decodeText(`2024-05-01T12:00:00.123456789+02:00 ${ev()}`).events), { raw: 1 });
  assert.deepEqual(counts(decodeText(`2024-05-01T12:00:00.123456789Z stdout F ${ev()}`).events), { raw: 1 });
  const partial = decodeText(`2024-05-01T12:00:00.123456789Z stdout P ${ev().slice(0, 20)}`);
  assert.match(partial.rejects[0]!.reason, /^CRI log partial line/);
  // a timestamp prefix in front of an AKS record: the record decides
  const aks = JSON.stringify({ category: 'kube-audit', properties: { log: ev() } });
  assert.deepEqual(counts(decodeText(`2024-05-01T12:00:00.123Z ${aks}`).events), { aks: 1 });
  assert.equal(decodeText('2024-05-01T12:00:00.123Z not json').rejects[0]!.reason, 'after the timestamp prefix: invalid JSON');
  assert.equal(decodeText('2024').rejects[0]!.reason, 'JSON number is not an audit event');
});

test('values that are not audit events are rejected with a reason; empty envelopes are skipped', () => {
  const r = (t: string) => decodeText(t).rejects.map((x) => x.reason);
  assert.deepEqual(r('null'), ['JSON null is not an audit event']);
  assert.deepEqual(r('"x"'), ['JSON string is not an audit event']);
  assert.deepEqual(r('true'), ['JSON boolean is not an audit event']);
  assert.deepEqual(r('[[1]]'), ['[0]: JSON array inside a JSON array is not an audit event']);
  assert.deepEqual(r(''), ['empty record']);
  assert.deepEqual(r('   '), ['empty record']);
  assert.deepEqual(r('{"a":1}'), ['JSON object is not an audit event in any known format (keys: "a")']);
  assert.equal(decodeText('[]').skips.length, 1);
  const arr = decodeText(`[${ev()}, 3, ${ev({ verb: 'list' })}]`);
  assert.deepEqual(arr.events.map((e) => e.place.index), [0, 2]);
  assert.deepEqual(arr.rejects.map((x) => [x.place.index, x.reason]), [[1, '[1]: JSON number is not an audit event']]);
});

test('types are checked and lightly normalised: null is absent, "201" is 201', () => {
  const c = decodeText(ev({ sourceIPs: null, responseStatus: { code: '201' }, objectRef: null, annotations: { a: 'b', c: null } }));
  const e = c.events[0]!.event;
  assert.equal('sourceIPs' in e, false);
  assert.equal('objectRef' in e, false);
  assert.equal(e.responseStatus?.code, 201);
  assert.deepEqual(e.annotations, { a: 'b' });
  const bad = (o: Record<string, unknown>) => decodeText(ev(o)).rejects[0]?.reason;
  assert.equal(bad({ verb: '' }), 'audit event field "verb" is empty');
  assert.equal(bad({ verb: ['get'] }), 'audit event field "verb" is not a string');
  assert.equal(bad({ sourceIPs: '1.2.3.4' }), 'audit event field "sourceIPs" is not a list');
  assert.equal(bad({ responseStatus: { code: 'OK' } }), 'audit event field "responseStatus.code" is not a number');
  assert.equal(bad({ user: [] }), 'audit event field "user" is not an object');
  assert.equal(bad({ user: { username: 5 } }), 'audit event field "user.username" is not a string');
  assert.equal(bad({ user: { groups: 'system:masters' } }), 'audit event field "user.groups" is not a list of strings');
  assert.equal(bad({ objectRef: { name: 7 } }), 'audit event field "objectRef.name" is not a string');
  assert.equal(bad({ annotations: { a: 1 } }), 'audit event field "annotations" holds a value that is not a string');
});

test('a folder of mixed formats, and reasons never quote a record', () => {
  const text = fixture('mixed/all-in-one.ndjson');
  const c = decodeLines('mixed/all-in-one.ndjson');
  assert.deepEqual(c.events.map((e) => [e.place.line, e.format]), [
    [1, 'raw'], [2, 'aks'], [3, 'gke'], [4, 'ecs'], [5, 'eks'], [6, 'eks'], [6, 'eks'], [6, 'eks'],
  ]);
  assert.deepEqual(c.rejects.map((r) => [r.place.line, r.reason]), [
    [7, 'audit event field "sourceIPs" is not a list'],
    [8, 'JSON object is not an audit event in any known format (keys: "note", "token")'],
    [9, 'invalid JSON: truncated record'],
  ]);
  const fake = /eyJhbGciOiJub25lIn0[^"]*/.exec(text)![0];
  for (const r of c.rejects) assert.ok(!r.reason.includes(fake.slice(0, 12)), 'a reason quoted record contents');
});

test('decodeValue takes already-parsed values (for the webhook receiver)', () => {
  const c = collector();
  decodeValue(JSON.parse(fixture('raw/eventlist.json')), { place: { file: 'POST /audit', line: 1 }, cluster: 'from-url' }, c.sink);
  assert.equal(c.events.length, 2);
  assert.ok(c.events.every((e) => e.cluster === 'from-url'));
});
