import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DetectorState } from '../../src/detectors/state.js';
import { StateStore } from '../../src/store/state-store.js';
import { StageJudge } from '../../src/pipeline/stage-judge.js';
import { DetectorSet } from '../../src/detectors/detector-set.js';
import type { DetectorFinding } from '../../src/detectors/types.js';
import { eventTime } from '../../src/event/time.js';
import type { EventRecord } from '../../src/event/types.js';
import { ids, req, run, saToken } from './story.js';

const runnerTraffic = (from: number, n: number) => Array.from({ length: n }, (_, i) => req(saToken('ci', 'deployer', i % 2 ? '198.51.100.10' : '198.51.100.11'), from + i * 3, 'patch', { resource: 'deployments', namespace: 'production', name: 'web' }));
const outside = (m: number) => req(saToken('ci', 'deployer', '203.0.113.99'), m, 'list', { resource: 'secrets', namespace: 'production' });

test('state saved by one run is loaded by the next: learning is not repeated, baselines carry over', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'tw-state-')), 'state.db');
  const first = run(runnerTraffic(0, 30), { learningMs: 60 * 60_000 });
  assert.deepEqual(first.findings, []);
  const store = new StateStore(path);
  const saved = store.save(first.state);
  store.close();
  assert.ok(saved > 0);

  const again = new StateStore(path);
  const state = new DetectorState();
  assert.equal(again.load(state), saved);
  again.close();
  assert.equal(state.meta.firstEventMs, first.state.meta.firstEventMs);
  // a day later: known runners are quiet, an outside address fires at once (no new learning period)
  const second = run([...runnerTraffic(24 * 60, 3), outside(24 * 60 + 10)], { learningMs: 60 * 60_000 }, state);
  assert.deepEqual(ids(second.findings), ['token-replay-new-source']);
});

test('a fresh state (--state none) starts learning again', () => {
  const f = run([...runnerTraffic(24 * 60, 3), outside(24 * 60 + 10)], { learningMs: 60 * 60_000 }).findings;
  assert.deepEqual(f, []);
});

test('state is bounded: over the cap the least recent accounts go, and are counted', () => {
  const state = new DetectorState({ maxAccounts: 100 });
  run(Array.from({ length: 250 }, (_, i) => req(saToken('ns', `sa-${i}`, '10.244.0.1'), i * 0.01, 'get', { resource: 'configmaps', namespace: 'ns', name: 'x' })), {}, state);
  assert.equal(state.baselines.size, 100);
  assert.equal(state.evictions().baselines!.evicted, 150);
});

test('interleaved stages and duplicated finals: one judgement per request, no extra findings', () => {
  const findings: DetectorFinding[] = [];
  const set = new DetectorSet(new DetectorState(), { learningMs: 60 * 60_000 });
  set.emit = (f) => findings.push(f);
  const judge = new StageJudge<number[]>({ judge: (rec) => set.observe(rec, eventTime(rec.event)) });
  const pairs = [...runnerTraffic(0, 30), outside(120)].map((rc) => {
    const rr: EventRecord = { event: { ...rc.event, stage: 'RequestReceived', responseStatus: undefined }, source: rc.source };
    return [rr, rc];
  });
  // RequestReceived of the next request before ResponseComplete of the previous one, and a retried final
  const stream: EventRecord[] = [];
  pairs.forEach(([rr, rc], i) => {
    stream.push(rr!);
    if (i > 0) stream.push(pairs[i - 1]![1]!);
  });
  stream.push(pairs[pairs.length - 1]![1]!, pairs[pairs.length - 1]![1]!);
  for (const r of stream) judge.offer(r, []);
  judge.flush();
  assert.deepEqual(ids(findings), ['token-replay-new-source']);
});

test('files read newest first: no false alert within the learning window; the ordering assumption beyond it', () => {
  // a third runner appears in the earlier file and again in the later one; the later file is read first
  const third = (m: number) => req(saToken('ci', 'deployer', '198.51.100.12'), m, 'patch', { resource: 'deployments', namespace: 'production', name: 'web' });
  const earlier = [...runnerTraffic(0, 20), third(30)];
  const later = [...runnerTraffic(70, 5), third(75)];
  assert.deepEqual(run([...later, ...earlier], { learningMs: 60 * 60_000 }).findings, []);
  // documented assumption: input is in time order up to the learning window. Read in order the third runner is
  // learned at minute 30; read in reverse after learning has ended, it is new when first met.
  assert.deepEqual(run([...earlier, ...later], { learningMs: 60 * 60_000 }).findings, []);
  const reversed = run([...later, ...earlier], { learningMs: 1 }).findings;
  assert.ok(reversed.some((f) => f.key.client_ip === '198.51.100.12'));
});
