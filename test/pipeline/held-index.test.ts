import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeldIndex } from '../../src/pipeline/held-index.js';
import { FifoIdSet, hashBytes, hashId } from '../../src/pipeline/id-set.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
}

function randomId(r: () => number, spread: number): string {
  const k = r();
  const n = Math.floor(r() * spread);
  return k < 0.1 ? `é${n}` : k < 0.15 ? `\ud800${n}` : k < 0.2 ? `${'x'.repeat(Math.floor(r() * 100))}${n}` : `id-${n}`;
}

test('hashId: the FNV-1a of an ASCII id is that of its bytes; any id hashes as FifoIdSet stores it', () => {
  const r = rng(3);
  for (let i = 0; i < 2000; i++) {
    const id = randomId(r, 1000);
    if (/^[\x00-\x7f]*$/.test(id)) {
      const b = Buffer.from(id, 'latin1');
      assert.equal(hashId(id), hashBytes(b, 0, b.length), id);
    }
    // FifoIdSet finds a member with the given hash only if it is the one it computes itself
    const s = new FifoIdSet(4);
    s.add(id);
    assert.equal(s.has(id, hashId(id)), true, id);
    assert.equal(s.addIfAbsent(id, hashId(id)), false, id);
  }
});

test('HeldIndex: the same answers as a Map through adds and deletes, across rebuilds', () => {
  const r = rng(17);
  for (const spread of [5, 300, 20000]) {
    const idx = new HeldIndex<number>(4);
    const ref = new Map<string, number>();
    for (let i = 0; i < 60000; i++) {
      const id = randomId(r, spread);
      const h = hashId(id);
      const op = r();
      if (op < 0.45) {
        // the judge removes an id before adding it again
        assert.equal(idx.delete(id, h), ref.get(id), `delete ${id}`);
        ref.delete(id);
        idx.add(id, h, i);
        ref.set(id, i);
      } else if (op < 0.8) {
        assert.equal(idx.delete(id, h), ref.get(id), `delete ${id}`);
        ref.delete(id);
      } else assert.equal(idx.get(id, h), ref.get(id), `get ${id}`);
      assert.equal(idx.size, ref.size);
    }
    for (const [id, v] of ref) assert.equal(idx.get(id, hashId(id)), v);
  }
});

test('HeldIndex: ids whose hashes collide are told apart by their text', () => {
  const idx = new HeldIndex<string>();
  idx.add('a', 7, 'first');
  idx.add('b', 7, 'second');
  assert.equal(idx.get('a', 7), 'first');
  assert.equal(idx.get('b', 7), 'second');
  assert.equal(idx.delete('a', 7), 'first');
  assert.equal(idx.get('a', 7), undefined);
  assert.equal(idx.get('b', 7), 'second');
});
