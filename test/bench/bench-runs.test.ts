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
  type Cost = { percent: number; cpu_percent?: number; median_pair_cpu_percent?: number; with_seconds: number[]; without_seconds: number[]; with_cpu_seconds?: number[]; without_cpu_seconds?: number[] };
  const cost = (JSON.parse(readFileSync(file, 'utf8')) as { coverage_cost_percent: Record<string, Cost> }).coverage_cost_percent;
  assert.deepEqual(Object.keys(cost).sort(), ['stateful', 'stateless']);
  const timeTool = existsSync('/usr/bin/time');
  for (const c of Object.values(cost)) {
    // alternated pairs: three runs with the report and three without, the best of each compared
    assert.equal(c.with_seconds.length, 3);
    assert.equal(c.without_seconds.length, 3);
    assert.ok(Number.isFinite(c.percent));
    if (!timeTool) continue;
    // and their CPU times (from /usr/bin/time): best against best, and the median of the pairs' own differences
    assert.equal(c.with_cpu_seconds!.length, 3);
    assert.ok(c.with_cpu_seconds!.every((x) => x > 0) && c.without_cpu_seconds!.every((x) => x > 0));
    const pairs = c.with_cpu_seconds!.map((x, i) => +(((x - c.without_cpu_seconds![i]!) / c.without_cpu_seconds![i]!) * 100).toFixed(1)).sort((x, y) => x - y);
    assert.equal(c.median_pair_cpu_percent, pairs[1]);
    assert.ok(Number.isFinite(c.cpu_percent));
  }
  assert.match(r.stdout, timeTool ? /coverage report, extra time on one thread \(3 alternated pairs; best wall \/ best CPU \/ median pair CPU\): stateless [+-][\d.]+% \/ [+-][\d.]+% \/ [+-][\d.]+%/ : /coverage report, extra time on one thread \(3 alternated pairs; best wall \/ best CPU \/ median pair CPU\): stateless [+-]/);
});
