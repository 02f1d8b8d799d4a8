import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeldIndex } from '../../src/pipeline/held-index.js';
import { FifoIdSet, hashBytes, mixTime, PART_NONE, PART_TEXT, PART_TIME, RequestKey, timeText } from '../../src/pipeline/id-set.js';

const hashKey = (id: string, part: string) => new RequestKey().set(id, part).hash;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
}

function randomId(r: () => number, spread: number): string {
  const k = r();
  const n = Math.floor(r() * spread);
  return k < 0.1 ? `é${n}` : k < 0.15 ? `\ud800${n}` : k < 0.2 ? `${'x'.repeat(Math.floor(r() * 100))}${n}` : `id-${n}`;
}

test("RequestKey: a time in the API server's form is read as numbers (one-to-one), any other text kept as text; an ASCII key hashes as the line's bytes do", () => {
  const r = rng(3);
  for (let i = 0; i < 2000; i++) {
    const id = randomId(r, 1000);
    const x = r();
    const part = x < 0.3 ? '' : x < 0.4 ? `é${i}` : x < 0.5 ? `2026-03-02T08:00:0${i % 10}Z` : `20${10 + (i % 89)}-${String(i % 13).padStart(2, '0')}-3${i % 10}T2${i % 10}:0${i % 7}:59.${String(i * 7919).padStart(6, '0').slice(-6)}Z`;
    const k = new RequestKey().set(id, part);
    assert.equal(k.kind, part === '' ? PART_NONE : /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(part) ? PART_TIME : PART_TEXT, part);
    if (k.kind === PART_TIME) assert.equal(timeText(k.d, k.t, k.f), part);
    if (/^[\x00-\x7f]*$/.test(id) && k.kind !== PART_TEXT) {
      // the classifier's hash: the auditID's bytes, then the time's numbers
      const b = Buffer.from(id, 'latin1');
      const h = hashBytes(b, 0, b.length);
      assert.equal(k.hash, k.kind === PART_TIME ? mixTime(h, k.d, k.t, k.f) : h, `${id} ${part}`);
      const s = new FifoIdSet(4);
      s.addIfAbsent(k);
      assert.equal(s.hasBytes(b, 0, b.length, k.kind, k.d, k.t, k.f, k.hash), true, id);
    }
    // FifoIdSet finds a member with the given hash only if it is the one it computes itself
    const s = new FifoIdSet(4);
    s.addIfAbsent(k);
    assert.equal(s.has(new RequestKey().set(id, part)), true, id);
    assert.equal(s.addIfAbsent(new RequestKey().set(id, part)), false, id);
  }
});

test('HeldIndex: the same answers as a Map through adds and deletes, across rebuilds', () => {
  const r = rng(17);
  for (const spread of [5, 300, 20000]) {
    const idx = new HeldIndex<number>(4);
    const ref = new Map<string, number>();
    for (let i = 0; i < 60000; i++) {
      const id = randomId(r, spread);
      // one auditID with several requestReceivedTimestamps: different requests
      const part = r() < 0.5 ? '' : `t${Math.floor(r() * 3)}`;
      const key = JSON.stringify([id, part]);
      const h = hashKey(id, part);
      const op = r();
      if (op < 0.45) {
        // the judge removes a key before adding it again
        assert.equal(idx.delete(id, part, h), ref.get(key), `delete ${key}`);
        ref.delete(key);
        idx.add(id, part, h, i);
        ref.set(key, i);
      } else if (op < 0.8) {
        assert.equal(idx.delete(id, part, h), ref.get(key), `delete ${key}`);
        ref.delete(key);
      } else assert.equal(idx.get(id, part, h), ref.get(key), `get ${key}`);
      assert.equal(idx.size, ref.size);
    }
    for (const [key, v] of ref) {
      const [id, part] = JSON.parse(key) as [string, string];
      assert.equal(idx.get(id, part, hashKey(id, part)), v);
    }
  }
});

test('HeldIndex: ids whose hashes collide are told apart by their text', () => {
  const idx = new HeldIndex<string>();
  idx.add('a', '', 7, 'first');
  idx.add('b', '', 7, 'second');
  idx.add('a', 'x', 7, 'third');
  assert.equal(idx.get('a', '', 7), 'first');
  assert.equal(idx.get('b', '', 7), 'second');
  assert.equal(idx.get('a', 'x', 7), 'third');
  assert.equal(idx.delete('a', '', 7), 'first');
  assert.equal(idx.get('a', '', 7), undefined);
  assert.equal(idx.get('b', '', 7), 'second');
  assert.equal(idx.get('a', 'x', 7), 'third');
});
