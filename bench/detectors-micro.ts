/**
 * Micro-benchmark of the stateful detectors alone: a real scan records every
 * (record, time) pair the pipeline hands to DetectorSet.observe (so the
 * records have the shapes the main thread really sees: worker projections,
 * replayed skipped lines, whole events), then the pairs are replayed into a
 * fresh DetectorSet several times and only that loop is timed.
 *
 *   npm run build && node dist/bench/detectors-micro.js [file] [--workers N] [--no-prefilter] [--rounds N] [--learning MS]
 */
import { DETECTOR_IDS, DetectorSet } from '../src/detectors/detector-set.js';
import { DetectorState } from '../src/detectors/state.js';
import type { DetectorFinding } from '../src/detectors/types.js';
import type { EventRecord } from '../src/event/types.js';
import { runScan } from '../src/pipeline/scan.js';
import { loadRuleSet } from '../src/ruleset/load.js';
import { expandInputs } from '../src/sources/inputs.js';

const args = process.argv.slice(2);
function flag(name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
}
const workers = Number(flag('--workers') ?? 2);
const rounds = Number(flag('--rounds') ?? 7);
const learningArg = flag('--learning');
const learningMs = learningArg === undefined ? undefined : Number(learningArg);
const noPrefilter = args.includes('--no-prefilter');
const file = args.find((a) => !a.startsWith('--')) ?? 'bench/out/cluster-100000-42.ndjson';

const recs: EventRecord[] = [];
const times: number[] = [];
const recorder = new DetectorSet(new DetectorState(), { learningMs });
recorder.observe = (rec: EventRecord, t: number) => {
  recs.push(rec);
  times.push(t);
};
const set = loadRuleSet({ builtin: true, detectorIds: DETECTOR_IDS });
const summary = await runScan({
  inputs: await expandInputs([file]),
  rules: set.rules,
  detectors: recorder,
  detectorFilters: set.detectorFilters,
  correlations: set.correlations,
  correlationRefs: set.correlationRefs,
  silent: set.silent,
  prefilter: !noPrefilter,
  workers,
  onAlert: () => {},
});

const observed = recs.length;
const kinds: Record<string, number> = {};
for (const r of recs) {
  const u = r.event.user?.username;
  const k = u === undefined ? (r.event.objectRef ? 'no user' : 'replayed (no user, no object)') : u.startsWith('system:serviceaccount:') ? 'service account' : u.startsWith('system:node:') ? 'node' : 'other user';
  kinds[k] = (kinds[k] ?? 0) + 1;
}

// The records are kept as JSON in batches and parsed batch by batch outside the timed
// part, so the detectors meet each event freshly made, as they do behind the parser (timing
// one array of 50k old events would mostly measure cache misses on them). Wall time and
// this process's CPU time are both summed over the batches.
const BATCH = 512;
const batches: { json: string; times: number[] }[] = [];
for (let i = 0; i < recs.length; i += BATCH) batches.push({ json: JSON.stringify(recs.slice(i, i + BATCH)), times: times.slice(i, i + BATCH) });
recs.length = 0;
const perRound: number[] = [];
const cpuPerRound: number[] = [];
let findings = 0;
for (let r = 0; r < rounds; r++) {
  const ds = new DetectorSet(new DetectorState(), { learningMs });
  let n = 0;
  ds.emit = (_f: DetectorFinding) => {
    n++;
  };
  let wall = 0n;
  let cpu = 0;
  for (const b of batches) {
    const batch = JSON.parse(b.json) as EventRecord[];
    const ts = b.times;
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch.length; i++) ds.observe(batch[i]!, ts[i]!);
    wall += process.hrtime.bigint() - t0;
    const c = process.cpuUsage(c0);
    cpu += c.user + c.system;
  }
  perRound.push(Number(wall) / 1e6);
  cpuPerRound.push(cpu / 1000);
  findings = n;
}
const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const median = mid(perRound);
const best = Math.min(...perRound);
const cpuMedian = mid(cpuPerRound);
const us = (ms: number, n: number) => ((ms * 1000) / n).toFixed(3);
console.log(
  JSON.stringify(
    {
      file,
      workers,
      prefilter: !noPrefilter,
      events: summary.events,
      observed,
      observed_by_user: kinds,
      findings,
      rounds_ms: perRound.map((x) => Math.round(x * 10) / 10),
      median_ms: Math.round(median * 10) / 10,
      us_per_observe_median: us(median, observed),
      us_per_observe_best: us(best, observed),
      us_per_event_median: us(median, summary.events),
      cpu_ms: cpuPerRound.map((x) => Math.round(x)),
      cpu_us_per_observe_median: us(cpuMedian, observed),
      cpu_us_per_event_median: us(cpuMedian, summary.events),
    },
    null,
    2,
  ),
);
