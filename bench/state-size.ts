#!/usr/bin/env node
/**
 * How big detector state gets for a large cluster: N service accounts (each
 * with a few source addresses and clients), pods, nodes, token Secrets, run
 * through the real detectors, then saved to SQLite and loaded back.
 *   node dist/bench/state-size.js [--accounts 100000]
 */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DetectorSet } from '../src/detectors/detector-set.js';
import { DetectorState } from '../src/detectors/state.js';
import type { EventRecord } from '../src/event/types.js';
import { StateStore } from '../src/store/state-store.js';

const { values } = parseArgs({ options: { accounts: { type: 'string', default: '100000' } } });
const accounts = Number(values.accounts);
const t0 = Date.parse('2026-03-02T08:00:00Z');
const state = new DetectorState();
const set = new DetectorSet(state, { learningMs: 3_600_000 });
let n = 0;
const source = { file: 'synthetic', line: 0, format: 'raw' };
const started = Date.now();
for (let i = 0; i < accounts; i++) {
  const ns = `team-${i % 500}`;
  const sa = `app-${i}`;
  const node = `worker-${i % 5000}`;
  const podIp = `10.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
  for (let k = 0; k < 3; k++) {
    const rec: EventRecord = {
      event: {
        verb: 'get',
        auditID: `a-${n++}`,
        stage: 'ResponseComplete',
        user: { username: `system:serviceaccount:${ns}:${sa}`, extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${i}-${k}`], 'authentication.kubernetes.io/pod-name': [`${sa}-${k}`], 'authentication.kubernetes.io/node-name': [node] } },
        sourceIPs: [k === 0 ? podIp : `10.${64 + (i >> 16)}.${(i >> 8) & 255}.${(i + k) & 255}`],
        userAgent: `${sa}/v1.${k}`,
        objectRef: { resource: 'configmaps', namespace: ns, name: 'c' },
        responseStatus: { code: 200 },
        requestReceivedTimestamp: new Date(t0 + n * 10).toISOString(),
      },
      source,
    };
    set.observe(rec, t0 + n * 10);
  }
}
global.gc?.();
const rss = process.memoryUsage().rss;
const heap = process.memoryUsage().heapUsed;
const dir = mkdtempSync(join(tmpdir(), 'tw-state-size-'));
const store = new StateStore(join(dir, 'state.db'));
const s0 = Date.now();
const saved = store.save(state);
const saveMs = Date.now() - s0;
store.close();
const back = new DetectorState();
const l0 = Date.now();
const store2 = new StateStore(join(dir, 'state.db'));
const loaded = store2.load(back);
store2.close();
const loadMs = Date.now() - l0;
console.log(JSON.stringify({
  accounts,
  requests: n,
  baselines: state.baselines.size,
  pods: state.pods.size,
  nodes: state.nodes.size,
  build_ms: s0 - started,
  rss_mb: Math.round(rss / 2 ** 20),
  heap_mb: Math.round(heap / 2 ** 20),
  sqlite_entries: saved,
  sqlite_mb: +(statSync(join(dir, 'state.db')).size / 2 ** 20).toFixed(1),
  save_ms: saveMs,
  load_ms: loadMs,
  loaded,
  rss_after_load_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
}, null, 2));
