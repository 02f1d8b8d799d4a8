/**
 * The volume each rule of the recommended policy costs, on a simulated
 * cluster. Not a test (the runner takes *.test.js only): run it by hand.
 *
 *   node dist/test/policy/volume.bench.js [events] [seed]
 *
 * The input is the most verbose log the simulation writes (every stage,
 * TokenRequests and Secrets at RequestResponse); for each rule it prints the
 * share of that log's events and bytes the rule decides, and what the policy
 * writes of them.
 */
import { generateCluster } from '../../bench/generate/index.js';
import type { AuditEvent } from '../../src/event/types.js';
import { policyVolume } from '../../src/policy/evaluate.js';
import { RECOMMENDED_POLICY, RECOMMENDED_RULES } from '../../src/policy/recommended.js';

const events = Number(process.argv[2] ?? 200_000);
const seed = Number(process.argv[3] ?? 42);
const input: AuditEvent[] = [];
for (const g of generateCluster({ events, seed, tokenRequestLevel: 'RequestResponse', secretLevel: 'RequestResponse' })) input.push(g.event);
const rows = policyVolume(RECOMMENDED_POLICY, input);
const sum = (k: 'events_in' | 'bytes_in' | 'events_out' | 'bytes_out') => rows.reduce((a, r) => a + r[k], 0);
const [ein, bin, eout, bout] = [sum('events_in'), sum('bytes_in'), sum('events_out'), sum('bytes_out')];
const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(2)}%`;
const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
const lines = [
  `input: ${ein} events, ${mb(bin)} (simulated 1,000-node cluster, seed ${seed}, every stage, TokenRequests and Secrets at RequestResponse)`,
  `written by the policy: ${eout} events (${pct(eout, ein)}), ${mb(bout)} (${pct(bout, bin)})`,
  '',
  '| # | rule | level | events decided | bytes decided | events written | bytes written | bytes per event written |',
  '|---|---|---|---|---|---|---|---|',
];
for (const r of rows) {
  const title = r.rule < 0 ? '(no rule)' : RECOMMENDED_RULES[r.rule]!.title;
  lines.push(`| ${r.rule + 1 || '-'} | ${title} | ${r.level} | ${pct(r.events_in, ein)} | ${pct(r.bytes_in, bin)} | ${r.events_out} | ${pct(r.bytes_out, bout || 1)} | ${r.events_out ? Math.round(r.bytes_out / r.events_out) : '-'} |`);
}
process.stdout.write(lines.join('\n') + '\n');
