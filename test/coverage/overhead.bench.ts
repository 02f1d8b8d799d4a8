/**
 * What the coverage collector adds to a scan. Not a test (the runner takes
 * *.test.js only): run it by hand on a generated log.
 *
 *   node dist/bench/generate.js --events 200000 --out /tmp/cov200k.ndjson --quiet
 *   node dist/test/coverage/overhead.bench.js /tmp/cov200k.ndjson [rounds] [amplify]
 *   node dist/test/coverage/overhead.bench.js /tmp/cov200k.ndjson insitu
 *
 * `insitu` times each call where the scan will make it (hrtime around it,
 * minus the same around a no-op, calls over 50 µs dropped as preemption):
 * the most precise figure on a busy machine. It times `observeEvent` (the
 * decoder's parts) and `observe` (the record) in turn.
 *
 * Each round runs the scan's own stages over the file twice: read, split,
 * decode and redact (decodeInto), match the built-in rules (matchRules),
 * judge one stage per request (StageJudge). Once as is, once with
 * `cov.observe(rec)` in the event handler, exactly where the scan will call
 * it. Alert grouping and printing are left out, so the scan measured is
 * slightly cheaper than the real one and the share is, if anything,
 * overstated. Rounds alternate the order; CPU times (median and minimum) are
 * compared. The report, built once at the end, is timed on its own.
 *
 * With a fifth argument `plain` or `coverage` only that variant runs, so
 * each process keeps its own JIT state; run several of each in turn.
 *
 * On a noisy machine a few percent drown in the noise: `amplify` N makes
 * every event observed by N independent collectors, and the cost of one is
 * the difference divided by N.
 */
import { CoverageCollector } from '../../src/coverage/collector.js';
import { subjectFromRule } from '../../src/coverage/subjects.js';
import type { EventRecord } from '../../src/event/types.js';
import { decodeInto, matchRules, newCounters } from '../../src/pipeline/evaluate.js';
import { StageJudge } from '../../src/pipeline/stage-judge.js';
import { loadRuleSet } from '../../src/ruleset/load.js';
import { openInput } from '../../src/sources/inputs.js';
import { RecordSplitter } from '../../src/sources/record-splitter.js';

const file = process.argv[2];
const rounds = Number(process.argv[3] === 'insitu' ? 0 : process.argv[3] ?? 5);
const amplify = Number(process.argv[4] ?? 1);
/** `plain` or `coverage`: run only that variant, `rounds` times, and print its CPU times (for one process per variant) */
const only = process.argv[5];
if (!file) {
  process.stderr.write('usage: overhead.bench.js LOG [rounds] [amplify]\n');
  process.exit(2);
}
const rules = loadRuleSet({ builtin: true }).rules;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const min = (xs: number[]) => Math.min(...xs);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function scan(withCoverage: boolean): Promise<{ ms: number; events: number; matches: number; reportMs: number }> {
  const covs = withCoverage ? Array.from({ length: amplify }, () => new CoverageCollector()) : [];
  const counters = newCounters();
  let matches = 0;
  const judge = new StageJudge<number[]>({ judge: (_rec, m) => void (matches += m.length) });
  const plain = (rec: EventRecord) => judge.offer(rec, matchRules(rules, rec));
  const observed =
    covs.length === 1
      ? (rec: EventRecord) => {
          covs[0]!.observe(rec);
          judge.offer(rec, matchRules(rules, rec));
        }
      : (rec: EventRecord) => {
          for (let i = 0; i < covs.length; i++) covs[i]!.observe(rec);
          judge.offer(rec, matchRules(rules, rec));
        };
  const handlers = { event: withCoverage ? observed : plain, reject: () => {} };
  const t0 = cpu();
  const opened = await openInput({ name: file! });
  const splitter = new RecordSplitter({ file: file! }, { record: (r) => decodeInto(r, counters, handlers), problem: () => {} });
  for await (const chunk of opened.stream) splitter.push(chunk as Buffer);
  splitter.end();
  judge.flush();
  const ms = cpu() - t0;
  let reportMs = 0;
  if (withCoverage) {
    const t1 = cpu();
    covs[0]!.report(rules.map(subjectFromRule));
    reportMs = cpu() - t1;
  }
  return { ms, events: counters.events, matches, reportMs };
}

if (process.argv[3] === 'insitu') {
  interface Target {
    observe(rec: EventRecord): void;
    observeEvent(ev: EventRecord['event'], file: string, line: number, format: string): void;
  }
  const noop: Target = { observe() {}, observeEvent() {} };
  const timed = async (target: Target, parts: boolean) => {
    const counters = newCounters();
    const judge = new StageJudge<number[]>({ judge: () => {} });
    let acc = 0n;
    let n = 0;
    const handlers = {
      event: (rec: EventRecord) => {
        const t0 = process.hrtime.bigint();
        if (parts) target.observeEvent(rec.event, file!, 0, 'raw');
        else target.observe(rec);
        const d = process.hrtime.bigint() - t0;
        if (d < 50_000n) {
          acc += d;
          n++;
        }
        judge.offer(rec, matchRules(rules, rec));
      },
      reject: () => {},
    };
    const c0 = cpu();
    const opened = await openInput({ name: file! });
    const sp = new RecordSplitter({ file: file! }, { record: (r) => decodeInto(r, counters, handlers), problem: () => {} });
    for await (const ch of opened.stream) sp.push(ch as Buffer);
    sp.end();
    judge.flush();
    return { ns: Number(acc) / n, scanNs: ((cpu() - c0) * 1e6) / counters.events };
  };
  const out: Record<string, unknown> = {};
  for (const parts of [true, false]) {
    const net: number[] = [];
    const scanNs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const a = await timed(noop, parts);
      const b = await timed(new CoverageCollector(), parts);
      net.push(b.ns - a.ns);
      scanNs.push(a.scanNs);
    }
    const m = median(net);
    out[parts ? 'observeEvent' : 'observe'] = { ns_per_event: Math.round(m), scan_ns_per_event: Math.round(median(scanNs)), share_pct: Number(((100 * m) / median(scanNs)).toFixed(2)) };
  }
  process.stdout.write(JSON.stringify({ file, mode: 'insitu', ...out }) + '\n');
  process.exit(0);
}
if (only === 'plain' || only === 'coverage') {
  const w = only === 'coverage';
  await scan(w); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < rounds; i++) ms.push((await scan(w)).ms);
  process.stdout.write(JSON.stringify({ variant: only, cpu_ms: ms.map(Math.round) }) + '\n');
  process.exit(0);
}

const plain: number[] = [];
const covered: number[] = [];
const reports: number[] = [];
let events = 1;
await scan(false); // warm-up
await scan(true);
for (let i = 0; i < rounds; i++) {
  const order = i % 2 === 0 ? [false, true] : [true, false];
  for (const w of order) {
    const r = await scan(w);
    (w ? covered : plain).push(r.ms);
    events = r.events;
    if (w) reports.push(r.reportMs);
    process.stderr.write(`round ${i + 1} ${w ? `coverage×${amplify}` : 'plain     '} ${r.ms.toFixed(0)} ms CPU, ${r.events} events, ${r.matches} matches${w ? `, report ${r.reportMs.toFixed(1)} ms` : ''}\n`);
  }
}
const pct = (c: number, p: number) => Number((((c - p) / p / amplify) * 100).toFixed(2));
const ns = (c: number, p: number) => Math.round(((c - p) * 1e6) / amplify / events);
process.stdout.write(
  JSON.stringify({
    file,
    events,
    rounds,
    amplify,
    cpu_ms: { plain_median: Math.round(median(plain)), coverage_median: Math.round(median(covered)), plain_min: Math.round(min(plain)), coverage_min: Math.round(min(covered)) },
    /** per collector: (coverage - plain) / plain / amplify */
    overhead_pct: { median: pct(median(covered), median(plain)), min: pct(min(covered), min(plain)) },
    ns_per_event: { median: ns(median(covered), median(plain)), min: ns(min(covered), min(plain)) },
    report_ms: Number(median(reports).toFixed(1)),
    plain_all: plain.map(Math.round),
    coverage_all: covered.map(Math.round),
  }) + '\n',
);
