// The coverage section through the real command: every scan ends with it (stderr and
// --summary-json), computed in the same pass, identical whatever the engine path, and
// its verdicts follow what the log could show.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCluster } from '../../bench/generate/index.js';
import { CLI } from '../helpers.js';

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

interface SubjectJson {
  id: string;
  could_fire: string;
  reason?: string;
  sources: { source: string; could_fire: string; reasons: string[] }[];
}
interface SourceJson {
  source: string;
  events: number;
  time: { first: string; last: string; gaps: { from: string; to: string; minutes: number }[] };
  verbs: Record<string, number>;
  token_requests: { count: number; requests: number; levels: Record<string, number> };
  reads: Record<string, number>;
  warnings: string[];
}
interface Summary {
  events: number;
  coverage?: { sources: SourceJson[]; subjects: SubjectJson[] };
}

function scanJson(dir: string, files: string[], extra: string[] = []): { summary: Summary; err: string } {
  const out = join(dir, `summary-${Math.random().toString(36).slice(2)}.json`);
  const r = run(['scan', '--state', 'none', '--format', 'ndjson', '--summary-json', out, ...extra, ...files]);
  assert.equal(r.code, 0, r.err);
  return { summary: JSON.parse(readFileSync(out, 'utf8')) as Summary, err: r.err };
}

function writeLog(dir: string, name: string, lines: string[]): string {
  const p = join(dir, name);
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

const verdict = (s: Summary, id: string) => s.coverage!.subjects.find((x) => x.id === id);

test('every scan ends with a coverage section on stderr and in --summary-json; --no-coverage leaves it out', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-cov-'));
  const log = writeLog(dir, 'audit.log', [...generateCluster({ seed: 3, events: 1500, eventsPerSecond: 5 })].map((l) => l.line));
  const { summary, err } = scanJson(dir, [log]);
  assert.match(err, /coverage: what this log shows/);
  assert.match(err, /could each rule and detector have fired on this input\?/);
  const cov = summary.coverage!;
  assert.equal(cov.sources.length, 1);
  assert.equal(cov.sources[0]!.source, log);
  assert.equal(cov.sources[0]!.events, summary.events, 'every event is counted once');
  // a generated 1.31 cluster shows everything every built-in needs
  for (const id of ['tokenrequest-non-system', 'long-lived-token-created', 'minted-token-used', 'token-secret-read', 'tokenrequest-mass-mint']) {
    assert.equal(verdict(summary, id)?.could_fire, 'yes', `${id}: ${JSON.stringify(verdict(summary, id))}`);
  }
  const off = scanJson(dir, [log], ['--no-coverage']);
  assert.equal(off.summary.coverage, undefined);
  assert.doesNotMatch(off.err, /coverage:/);
});

test('blind inputs: the verdict and its one-line reason follow what the log cannot show', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-cov-'));
  // TokenRequests at Metadata, Kubernetes before 1.30 (no credential ids), no RequestReceived stage
  const legacy = writeLog(dir, 'legacy.log', [...generateCluster({ seed: 5, events: 1500, eventsPerSecond: 5, tokenRequestLevel: 'Metadata', jti: false, omitStages: ['RequestReceived'] })].map((l) => l.line));
  const { summary } = scanJson(dir, [legacy]);
  const long = verdict(summary, 'long-lived-token-created')!;
  assert.equal(long.could_fire, 'partial');
  assert.match(long.reason ?? '', /lifetime/i);
  const mint = verdict(summary, 'minted-token-used')!;
  assert.notEqual(mint.could_fire, 'yes');
  assert.match(mint.reason ?? '', /credential id/i);
  assert.equal(summary.coverage!.sources[0]!.token_requests.levels.Metadata! > 0, true);
  // reads dropped, as AKS kube-audit-admin does: the secret-read detector could not fire
  const noReads = writeLog(
    dir,
    'admin.log',
    [...generateCluster({ seed: 6, events: 1500, eventsPerSecond: 5 })].map((l) => l.line).filter((l) => !/"verb":"(get|list|watch)"/.test(l)),
  );
  const r2 = scanJson(dir, [noReads]).summary;
  const reads = verdict(r2, 'token-secret-read')!;
  assert.equal(reads.could_fire, 'no');
  assert.match(reads.reason ?? '', /get\/list|reads/);
  assert.deepEqual(r2.coverage!.sources[0]!.reads, { get: 0, list: 0, watch: 0 });
  // the two sources together: partially, naming the blind one
  const both = scanJson(dir, [legacy, noReads]).summary;
  const sr = verdict(both, 'token-secret-read')!;
  assert.equal(sr.could_fire, 'partial');
  assert.ok(sr.sources.some((x) => x.source === noReads && x.could_fire === 'no'));
});

test('a gap of silence is reported with its span; --coverage-gap sets the length that counts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-cov-'));
  const lines = [...generateCluster({ seed: 8, events: 2000, eventsPerSecond: 20 })].map((l) => l.line);
  // a shipper outage: the second half of the log is moved 30 minutes later
  const shift = (ts: string) => new Date(Date.parse(ts) + 30 * 60_000).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  const moved = lines.map((l, i) => {
    if (i < lines.length / 2) return l;
    const ev = JSON.parse(l) as Record<string, string>;
    ev.requestReceivedTimestamp = shift(ev.requestReceivedTimestamp!);
    ev.stageTimestamp = shift(ev.stageTimestamp!);
    return JSON.stringify(ev);
  });
  const log = writeLog(dir, 'gap.log', moved);
  const { summary, err } = scanJson(dir, [log]);
  const gaps = summary.coverage!.sources[0]!.time.gaps;
  assert.equal(gaps.length, 1, JSON.stringify(gaps));
  assert.ok(gaps[0]!.minutes >= 28 && gaps[0]!.minutes <= 31, JSON.stringify(gaps));
  assert.match(err, /gaps\s+1 span/);
  const longer = scanJson(dir, [log], ['--coverage-gap', '45m']).summary;
  assert.deepEqual(longer.coverage!.sources[0]!.time.gaps, [], 'thirty minutes is not a gap of 45');
  const bad = run(['scan', '--state', 'none', '--coverage-gap', 'soon', log]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--coverage-gap "soon" is not a duration/);
});

test('the report is the same whatever the engine path: prefilter on or off, one thread or two', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-cov-'));
  const log = writeLog(dir, 'audit.log', [...generateCluster({ seed: 9, events: 6000, eventsPerSecond: 20, tokenRequestLevel: 'RequestResponse', secretLevel: 'RequestResponse' })].map((l) => l.line));
  const exact = (s: Summary) =>
    s.coverage!.sources.map((x) => ({ events: x.events, time: x.time, verbs: x.verbs, mints: x.token_requests.count, reads: x.reads, warnings: x.warnings }));
  const ref = scanJson(dir, [log], ['--no-prefilter', '--workers', '1']).summary;
  assert.ok(ref.coverage!.sources[0]!.warnings.some((w) => /the log holds (minted tokens|secret values)/.test(w)), JSON.stringify(ref.coverage!.sources[0]!.warnings));
  for (const flags of [['--workers', '1'], ['--workers', '2']]) {
    const got = scanJson(dir, [log], flags).summary;
    assert.deepEqual(exact(got), exact(ref), flags.join(' '));
    assert.deepEqual(
      got.coverage!.subjects.map((x) => [x.id, x.could_fire]),
      ref.coverage!.subjects.map((x) => [x.id, x.could_fire]),
    );
  }
});

test("the report's event time is the engine's (requestReceivedTimestamp, else stageTimestamp), on every engine path", () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-cov-'));
  const lines = [...generateCluster({ seed: 12, events: 2000, eventsPerSecond: 20 })].map((l) => l.line);
  const lastEv = JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
  const received = lastEv.requestReceivedTimestamp as string;
  // a watch received with the last requests, its ResponseComplete written 40 minutes later
  const written = new Date(Date.parse(received) + 40 * 60_000).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  const watch = { ...lastEv, auditID: 'long-watch', verb: 'watch', stage: 'ResponseComplete', stageTimestamp: written };
  // and one without a requestReceivedTimestamp: its stageTimestamp is its time
  const untimedReceived: Record<string, unknown> = { ...lastEv, auditID: 'no-received-time', stageTimestamp: received };
  delete untimedReceived.requestReceivedTimestamp;
  const log = writeLog(dir, 'watch.log', [...lines, JSON.stringify(watch), JSON.stringify(untimedReceived)]);
  const first = (JSON.parse(lines[0]!) as { requestReceivedTimestamp: string }).requestReceivedTimestamp;
  const second = (ts: string) => `${ts.slice(0, 19)}Z`;
  for (const flags of [['--no-prefilter', '--workers', '1'], ['--workers', '1'], ['--workers', '2']]) {
    const src = scanJson(dir, [log], flags).summary.coverage!.sources[0]!;
    assert.equal(src.events, 2002, flags.join(' '));
    assert.equal(src.time.first, second(first), flags.join(' '));
    assert.equal(src.time.last, second(received), `${flags.join(' ')}: the watch counts when it was received`);
    assert.deepEqual(src.time.gaps, [], flags.join(' '));
  }
});
