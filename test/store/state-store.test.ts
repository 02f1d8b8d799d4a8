import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DetectorState } from '../../src/detectors/state.js';
import { StateStore, StateStoreError } from '../../src/store/state-store.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('saved state loads back entry for entry, in recency order', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'tw-store-')), 'state.db');
  const a = new DetectorState();
  for (let i = 0; i < 12_000; i++) a.baselines.set(`c\u0001system:serviceaccount:ns:sa-${i}`, { first: i, lastSeen: i, ips: { '10.0.0.1': { first: i, last: i, count: 1 } }, agents: {} });
  a.nodes.set('c\u0001worker-1', { ip: '10.0.1.1', lastSeen: 5 });
  a.meta = { firstEventMs: 1, lastEventMs: 12_000 };
  const s = new StateStore(path);
  assert.equal(s.save(a), 12_001);
  s.close();
  const b = new DetectorState();
  const s2 = new StateStore(path);
  assert.equal(s2.load(b), 12_001);
  s2.close();
  assert.equal(b.baselines.size, 12_000);
  assert.deepEqual(b.meta, a.meta);
  assert.deepEqual([...b.baselines.entries()][0]![0], 'c\u0001system:serviceaccount:ns:sa-0');
  assert.equal(b.nodes.get('c\u0001worker-1')!.ip, '10.0.1.1');
});

test('handles are never left to the garbage collector (better-sqlite3 <13 aborts Node >=24.19 when one is finalised)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-store-gc-'));
  for (let i = 0; i < 20; i++) {
    const s = new StateStore(join(dir, `s${i}.db`));
    s.save(new DetectorState());
    s.load(new DetectorState());
    s.close();
  }
  gc();
  await new Promise((r) => setTimeout(r, 50));
  gc();
  // still alive after collecting (an abort would fail this file); the stores still read back
  const again = new StateStore(join(dir, 's19.db'));
  const st = new DetectorState();
  assert.equal(again.load(st), 0);
  assert.deepEqual(st.meta, {});
  again.close();
});

test('a file that is not a database is a clear error', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'tw-store-bad-')), 'state.db');
  writeFileSync(path, 'this is not sqlite, just text long enough to have a header that sqlite rejects '.repeat(20));
  assert.throws(() => new StateStore(path).load(new DetectorState()), (e: unknown) => e instanceof StateStoreError || /not a database/i.test(String(e)));
});
