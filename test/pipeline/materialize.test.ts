import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineRereader, materialize } from '../../src/pipeline/workers.js';
import type { EventRecord } from '../../src/event/types.js';

const line = (id: string, extra = '') => JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Request', auditID: id, stage: 'RequestReceived', verb: 'create', user: { username: `system:serviceaccount:ns:sa${extra}` }, requestObject: { spec: { token: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' } } });

function held(file: string, offset: number, len: number, id: string): EventRecord & { len?: number; lazy?: true; t: number } {
  return { event: { auditID: id, stage: 'RequestReceived' }, source: { file, line: 1, offset, format: 'raw' }, t: 0, len, lazy: true };
}

test('a held line is read again at its offset, decoded and redacted; the same reader serves lines from its window', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-mat-'));
  const a = line('aaaa');
  const b = line('bbbb', '2');
  const f = join(dir, 'x.log');
  writeFileSync(f, `${a}\n${b}\n`);
  const reader = new LineRereader();
  const r1 = held(f, a.length + 1, Buffer.byteLength(b), 'bbbb');
  assert.equal(materialize(r1, {}, reader), true);
  assert.equal(r1.event.user?.username, 'system:serviceaccount:ns:sa2');
  assert.equal(r1.len, undefined);
  assert.equal(r1.lazy, undefined);
  // redacted as when it is decoded the first time
  assert.doesNotMatch(JSON.stringify(r1.event), /eyJhbGci/);
  const r0 = held(f, 0, Buffer.byteLength(a), 'aaaa');
  assert.equal(materialize(r0, {}, reader), true);
  assert.equal(r0.event.user?.username, 'system:serviceaccount:ns:sa');
  reader.close();
});

test('a line that is no longer the held request (file rewritten), or not there, is not used', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-mat-'));
  const a = line('aaaa');
  const f = join(dir, 'x.log');
  writeFileSync(f, `${a}\n`);
  const other = held(f, 0, Buffer.byteLength(a), 'zzzz');
  assert.equal(materialize(other, {}), false);
  assert.deepEqual(other.event, { auditID: 'zzzz', stage: 'RequestReceived' });
  const beyond = held(f, 10_000, 50, 'aaaa');
  assert.equal(materialize(beyond, {}), false);
  const gone = held(join(dir, 'missing.log'), 0, 10, 'aaaa');
  assert.equal(materialize(gone, {}), false);
});
