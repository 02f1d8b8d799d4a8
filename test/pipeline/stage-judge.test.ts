import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StageJudge } from '../../src/pipeline/stage-judge.js';
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
