import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeldIndex } from '../../src/pipeline/held-index.js';
import { FifoIdSet, hashKey, hashKeyBytes } from '../../src/pipeline/id-set.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
}

function randomId(r: () => number, spread: number): string {
  const k = r();
  const n = Math.floor(r() * spread);
  return k < 0.1 ? `é${n}` : k < 0.15 ? `\ud800${n}` : k < 0.2 ? `${'x'.repeat(Math.floor(r() * 100))}${n}` : `id-${n}`;
}

test('hashKey: the FNV-1a of an ASCII key is that of its bytes in the line; any key hashes as FifoIdSet stores it', () => {
  const r = rng(3);
  for (let i = 0; i < 2000; i++) {
    const id = randomId(r, 1000);
    const part = r() < 0.3 ? '' : r() < 0.2 ? `é${i}` : `2026-03-02T08:00:0${i % 10}.123456Z`;
    if (/^[\x00-\x7f]*$/.test(id + part)) {
      // auditID and requestReceivedTimestamp where a line has them: apart
      const b = Buffer.from(`{"auditID":"${id}",…,"requestReceivedTimestamp":"${part}"}`, 'latin1');
      const ps = b.indexOf('"requestReceivedTimestamp":"') + 28;
      assert.equal(hashKey(id, part), hashKeyBytes(b, 12, 12 + id.length, ps, ps + part.length), id);
    }
    // FifoIdSet finds a member with the given hash only if it is the one it computes itself
    const s = new FifoIdSet(4);
    s.addIfAbsent(id, part);
    assert.equal(s.has(id, part, hashKey(id, part)), true, id);
    assert.equal(s.addIfAbsent(id, part, hashKey(id, part)), false, id);
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
