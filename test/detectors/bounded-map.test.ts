import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedMap, keyOf, later, type Timed } from '../../src/detectors/bounded-map.js';
import { rng } from '../helpers.js';

/** The Map with joined keys that BoundedMap replaces, as it was: the reference. */
class JoinedMap<V extends Timed> {
  readonly m = new Map<string, V>();
  evicted = 0;
  expired = 0;
  constructor(readonly maxKeys: number, readonly ttlMs: number) {}
  get(k: string): V | undefined {
    return this.m.get(k);
  }
  has(k: string): boolean {
    return this.m.has(k);
  }
  set(k: string, v: V): void {
    this.m.delete(k);
    this.m.set(k, v);
    if (this.m.size > this.maxKeys) {
      this.m.delete(this.m.keys().next().value as string);
      this.evicted++;
    }
  }
  touch(k: string, v: V, t: number): void {
    // (an event without a time leaves the last one known)
    if (!Number.isNaN(t) && (Number.isNaN(v.lastSeen) || t > v.lastSeen)) v.lastSeen = t;
    this.set(k, v);
  }
  delete(k: string): boolean {
    return this.m.delete(k);
  }
  sweep(now: number): void {
    if (Number.isNaN(now)) return;
    for (const [k, v] of this.m) {
      if (now - v.lastSeen > this.ttlMs) {
        this.m.delete(k);
        this.expired++;
      }
    }
  }
}

interface Val extends Timed {
  n: number;
}

test('BoundedMap by cluster and name is the joined-key Map it replaces: same entries in the same order, same evictions and expiries', () => {
  // no cluster, named clusters, an empty one (the same as none), and names that hold the separator themselves
  const clusters = [undefined, undefined, undefined, 'prod', 'staging', '', 'a\u0001b', 'a'];
  const names = ['node-1', 'node-2', 'ns/pod-a', 'ns/pod-b', 'b\u0001c', 'c', 'x', '10.0.0.1'];
  for (let seed = 1; seed <= 200; seed++) {
    const r = rng(seed);
    const cap = 1 + Math.floor(r() * 12);
    const ttl = 5 + Math.floor(r() * 20);
    const ours = new BoundedMap<Val>(cap, ttl, { filter: seed % 2 === 0 });
    const ref = new JoinedMap<Val>(cap, ttl);
    let t = 0;
    for (let i = 0; i < 1000; i++) {
      const c = clusters[Math.floor(r() * clusters.length)];
      const name = names[Math.floor(r() * names.length)]!;
      const k = keyOf(c, name);
      t += Math.floor(r() * 3);
      const op = r();
      const where = `seed ${seed} step ${i}`;
      if (op < 0.3) {
        const v = { n: i, lastSeen: t };
        if (r() < 0.5) ours.setIn(c, name, v);
        else ours.set(k, { ...v });
        ref.set(k, { ...v });
      } else if (op < 0.55) {
        const a = ours.getIn(c, name);
        const b = ref.get(k);
        // (as the store sees them: JSON)
        assert.equal(JSON.stringify(a), JSON.stringify(b), where);
        assert.equal(JSON.stringify(ours.get(k)), JSON.stringify(b), where);
        // the filter never hides an entry
        if (b !== undefined) assert.ok(ours.mayHaveIn(c, name), where);
        if (a && b) {
          ours.touchIn(c, name, a, t);
          ref.touch(k, b, t);
        }
      } else if (op < 0.7) {
        assert.equal(ours.hasIn(c, name), ref.has(k), where);
        assert.equal(ours.has(k), ref.has(k), where);
      } else if (op < 0.8) {
        assert.equal(r() < 0.5 ? ours.deleteIn(c, name) : ours.delete(k), ref.delete(k), where);
      } else if (op < 0.85) {
        ours.sweep(t);
        ref.sweep(t);
      } else {
        // a key the store may hand over that keyOf never makes
        const bare = `bare-${Math.floor(r() * 3)}`;
        ours.set(bare, { n: i, lastSeen: t });
        ref.set(bare, { n: i, lastSeen: t });
      }
      assert.equal(ours.size, ref.m.size, where);
    }
    assert.equal(JSON.stringify([...ours.entries()]), JSON.stringify([...ref.m.entries()]), `seed ${seed}`);
    assert.deepEqual([ours.evicted, ours.expired], [ref.evicted, ref.expired], `seed ${seed}`);
    // and forgets what is gone: emptied, it holds no name
    for (const [k] of [...ours.entries()]) ours.delete(k);
    for (const name of [...names, 'bare-0', 'bare-1', 'bare-2']) assert.equal(ours.mayHaveIn('prod', name), seed % 2 !== 0, `seed ${seed} ${name}`);
  }
});

test('an event without a time does not erase the last time an entry was seen, so the entry still expires', () => {
  assert.equal(later(1000, NaN), 1000);
  assert.equal(later(NaN, 1000), 1000);
  assert.equal(later(1000, 2000), 2000);
  assert.equal(later(2000, 1000), 2000);
  assert.ok(Number.isNaN(later(NaN, NaN)));
  const m = new BoundedMap<{ lastSeen: number }>(10, 60_000);
  const v = { lastSeen: 1000 };
  m.touchIn(undefined, 'a', v, 1000);
  m.touchIn(undefined, 'a', v, NaN);
  assert.equal(v.lastSeen, 1000);
  m.sweep(1000 + 60_001);
  assert.equal(m.getIn(undefined, 'a'), undefined, 'expired by its last known time');
});
