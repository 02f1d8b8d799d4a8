import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StageJudge } from '../../src/pipeline/stage-judge.js';
import { FifoIdSet, PART_TEXT, RequestKey } from '../../src/pipeline/id-set.js';
import type { EventRecord } from '../../src/event/types.js';

const rec = (auditID: string | undefined, stage: string | undefined, t = '2026-01-01T00:00:00Z', extra: Record<string, unknown> = {}): EventRecord => ({
  event: { verb: 'create', auditID, stage, requestReceivedTimestamp: t, ...extra },
  source: { file: 'f', line: 1, format: 'raw' },
});

function judgeWith(opts: { maxPending?: number; pendingMs?: number } = {}) {
  const judged: { id?: string; stage?: string; m: string }[] = [];
  const j = new StageJudge<string>({ ...opts, judge: (r, m) => judged.push({ id: r.event.auditID, stage: r.event.stage, m }) });
  return { j, judged };
}

test('the final stage is judged, the earlier stage of the same request is not', () => {
  const { j, judged } = judgeWith();
  j.offer(rec('a', 'RequestReceived'), 'rr');
  j.offer(rec('a', 'ResponseComplete'), 'rc');
  j.flush();
  assert.deepEqual(judged, [{ id: 'a', stage: 'ResponseComplete', m: 'rc' }]);
});

test('a preliminary match whose final stage does not match gives no alert', () => {
  const { j, judged } = judgeWith();
  j.offer(rec('a', 'RequestReceived'), 'rr');
  j.offer(rec('a', 'ResponseComplete'), null);
  j.flush();
  assert.deepEqual(judged, []);
});

test('a RequestReceived with no later stage in the input is still judged', () => {
  const { j, judged } = judgeWith();
  j.offer(rec('a', 'RequestReceived'), 'rr');
  j.flush();
  assert.deepEqual(judged, [{ id: 'a', stage: 'RequestReceived', m: 'rr' }]);
});

test('stages out of order: a late RequestReceived after the final is ignored', () => {
  const { j, judged } = judgeWith();
  j.offer(rec('a', 'ResponseComplete'), 'rc');
  j.offer(rec('a', 'RequestReceived'), 'rr');
  j.flush();
  assert.deepEqual(judged, [{ id: 'a', stage: 'ResponseComplete', m: 'rc' }]);
  assert.equal(j.duplicates, 1);
});

test('a duplicated final event (a retried webhook batch) is judged once', () => {
  const { j, judged } = judgeWith();
  j.offer(rec('a', 'ResponseComplete'), 'rc');
  j.offer(rec('a', 'ResponseComplete'), 'rc');
  j.offer(rec('a', 'Panic'), 'p');
  assert.equal(judged.length, 1);
});

test("a request reusing an earlier request's auditID (a client may set its own Audit-ID) is judged as its own", () => {
  const { j, judged } = judgeWith();
  // the first request ends, then another arrives under the same auditID
  j.offer(rec('a', 'ResponseComplete', '2026-01-01T00:00:00.000001Z'), null);
  j.offer(rec('a', 'RequestReceived', '2026-01-01T00:00:01.000002Z'), 'rr2');
  j.offer(rec('a', 'ResponseComplete', '2026-01-01T00:00:01.000002Z'), 'rc2');
  // two requests under one auditID at once: each final stage releases only its own request
  j.offer(rec('b', 'RequestReceived', '2026-01-01T00:00:02.000001Z'), null);
  j.offer(rec('b', 'RequestReceived', '2026-01-01T00:00:02.000009Z'), 'rr4');
  j.offer(rec('b', 'ResponseComplete', '2026-01-01T00:00:02.000001Z'), null);
  j.offer(rec('b', 'ResponseComplete', '2026-01-01T00:00:02.000009Z'), 'rc4');
  j.flush();
  assert.deepEqual(judged, [{ id: 'a', stage: 'ResponseComplete', m: 'rc2' }, { id: 'b', stage: 'ResponseComplete', m: 'rc4' }]);
  assert.equal(j.duplicates, 0);
  // the same event twice (same auditID and requestReceivedTimestamp) is still a duplicate
  j.offer(rec('b', 'ResponseComplete', '2026-01-01T00:00:02.000009Z'), 'rc4');
  assert.equal(judged.length, 2);
  assert.equal(j.duplicates, 1);
});

test('events without an auditID or stage are judged at once', () => {
  const { j, judged } = judgeWith();
  j.offer(rec(undefined, 'RequestReceived'), 'x');
  j.offer(rec('b', undefined), 'y');
  assert.deepEqual(judged.map((x) => x.m), ['x', 'y']);
});

test('held matches are bounded: over the cap, the oldest is judged early', () => {
  const { j, judged } = judgeWith({ maxPending: 3 });
  for (let i = 0; i < 5; i++) j.offer(rec(`r${i}`, 'RequestReceived'), `m${i}`);
  assert.equal(j.held, 3);
  assert.deepEqual(judged.map((x) => x.id), ['r0', 'r1']);
  assert.equal(j.evicted, 2);
  // the early-judged request's final stage is then a duplicate, not a second alert
  j.offer(rec('r0', 'ResponseComplete'), 'again');
  assert.equal(judged.length, 2);
});

test('held matches expire by event time', () => {
  const { j, judged } = judgeWith({ pendingMs: 60_000 });
  j.offer(rec('old', 'RequestReceived', '2026-01-01T00:00:00Z'), 'o');
  j.offer(rec('new', 'RequestReceived', '2026-01-01T00:00:30Z'), 'n');
  assert.equal(judged.length, 0);
  j.offer(rec('later', 'RequestReceived', '2026-01-01T00:01:10Z'), 'l');
  assert.deepEqual(judged.map((x) => x.id), ['old']);
});

/** A request's key as the judge's documentation states it: the auditID and a requestReceivedTimestamp without control characters. */
function refKey(ev: EventRecord['event']): string {
  const rrt = ev.requestReceivedTimestamp;
  return JSON.stringify([ev.auditID, typeof rrt === 'string' && !/[\x00-\x1f]/.test(rrt) ? rrt : '']);
}

/** The judge as it was first written (Map/Set in insertion order), keyed as documented, as the reference for the faster bookkeeping. */
class ReferenceJudge<M> {
  private readonly pending = new Map<string, { rec: EventRecord; matches: M; t: number }>();
  private readonly finals = new Set<string>();
  duplicates = 0;
  evicted = 0;
  constructor(private readonly o: { judge(rec: EventRecord, m: M): void; maxPending: number; maxFinal: number; pendingMs: number }) {}
  offer(rec: EventRecord, matches: M | null): void {
    const auditID = rec.event.auditID;
    if (typeof auditID !== 'string' || auditID === '') {
      if (matches !== null) this.o.judge(rec, matches);
      return;
    }
    const id = refKey(rec.event);
    const stage = rec.event.stage;
    if (stage === undefined || stage === 'ResponseComplete' || stage === 'Panic') {
      if (this.finals.has(id)) return void this.duplicates++;
      this.remember(id);
      this.pending.delete(id);
      if (matches !== null) this.o.judge(rec, matches);
      return;
    }
    if (this.finals.has(id)) return void this.duplicates++;
    if (matches === null) return void this.pending.delete(id);
    const rrt = rec.event.requestReceivedTimestamp;
    const t = typeof rrt === 'string' ? Date.parse(rrt) : NaN;
    this.pending.delete(id);
    this.pending.set(id, { rec, matches, t });
    while (this.pending.size > this.o.maxPending) this.release(true);
    // an event without a time expires nothing
    for (;;) {
      const first = this.pending.values().next();
      if (first.done || Number.isNaN(t) || Number.isNaN(first.value.t) || t - first.value.t <= this.o.pendingMs) break;
      this.release(false);
    }
  }
  private remember(id: string): void {
    this.finals.add(id);
    if (this.finals.size > this.o.maxFinal) this.finals.delete(this.finals.values().next().value as string);
  }
  private release(early: boolean): void {
    const [id, h] = this.pending.entries().next().value as [string, { rec: EventRecord; matches: M }];
    this.pending.delete(id);
    this.remember(id);
    if (early) this.evicted++;
    this.o.judge(h.rec, h.matches);
  }
  flush(): void {
    while (this.pending.size > 0) this.release(false);
  }
}

test('randomised: the same judgements, duplicates and evictions as the plain Map/Set judge, with replays through offerNone', () => {
  let seed = 12345;
  const r = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  const stages = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic', undefined, 'Other'];
  for (let round = 0; round < 30; round++) {
    // odd rounds: small caps, few ids; even ones: many held requests (the held index grows and is rebuilt), some ids not ASCII
    const wide = round % 2 === 0;
    const caps = wide ? { maxPending: 200 + Math.floor(r() * 2000), maxFinal: 100 + Math.floor(r() * 3000), pendingMs: 100_000 + Math.floor(r() * 500_000) } : { maxPending: 1 + Math.floor(r() * 8), maxFinal: 1 + Math.floor(r() * 12), pendingMs: 1000 + Math.floor(r() * 5000) };
    const a: string[] = [];
    const b: string[] = [];
    const fast = new StageJudge<string>({ ...caps, judge: (x, m) => a.push(`${refKey(x.event)}/${x.event.stage}/${m}`) });
    const ref = new ReferenceJudge<string>({ ...caps, judge: (x, m) => b.push(`${refKey(x.event)}/${x.event.stage}/${m}`) });
    let t = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < 3000; i++) {
      // requestReceivedTimestamps shared by several events: the stages of one request, and other requests reusing its auditID
      if (r() < 0.3) t += Math.floor(r() * 2000);
      const n = Math.floor(r() * (wide ? 3000 : 40));
      const id = r() < 0.05 ? '' : wide && r() < 0.1 ? `é${n}` : `id${n}`;
      const k = r();
      // none, not a string, one with a control character (keyed by the auditID alone), or a time
      // (toISOString gives milliseconds: some in the API server's form, with microseconds, some not)
      const iso = new Date(t).toISOString();
      const rrt = k < 0.03 ? undefined : k < 0.05 ? 7 : k < 0.07 ? 'no\u0001time' : k < 0.5 ? iso : iso.replace('Z', `${i % 3}00Z`);
      const e = rec(id, stages[Math.floor(r() * stages.length)], undefined, { requestReceivedTimestamp: rrt });
      const m = r() < 0.4 ? `m${i}` : null;
      if (m === null && r() < 0.3) fast.offerNone(e.event.auditID, e.event.stage, e.event.requestReceivedTimestamp);
      else if (m === null && r() < 0.5 && /^[\x00-\x7f]*$/.test(e.event.auditID as string) && new RequestKey().set(e.event.auditID as string, rrt).kind !== PART_TEXT) {
        // the prefilter's replay: the line's auditID bytes, its time as numbers (the classifier reads only that form)
        const k = new RequestKey().set(e.event.auditID as string, rrt);
        const b = Buffer.from(`xx${e.event.auditID}yy`, 'latin1');
        fast.offerNoneBytes(b, 2, b.length - 2, k.kind, k.d, k.t, k.f, k.hash, e.event.stage);
      } else fast.offer(e, m);
      ref.offer(e, m);
    }
    fast.flush();
    ref.flush();
    assert.deepEqual(a, b, `round ${round}`);
    assert.equal(fast.duplicates, ref.duplicates);
    assert.equal(fast.evicted, ref.evicted);
  }
});

test('FifoIdSet: a Set of request keys that forgets its oldest members, for ASCII bytes and any string alike', () => {
  let seed = 99;
  const r = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  for (const cap of [1, 2, 7, 50]) {
    const fast = new FifoIdSet(cap);
    const ref: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const kind = r();
      const id = kind < 0.1 ? `é${Math.floor(r() * 30)}` : kind < 0.15 ? `\ud800${Math.floor(r() * 5)}` : kind < 0.2 ? 'x'.repeat(Math.floor(r() * 300)) + Math.floor(r() * 5) : `id-${Math.floor(r() * 80)}`;
      const pk = r();
      // none, the API server's form (numbers), other text (kept as text)
      const part = pk < 0.3 ? '' : pk < 0.4 ? `é${Math.floor(r() * 3)}` : pk < 0.5 ? `2026-01-01T00:00:0${Math.floor(r() * 3)}Z` : `2026-01-01T00:00:0${Math.floor(r() * 3)}.00000${Math.floor(r() * 3)}Z`;
      const key = JSON.stringify([id, part]);
      const has = ref.includes(key);
      const k = new RequestKey().set(id, part);
      const bytes = /^[\x00-\x7f]*$/.test(id) && k.kind !== PART_TEXT;
      const b = Buffer.from(`--${id}--`, 'latin1');
      if (bytes && r() < 0.25) {
        assert.equal(fast.hasBytes(b, 2, b.length - 2, k.kind, k.d, k.t, k.f, k.hash), has, key);
        if (!has) assert.equal(fast.addBytesIfAbsent(b, 2, b.length - 2, k.kind, k.d, k.t, k.f, k.hash), true, key);
      } else if (bytes && r() < 0.33) {
        assert.equal(fast.addBytesIfAbsent(b, 2, b.length - 2, k.kind, k.d, k.t, k.f, k.hash), !has, key);
      } else if (r() < 0.5) {
        assert.equal(fast.has(k), has, key);
        if (!has) assert.equal(fast.addIfAbsent(k), true, key);
      } else {
        // one lookup for both: false (and nothing added) for a member
        assert.equal(fast.addIfAbsent(k), !has, key);
      }
      if (!has) {
        ref.push(key);
        if (ref.length > cap) ref.shift();
      }
      assert.equal(fast.size, ref.length);
    }
  }
  const key = (id: string, part: string) => new RequestKey().set(id, part);
  // distinct lone surrogates stay distinct
  const s = new FifoIdSet(10);
  s.addIfAbsent(key('\ud800', ''));
  assert.equal(s.has(key('\ud801', '')), false);
  assert.equal(s.has(key('\ud800', '')), true);
  // the zero between auditID and text part cannot be mistaken for one inside the auditID: the part holds none
  s.addIfAbsent(key('a', 'b'));
  assert.equal(s.has(key('a\u0000b', '')), false);
  assert.equal(s.has(key('a', 'b')), true);
  // a time's numbers are not its digits as text, nor another time's
  s.addIfAbsent(key('a', '2026-01-01T00:00:00.000001Z'));
  assert.equal(s.has(key('a', '2026-01-01T00:00:00.000010Z')), false);
  assert.equal(s.has(key('a', '2026-01-01T00:00:00.000001Z')), true);
  assert.equal(s.has(key('a', '')), false);
});
