#!/usr/bin/env node
/**
 * `npm run bench`: generates (deterministically) a realistic cluster log and
 * measures, on that one file, `cat` and `grep -F -c` as baselines, then
 * tokenwatch with the stateless rules only and with the stateful detectors,
 * each on one thread and on all threads (`--workers`), in events/s, MB/s,
 * ratio to grep and peak RSS; runs of the same rules must give the same
 * alerts whatever the threads (checked, `same_alerts`). It also scores the
 * detectors' alerts against the generator's ground truth. Results go to a
 * table on stdout and to bench/out/results.json. Timing is for people, not a
 * test: CI only checks that this runs on a small input.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readCachegrind, type InstructionCount } from './cachegrind.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(ROOT, 'bin', 'tokenwatch.js');
const DETECTORS = ['minted-token-used', 'token-replay-new-source', 'bound-token-off-node', 'token-secret-read'];

const { values: a } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '42' },
    out: { type: 'string', default: join(ROOT, 'bench', 'out') },
    'events-per-second': { type: 'string', default: '200' },
    runs: { type: 'string', default: '1' },
    'coverage-pairs': { type: 'string', default: '3' },
    'count-instructions': { type: 'string', default: '0' },
    workers: { type: 'string', default: String(Math.min(2, (await import('node:os')).availableParallelism())) },
    reference: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});
if (a.help) {
  process.stdout.write(`Usage: npm run bench -- [--events N] [--seed S] [--events-per-second R] [--runs K] [--workers W] [--coverage-pairs P] [--count-instructions L] [--reference] [--out DIR]
Generates a cluster log of N events (default 1,000,000; R events per second of log time, default 200, so the
log spans more than the detectors' learning hour) and times cat, grep and tokenwatch on it, on one thread and
on W threads (default: the cores, at most 2); each time is the best of K runs (default 1). The coverage
report's cost is measured apart: P pairs (default 3) of one-thread scans with and without it, alternated, best
of each. --count-instructions L measures it once more in instructions, which the host's load moves far less:
one-thread scans of the log's first L lines under valgrind (cachegrind), V8 single-threaded with its seeds and
garbage-collection schedule fixed and WebAssembly optimised from the start, so that counts repeat to a few
hundredths of a percent, with and without the report, a one-line scan's count subtracted for the start-up; and
on lines L/3+1 to L alone (the first L/3 lines' count subtracted), past most of the report's sample, which is
front-loaded (half a minute to a minute per 100,000 lines here; needs valgrind). An L beyond the log's length counts the
whole log. Each count is also given without V8's optimizing compilers (in brackets): single-threaded, V8 compiles
on the main thread, where a normal run compiles on background threads while the scan goes on.
--reference adds the unoptimised path (--no-prefilter), slow.\n`);
  process.exit(0);
}
mkdirSync(a.out!, { recursive: true });
const events = Number(a.events);
const log = join(a.out!, `cluster-${events}-${a.seed}.ndjson`);
const truthFile = `${log}.truth.json`;
if (!existsSync(log) || !existsSync(truthFile)) {
  process.stderr.write(`generating ${events} events into ${log} …\n`);
  const g = spawnSync(process.execPath, [join(ROOT, 'dist', 'bench', 'generate.js'), '--events', String(events), '--seed', a.seed!, '--events-per-second', a['events-per-second']!, '--out', log, '--truth', truthFile, '--quiet'], { stdio: 'inherit' });
  if (g.status !== 0) process.exit(g.status ?? 1);
}
const bytes = statSync(log).size;
const loadBefore = (await import('node:os')).loadavg().map((x) => +x.toFixed(2));
const haveTime = existsSync('/usr/bin/time');

interface Row {
  name: string;
  seconds: number;
  events_per_s: number;
  mb_per_s: number;
  ratio_to_grep?: number;
  peak_rss_mb?: number;
  alerts?: number;
  threads?: number;
  /** the same alerts, byte for byte, as the one-thread run of the same mode */
  same_alerts?: boolean;
}

function timed(cmd: string, args: string[], stdoutTo?: string): { seconds: number; rssMb?: number; cpuSeconds?: number; stdout: string } {
  const runs = Number(a.runs);
  let best = Infinity;
  let rss: number | undefined;
  let cpu: number | undefined;
  let stdout = '';
  for (let i = 0; i < runs; i++) {
    const wrapped = haveTime ? ['/usr/bin/time', ['-f', '%M %U %S', cmd, ...args]] as const : [cmd, args] as const;
    const t0 = process.hrtime.bigint();
    const r = spawnSync(wrapped[0], [...wrapped[1]], { encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, NO_COLOR: '1' } });
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0 && !(cmd === 'grep' && r.status === 1)) throw new Error(`${cmd} failed: ${r.stderr}`);
    if (s < best) best = s;
    if (haveTime) {
      const [kb, user, sys] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
      rss = Math.round(kb! / 1024);
      // CPU time (user + system, all threads): less disturbed than wall time by a busy host
      if (cpu === undefined || user! + sys! < cpu) cpu = user! + sys!;
    }
    stdout = r.stdout;
  }
  if (stdoutTo) writeFileSync(stdoutTo, stdout);
  return { seconds: best, rssMb: rss, cpuSeconds: cpu, stdout };
}

const rows: Row[] = [];
const row = (name: string, t: { seconds: number; rssMb?: number }, extra: Partial<Row> = {}): Row => {
  const r: Row = { name, seconds: +t.seconds.toFixed(3), events_per_s: Math.round(events / t.seconds), mb_per_s: Math.round(bytes / 1e6 / t.seconds), peak_rss_mb: t.rssMb, ...extra };
  rows.push(r);
  return r;
};

row('cat > /dev/null', timed('sh', ['-c', `cat '${log}' > /dev/null`]));
const grep = row("grep -F -c '\"subresource\":\"token\"'", timed('grep', ['-F', '-c', '"subresource":"token"', log]));

const threads = Math.max(1, Number(a.workers));
const modes = [
  { key: 'stateless', label: '--no-detectors', args: ['--no-detectors'] },
  { key: 'stateful', label: 'detectors on', args: ['--state', 'none'] },
];
/**
 * extra time the coverage report takes, percent of the scan without it (one thread): best wall time
 * of each, best CPU time of each, and the median over alternated pairs of each pair's CPU difference
 */
const coverageCost: Record<string, { percent: number; cpu_percent?: number; median_pair_cpu_percent?: number; with_seconds: number[]; without_seconds: number[]; with_cpu_seconds?: number[]; without_cpu_seconds?: number[] }> = {};
const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const pct = (x: number, base: number): number => +(((x - base) / base) * 100).toFixed(1);
for (const m of modes) {
  const one = join(a.out!, `alerts-${m.key}.ndjson`);
  row(`tokenwatch scan ${m.label} (1 thread)`, timed(process.execPath, [CLI, 'scan', ...m.args, '--workers', '1', '--quiet', '--format', 'ndjson', log], one), { alerts: count(one), threads: 1 });
  if (threads > 1) {
    const many = join(a.out!, `alerts-${m.key}-${threads}.ndjson`);
    row(`tokenwatch scan ${m.label} (${threads} threads)`, timed(process.execPath, [CLI, 'scan', ...m.args, '--workers', String(threads), '--quiet', '--format', 'ndjson', log], many), { alerts: count(many), threads, same_alerts: readFileSync(many, 'utf8') === readFileSync(one, 'utf8') });
  }
  // the coverage report is computed in the same pass: its cost is the difference. A few per cent
  // drown in this machine's run-to-run noise, so the two are alternated and the best of each kept.
  const plain = join(a.out!, `alerts-${m.key}-no-coverage.ndjson`);
  const scanArgs = [CLI, 'scan', ...m.args, '--workers', '1', '--quiet', '--format', 'ndjson', log];
  const onRuns: number[] = [];
  const offRuns: number[] = [];
  const onCpu: number[] = [];
  const offCpu: number[] = [];
  let off: { seconds: number; rssMb?: number } = { seconds: Infinity };
  for (let i = 0; i < Math.max(1, Number(a['coverage-pairs'])); i++) {
    const w = timed(process.execPath, scanArgs);
    onRuns.push(w.seconds);
    const t = timed(process.execPath, [...scanArgs.slice(0, 2), '--no-coverage', ...scanArgs.slice(2)], plain);
    offRuns.push(t.seconds);
    if (w.cpuSeconds !== undefined && t.cpuSeconds !== undefined) {
      onCpu.push(w.cpuSeconds);
      offCpu.push(t.cpuSeconds);
    }
    if (t.seconds < off.seconds) off = t;
  }
  row(`tokenwatch scan ${m.label} --no-coverage (1 thread)`, off, { alerts: count(plain), threads: 1, same_alerts: readFileSync(plain, 'utf8') === readFileSync(one, 'utf8') });
  const on = Math.min(...onRuns, rows.find((r) => r.name === `tokenwatch scan ${m.label} (1 thread)`)!.seconds);
  const best = Math.min(...offRuns);
  coverageCost[m.key] = { percent: pct(on, best), with_seconds: onRuns, without_seconds: offRuns };
  if (onCpu.length > 0) {
    Object.assign(coverageCost[m.key]!, {
      cpu_percent: pct(Math.min(...onCpu), Math.min(...offCpu)),
      median_pair_cpu_percent: +median(onCpu.map((x, i) => pct(x, offCpu[i]!))).toFixed(1),
      with_cpu_seconds: onCpu,
      without_cpu_seconds: offCpu,
    });
  }
  if (a.reference) {
    const ref = join(a.out!, `alerts-${m.key}-reference.ndjson`);
    row(`tokenwatch scan ${m.label} --no-prefilter`, timed(process.execPath, [CLI, 'scan', ...m.args, '--no-prefilter', '--workers', '1', '--quiet', '--format', 'ndjson', log], ref), { alerts: count(ref), threads: 1, same_alerts: readFileSync(ref, 'utf8') === readFileSync(one, 'utf8') });
  }
}
/** The first `n` lines of `file` into `to`. */
function firstLines(file: string, n: number, to: string): void {
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(1 << 20);
  const parts: Buffer[] = [];
  let lines = 0;
  let pos = 0;
  try {
    while (lines < n) {
      const got = readSync(fd, buf, 0, buf.length, pos);
      if (got <= 0) break;
      let end = got;
      for (let i = 0; i < got; i++) {
        if (buf[i] === 0x0a && ++lines === n) {
          end = i + 1;
          break;
        }
      }
      parts.push(Buffer.from(buf.subarray(0, end)));
      pos += got;
    }
  } finally {
    closeSync(fd);
  }
  writeFileSync(to, Buffer.concat(parts));
}

/**
 * Instructions a one-thread scan executes (valgrind's cachegrind, no cache
 * simulation). V8 runs single-threaded (`--single-threaded`: compilation and
 * garbage collection on the main thread): with its background threads the
 * count moved by 15 % between runs of the same scan, as their work depends on
 * timing; without them, by half a percent on `--no-detectors` and by 2 % with
 * the detectors (the hash tables of their strings differ with V8's random hash
 * seed). With the seeds fixed, two runs of the same scan of 100,000 lines
 * differed by 0.04 % when run together, but by up to 2.8 % from one run to
 * another under a different load (12,790 M to 13,150 M instructions, tenth
 * session): V8 grows its heap, and so schedules garbage collection, by the
 * speed it measures in wall time. `--predictable-gc-schedule` fixes that
 * schedule: three runs, two together and one alone, within 0.03 %.
 *
 * `--single-threaded` also turns WebAssembly's tier-up off (`--no-wasm-tier-up`):
 * the search, the head reader and the tokenizer then run in V8's baseline
 * code, and the search alone took 496 ns a line instead of 276 (first 100,000
 * bench lines). Every count before the tenth session was made so. Compiling
 * WebAssembly with the optimising compiler from the start (`--no-liftoff
 * --no-wasm-lazy-compilation`) gives the usual code: 276 ns.
 */
const COUNT_FLAGS = ['--single-threaded', '--hash-seed=1', '--random-seed=1', '--predictable-gc-schedule', '--no-liftoff', '--no-wasm-lazy-compilation'];
let countFiles = 0;
function instructions(args: string[], file: string): Promise<InstructionCount> {
  const out = join(a.out!, `cachegrind-${process.pid}-${++countFiles}.out`);
  return new Promise((done, fail) => {
    const p = spawn('valgrind', ['--tool=cachegrind', '--cache-sim=no', '--smc-check=all-non-file', `--cachegrind-out-file=${out}`, process.execPath, ...COUNT_FLAGS, CLI, 'scan', ...args, '--workers', '1', '--quiet', '--no-progress', '--format', 'ndjson', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', () => {
      const m = /I\s+refs:\s+([\d,]+)/.exec(err);
      if (!m || !existsSync(out)) return fail(new Error(`valgrind gave no count: ${err.slice(-300)}`));
      try {
        const c = readCachegrind(readFileSync(out, 'utf8'));
        if (c.total !== Number(m[1]!.replace(/,/g, ''))) throw new Error(`cachegrind file and valgrind disagree: ${c.total} against ${m[1]}`);
        done(c);
      } catch (e) {
        fail(e as Error);
      } finally {
        rmSync(out, { force: true });
      }
    });
  });
}

const countLines = Number(a['count-instructions']);
const instructionCost: Record<string, { percent: number; percent_without_compiler: number; lines: number; with_instructions: number; without_instructions: number; with_compiler: number; without_compiler: number; later?: { from_line: number; to_line: number; percent: number; percent_without_compiler: number } }> = {};
// the report's sample is front-loaded (each class's first events are decoded whole): the lines after the first
// third show what it costs on a long log
const third = Math.floor(countLines / 3);
if (countLines > 0) {
  if (spawnSync('valgrind', ['--version']).status !== 0) process.stderr.write('--count-instructions: valgrind is not installed; skipped\n');
  else {
    const part = join(a.out!, `first-${countLines}.ndjson`);
    const one = join(a.out!, 'first-1.ndjson');
    const partThird = join(a.out!, `first-${third}.ndjson`);
    firstLines(log, countLines, part);
    firstLines(log, 1, one);
    if (third > 1) firstLines(log, third, partThird);
    for (const m of modes) {
      // two at a time: the counts do not depend on what else runs
      const [on, off] = await Promise.all([instructions(m.args, part), instructions([...m.args, '--no-coverage'], part)]);
      const [on1, off1] = await Promise.all([instructions(m.args, one), instructions([...m.args, '--no-coverage'], one)]);
      // (the compilers' share: what V8 spends optimising code, on background threads in a normal run)
      const bare = (x: InstructionCount) => x.total - x.compiler;
      instructionCost[m.key] = {
        percent: pct(on.total - on1.total, off.total - off1.total),
        percent_without_compiler: pct(bare(on) - bare(on1), bare(off) - bare(off1)),
        lines: countLines,
        with_instructions: on.total - on1.total,
        without_instructions: off.total - off1.total,
        with_compiler: on.compiler - on1.compiler,
        without_compiler: off.compiler - off1.compiler,
      };
      if (third > 1) {
        const [onT, offT] = await Promise.all([instructions(m.args, partThird), instructions([...m.args, '--no-coverage'], partThird)]);
        instructionCost[m.key]!.later = { from_line: third + 1, to_line: countLines, percent: pct(on.total - onT.total, off.total - offT.total), percent_without_compiler: pct(bare(on) - bare(onT), bare(off) - bare(offT)) };
      }
    }
  }
}

// What two threads can give on this machine at all: two independent one-thread scans at once, against one
// alone (on shared or hyper-threaded cores each runs slower, and no threading can beat that).
const alone = rows.find((r) => r.name === 'tokenwatch scan --no-detectors --no-coverage (1 thread)')!.seconds;
const scanCmd = `'${process.execPath}' '${CLI}' scan --no-detectors --no-coverage --workers 1 --quiet --format ndjson '${log}' > /dev/null`;
const pair = row('2 × scan --no-detectors --no-coverage at once', timed('sh', ['-c', `${scanCmd} & ${scanCmd} & wait`]), { threads: 2 });
const twoScansSpeedup = +((2 * alone) / pair.seconds).toFixed(2);
const stateful = join(a.out!, 'alerts-stateful.ndjson');
for (const r of rows) r.ratio_to_grep = +(r.seconds / grep.seconds).toFixed(2);

function count(file: string): number {
  const t = readFileSync(file, 'utf8').trim();
  return t ? t.split('\n').length : 0;
}

// precision of the detectors against the generator's ground truth
interface TruthEvent { auditID: string }
interface Truth { attacks: { id: string; kind: string; expected: string[]; optional?: string[]; events: TruthEvent[] }[]; benign: { id: string; mustNotFire: string[]; events: TruthEvent[] }[] }
const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as Truth;
const attackOf = new Map<string, Truth['attacks'][number]>();
for (const at of truth.attacks) for (const e of at.events) attackOf.set(e.auditID, at);
const alerts = readFileSync(stateful, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { rule: { id: string }; summary: string; events: { event: { auditID?: string } }[]; related?: { event: { auditID?: string } }[] });
const scores: Record<string, { alerts: number; true_positive: number; false_positive: string[] }> = {};
for (const id of DETECTORS) scores[id] = { alerts: 0, true_positive: 0, false_positive: [] };
const fired = new Map<string, Set<string>>();
for (const al of alerts) {
  const s = scores[al.rule.id];
  const ids = [...al.events, ...(al.related ?? [])].map((e) => e.event.auditID ?? '');
  const at = ids.map((x) => attackOf.get(x)).find(Boolean);
  if (at) (fired.get(at.id) ?? fired.set(at.id, new Set()).get(at.id)!).add(al.rule.id);
  if (!s) continue;
  s.alerts++;
  if (at) s.true_positive++;
  else if (s.false_positive.length < 10) s.false_positive.push(al.summary);
}
const recall = truth.attacks.map((at) => ({ attack: at.id, expected: at.expected, missed: at.expected.filter((x) => !fired.get(at.id)?.has(x)) }));
const det = Object.values(scores);
const precision = det.reduce((n, s) => n + s.true_positive, 0) / Math.max(1, det.reduce((n, s) => n + s.alerts, 0));

const os = await import('node:os');
const result = { file: log, events, bytes, node: process.version, machine: { cpus: os.cpus().length, load_average: loadBefore, two_scans_speedup: twoScansSpeedup }, rows, coverage_cost_percent: coverageCost, ...(countLines > 0 ? { coverage_cost_instructions: instructionCost } : {}), detectors: scores, detector_precision: +precision.toFixed(3), recall };
writeFileSync(join(a.out!, 'results.json'), JSON.stringify(result, null, 2) + '\n');

const pad = (s: string, n: number) => s.padEnd(n);
process.stdout.write(`\n${events.toLocaleString('en-US')} events, ${(bytes / 1e6).toFixed(0)} MB (${log})\n\n`);
process.stdout.write(`load average before the runs: ${result.machine.load_average.join(' ')} (${result.machine.cpus} cores)\n\n`);
process.stdout.write(`${pad('run', 50)}${pad('seconds', 10)}${pad('events/s', 12)}${pad('MB/s', 8)}${pad('× grep', 8)}${pad('RSS MB', 8)}alerts\n`);
for (const r of rows) process.stdout.write(`${pad(r.name, 50)}${pad(String(r.seconds), 10)}${pad(r.events_per_s.toLocaleString('en-US'), 12)}${pad(String(r.mb_per_s), 8)}${pad(String(r.ratio_to_grep), 8)}${pad(String(r.peak_rss_mb ?? '-'), 8)}${r.alerts ?? ''}${r.same_alerts === false ? '  ALERTS DIFFER' : r.same_alerts ? '  (same alerts)' : ''}\n`);
const signed = (x: number) => `${x >= 0 ? '+' : ''}${x}%`;
process.stdout.write(
  `\ncoverage report, extra time on one thread (${Math.max(1, Number(a['coverage-pairs']))} alternated pairs; best wall / best CPU / median pair CPU): ${Object.entries(coverageCost)
    .map(([k, v]) => `${k} ${signed(v.percent)}${v.cpu_percent !== undefined ? ` / ${signed(v.cpu_percent)} / ${signed(v.median_pair_cpu_percent!)}` : ''}`)
    .join(', ')}\n`,
);
if (Object.keys(instructionCost).length > 0) {
  process.stdout.write(
    `coverage report, extra instructions on one thread (valgrind, first ${countLines.toLocaleString('en-US')} lines, start-up subtracted; in brackets without V8's optimizing compiler, which a normal run keeps on background threads): ${Object.entries(instructionCost)
      .map(([k, v]) => `${k} ${signed(v.percent)} [${signed(v.percent_without_compiler)}]`)
      .join(', ')}\n`,
  );
  const later = Object.entries(instructionCost).filter(([, v]) => v.later);
  if (later.length > 0) {
    const l = later[0]![1].later!;
    process.stdout.write(
      `  on lines ${l.from_line.toLocaleString('en-US')} to ${l.to_line.toLocaleString('en-US')} alone (past most of the report's sample): ${later.map(([k, v]) => `${k} ${signed(v.later!.percent)} [${signed(v.later!.percent_without_compiler)}]`).join(', ')}\n`,
    );
  }
}
process.stdout.write(`two one-thread scans at once did ${twoScansSpeedup}× the work of one in the same time (the most two threads can give here)\n`);
process.stdout.write(`\ndetector precision against ground truth: ${precision.toFixed(3)}\n`);
for (const [id, s] of Object.entries(scores)) process.stdout.write(`  ${pad(id, 26)} ${s.true_positive}/${s.alerts} alerts on attacks${s.false_positive.length ? `; not attacks: ${s.false_positive.slice(0, 3).join(' | ')}` : ''}\n`);
for (const r of recall) process.stdout.write(`  ${pad(r.attack, 22)} ${r.missed.length ? `missed ${r.missed.join(', ')}` : 'all expected rules and detectors fired'}\n`);
process.stdout.write(`\nresults: ${join(a.out!, 'results.json')}\n`);
