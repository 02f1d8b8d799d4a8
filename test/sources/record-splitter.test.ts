import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordSplitter, type SplitRecord } from '../../src/sources/record-splitter.js';
import type { Place } from '../../src/event/types.js';

function split(input: string | Buffer, chunk = 7, opts: { explodeBytes?: number; maxRecordBytes?: number } = {}) {
  const records: SplitRecord[] = [];
  const problems: { place: Place; reason: string }[] = [];
  const s = new RecordSplitter({ file: 'f', ...opts }, { record: (r) => records.push(r), problem: (place, reason) => problems.push({ place, reason }) });
  const buf = typeof input === 'string' ? Buffer.from(input) : input;
  for (let i = 0; i < buf.length; i += chunk) s.push(buf.subarray(i, i + chunk));
  s.end();
  return { records, problems };
}

const ev = (n: number) => JSON.stringify({ kind: 'Event', verb: 'get', auditID: `a${n}`, user: { username: 'u' } });

for (const chunk of [1, 3, 7, 64, 1 << 20]) {
  test(`JSON lines with CRLF, BOM, blank lines and no final newline (chunk ${chunk})`, () => {
    const text = '\ufeff' + ev(1) + '\r\n\r\n' + ev(2) + '\n   \n' + ev(3);
    const { records, problems } = split(text, chunk);
    assert.deepEqual(records.map((r) => JSON.parse(r.text).auditID), ['a1', 'a2', 'a3']);
    assert.deepEqual(records.map((r) => r.place.line), [1, 3, 5]);
    assert.equal(problems.length, 0);
  });

  test(`pretty-printed single document and array elements keep their lines (chunk ${chunk})`, () => {
    const doc = JSON.stringify({ kind: 'Event', verb: 'create', auditID: 'p1' }, null, 2);
    const arr = JSON.stringify([{ auditID: 'x1', s: 'a]}{"' }, { auditID: 'x2' }], null, 2);
    const { records } = split(doc + '\n' + arr + '\n', chunk);
    assert.equal(records.length, 3);
    assert.equal(JSON.parse(records[0]!.text).auditID, 'p1');
    assert.equal(records[0]!.place.line, 1);
    assert.equal(JSON.parse(records[1]!.text).auditID, 'x1');
    assert.equal(records[1]!.place.index, 0);
    assert.equal(records[1]!.place.line, 7);
    assert.equal(records[2]!.place.index, 1);
    assert.equal(JSON.parse(records[2]!.text).auditID, 'x2');
  });

  test(`a cut line is reported and the next record is still read (chunk ${chunk})`, () => {
    const text = ev(1) + '\n' + '{"kind":"Event","verb":"cre' + '\n' + ev(3) + '\n';
    const { records, problems } = split(text, chunk);
    assert.deepEqual(records.map((r) => JSON.parse(r.text).auditID), ['a1', 'a3']);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.place.line, 2);
    assert.match(problems[0]!.reason, /cut short/);
  });

  test(`a truncated last line becomes a record for the decoder to reject (chunk ${chunk})`, () => {
    const { records } = split(ev(1) + '\n{"kind":"Event","ver', chunk);
    assert.equal(records.length, 2);
    assert.equal(records[1]!.place.line, 2);
    assert.throws(() => JSON.parse(records[1]!.text));
  });

  test(`non-JSON lines are handed on, with their lines (chunk ${chunk})`, () => {
    const { records } = split('hello world\n2024-05-01T00:00:00Z ' + ev(9) + '\n', chunk);
    assert.equal(records.length, 2);
    assert.equal(records[0]!.text, 'hello world');
    assert.equal(records[1]!.place.line, 2);
  });
}

test('a big EventList is exploded into one record per item, each wrapped in the head', () => {
  const items = Array.from({ length: 50 }, (_, i) => ({ kind: 'Event', auditID: `e${i}`, verb: 'list', pad: 'x'.repeat(200) }));
  const text = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items }, null, 1);
  const { records, problems } = split(text, 1000, { explodeBytes: 2000 });
  assert.equal(problems.length, 0);
  assert.equal(records.length, 50);
  records.forEach((r, i) => {
    const v = JSON.parse(r.text);
    assert.equal(v.kind, 'EventList');
    assert.equal(v.items.length, 1);
    assert.equal(v.items[0].auditID, `e${i}`);
    assert.equal(r.place.index, i);
  });
});

test('a small EventList stays one record', () => {
  const text = JSON.stringify({ kind: 'EventList', items: [{ auditID: 'a' }, { auditID: 'b' }] }, null, 2);
  const { records } = split(text, 5);
  assert.equal(records.length, 1);
  assert.equal(JSON.parse(records[0]!.text).items.length, 2);
});

test('a compact one-line array larger than the explode bound is streamed by element', () => {
  const arr = JSON.stringify(Array.from({ length: 30 }, (_, i) => ({ auditID: `c${i}`, pad: 'y'.repeat(100) })));
  const { records } = split(arr + '\n' + ev(1) + '\n', 512, { explodeBytes: 1000 });
  assert.equal(records.length, 31);
  assert.equal(JSON.parse(records[29]!.text).auditID, 'c29');
  assert.equal(JSON.parse(records[30]!.text).auditID, 'a1');
  assert.equal(records[30]!.place.line, 2);
});

test('the line filter skips lines before they become strings', () => {
  const records: SplitRecord[] = [];
  const s = new RecordSplitter({ file: 'f', lineFilter: (b, st, en) => b.subarray(st, en).includes('a2') }, { record: (r) => records.push(r), problem: () => {} });
  s.push(Buffer.from([ev(1), ev(2), ev(3)].join('\n') + '\n'));
  s.end();
  assert.equal(records.length, 1);
  assert.equal(s.filtered, 2);
});

test('an array cut short is reported', () => {
  const { records, problems } = split('[\n {"a":1},\n {"b":2},\n', 4);
  assert.equal(records.length, 2);
  assert.equal(problems.length, 1);
  assert.match(problems[0]!.reason, /cut short/);
});

test('a part of an input split on its own gives the same records as the whole, from its offset and line', () => {
  const lines = [ev(1), JSON.stringify({ kind: 'Event', verb: 'create', auditID: 'p1' }, null, 2), ev(2), 'not json', ev(3)];
  const text = lines.join('\n') + '\n';
  const whole = split(text, 5).records;
  // the part that starts at ev(2): after the pretty-printed document
  const at = text.indexOf(ev(2));
  const startLine = text.slice(0, at).split('\n').length;
  const records: SplitRecord[] = [];
  const s = new RecordSplitter({ file: 'f', startOffset: at, startLine }, { record: (r) => records.push(r), problem: () => {} });
  assert.equal(s.idle, true);
  s.push(Buffer.from(text.slice(at)));
  assert.equal(s.idle, true);
  s.end();
  assert.deepEqual(records, whole.slice(whole.length - 3));
  assert.deepEqual(s.position, { line: startLine + 3, offset: Buffer.byteLength(text) });
});

test('the line filter is told where each line starts; a document left open is not idle', () => {
  const text = ev(1) + '\n' + ev(2) + '\n{\n  "kind": "Event",\n';
  const offsets: number[] = [];
  const s = new RecordSplitter({ file: 'f', startOffset: 100, lineFilter: (_b, _s, _e, offset) => (offsets.push(offset), false) }, { record: () => {}, problem: () => {} });
  s.push(Buffer.from(text));
  assert.deepEqual(offsets, [100, 100 + ev(1).length + 1]);
  assert.equal(s.filtered, 2);
  assert.equal(s.idle, false);
});
