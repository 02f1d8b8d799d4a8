import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sources, type SourceSeen } from '../../src/detectors/sources.js';
import { rng } from '../helpers.js';

/** The plain-object baseline that Sources replaces, as it was: the reference. */
function bumpObject(m: Record<string, SourceSeen>, k: string, t: number, cap: number): void {
  const cur = m[k];
  if (cur) {
    cur.count++;
    if (t > cur.last) cur.last = t;
    if (t < cur.first) cur.first = t;
    return;
  }
  m[k] = { first: t, last: t, count: 1 };
  const keys = Object.keys(m);
  if (keys.length > cap) {
    let oldest = keys[0]!;
    for (const x of keys) if (m[x]!.last < m[oldest]!.last) oldest = x;
    delete m[oldest];
  }
}

test('Sources behaves as the plain object did: same keys in the same order, same JSON, same source forgotten over the cap', () => {
  // addresses, array-index keys (ordered first by an object), and times that tie, go back, or are missing
  // (more keys than a small set holds, so the Map index is made and used too)
  const keys = ['10.0.0.1', '10.0.0.2', '10.244.1.7', '7', '0', '42', '4294967294', '4294967295', '01', 'kubectl', 'a b', '::1', ...Array.from({ length: 10 }, (_, i) => `10.1.0.${i}`)];
  for (let seed = 1; seed <= 300; seed++) {
    const r = rng(seed);
    const cap = 1 + Math.floor(r() * 16);
    const obj: Record<string, SourceSeen> = {};
    const src = new Sources();
    let t = 1000;
    for (let i = 0; i < 200; i++) {
      const k = keys[Math.floor(r() * keys.length)]!;
      const x = r();
      t = x < 0.6 ? t + Math.floor(r() * 3) : x < 0.9 ? t - Math.floor(r() * 5) : x < 0.97 ? t : NaN;
      if (Number.isNaN(t)) {
        bumpObject(obj, k, t, cap);
        src.bump(k, t, cap);
        t = 1000 + i;
        continue;
      }
      bumpObject(obj, k, t, cap);
      src.bump(k, t, cap);
      assert.deepEqual(src.keys(), Object.keys(obj), `seed ${seed} step ${i}`);
    }
    assert.equal(JSON.stringify(src), JSON.stringify(obj), `seed ${seed}`);
    // a stored copy loads back to the same sources, and goes on the same way
    const back = Sources.from(JSON.parse(JSON.stringify(src)));
    const objBack = JSON.parse(JSON.stringify(obj)) as Record<string, SourceSeen>;
    for (let i = 0; i < 50; i++) {
      const k = keys[Math.floor(r() * keys.length)]!;
      t += Math.floor(r() * 3) - 1;
      bumpObject(objBack, k, t, cap);
      back.bump(k, t, cap);
    }
    assert.equal(JSON.stringify(back), JSON.stringify(objBack), `seed ${seed} after loading`);
  }
});
