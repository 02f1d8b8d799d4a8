// `npm run bench` on a small log: it runs every row and writes results.json.
// (Timings are not checked: CI machines vary; the bench is for people.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../../../', import.meta.url).pathname;

test('the bench runs on 5,000 events and writes results.json with its rows', () => {
  const out = mkdtempSync(join(tmpdir(), 'tw-bench-'));
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'bench', 'run.js'), '--events', '5000', '--workers', '2', '--out', out], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const file = join(out, 'results.json');
  assert.ok(existsSync(file));
  const res = JSON.parse(readFileSync(file, 'utf8')) as { events: number; rows: { name: string; seconds: number; events_per_s: number; mb_per_s: number; ratio_to_grep: number; threads?: number; same_alerts?: boolean; alerts?: number }[] };
  assert.equal(res.events, 5000);
  const names = res.rows.map((x) => x.name);
  for (const want of ['cat', 'grep', '--no-detectors (1 thread)', '--no-detectors (2 threads)', 'detectors on (1 thread)', 'detectors on (2 threads)', '--no-detectors --no-coverage', 'detectors on --no-coverage', '2 × scan']) {
    assert.ok(names.some((n) => n.includes(want)), `a row for ${want}: ${names.join(' | ')}`);
  }
  for (const row of res.rows) {
    assert.ok(row.seconds > 0 && row.events_per_s > 0 && row.mb_per_s >= 0 && row.ratio_to_grep > 0, JSON.stringify(row));
    if (row.same_alerts !== undefined) assert.equal(row.same_alerts, true, `${row.name}: same alerts as one thread`);
  }
  assert.match(r.stdout, /× grep/);
  // the machine's own two-thread capacity, measured with two independent scans
  const speedup = (JSON.parse(readFileSync(file, 'utf8')) as { machine: { two_scans_speedup: number } }).machine.two_scans_speedup;
  assert.ok(speedup > 0 && speedup < 4, String(speedup));
  assert.match(r.stdout, /two one-thread scans at once did [\d.]+× the work of one/);
  // the coverage report's cost, measured against the same scan without it
  const cost = (JSON.parse(readFileSync(file, 'utf8')) as { coverage_cost_percent: Record<string, { percent: number; with_seconds: number[]; without_seconds: number[] }> }).coverage_cost_percent;
  assert.deepEqual(Object.keys(cost).sort(), ['stateful', 'stateless']);
  for (const c of Object.values(cost)) {
    // alternated pairs: three runs with the report and three without, the best of each compared
    assert.equal(c.with_seconds.length, 3);
    assert.equal(c.without_seconds.length, 3);
    assert.ok(Number.isFinite(c.percent));
  }
  assert.match(r.stdout, /coverage report, extra time on one thread \(best of 3 alternated runs each\): stateless [+-]/);
});
