/**
 * Runs the tests a correlation rule carries. A correlation's tests are
 * sequences of events, so its `tokenwatch.tests` entries differ from a
 * detection rule's (the custom attribute keeps the document valid Sigma:
 * sigma-rules-specification.md and the correlation specification allow
 * arbitrary custom attributes):
 *
 *     tokenwatch:
 *         tests:
 *             - name: three accounts in ten minutes
 *               expect: 1                      # number of alerts of this correlation
 *               groups:                        # optional: their groups, in the order they fire
 *                   - {user.username: mallory@example.com}
 *               contributions: [3]             # optional: contributing events per alert
 *               engine: {max_groups: 1}        # optional: engine bounds (max_groups, max_contributions)
 *               events:                        # in the order they are fed, each in any format tokenwatch reads
 *                   - {...}
 *
 * Each event goes through the same decoding and redaction as a scanned log
 * (decodeValueInto), then through every detection rule the correlation
 * refers to (through chained correlations too) and that rule's filters; each
 * judged, unsuppressed match is fed to a fresh CorrelationEngine, which is
 * flushed at the end. One runner for built-in and user correlations alike.
 */
import { eventTime } from '../event/time.js';
import type { EventRecord, Place } from '../event/types.js';
import { decodeValueInto, newCounters } from '../pipeline/evaluate.js';
import { CorrelationEngine } from '../sigma/index.js';
import type { CorrelationMatch, SigmaCorrelation, SigmaFilter, SigmaRule } from '../sigma/index.js';

/** What a test needs of a rule: its id, its compiled rule and the filters that apply to it (a RuleSpec is one). */
export interface TestableRule {
  id: string;
  sigma: SigmaRule;
  filters: readonly SigmaFilter[];
}

export interface CorrelationTest {
  name: string;
  expect: number;
  groups?: Record<string, string>[];
  contributions?: number[];
  engine?: { maxGroups?: number; maxContributions?: number };
  events: unknown[];
}

export interface CorrelationTestOutcome {
  correlation: string;
  name: string;
  expect: number;
  actual: number;
  ok: boolean;
  /** the groups of the alerts, in firing order */
  groups: Record<string, string>[];
  /** contributing events per alert */
  contributions: number[];
  /** why the test could not be judged, or what differed besides the count */
  problem?: string;
}

function isMap(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** The tests of a correlation (its `tokenwatch.tests`), with a message for each malformed one. */
export function correlationTests(c: SigmaCorrelation): { tests: CorrelationTest[]; problems: { name: string; problem: string }[] } {
  const ext = isMap(c.doc.tokenwatch) ? c.doc.tokenwatch : {};
  const tests: CorrelationTest[] = [];
  const problems: { name: string; problem: string }[] = [];
  if (ext.tests === undefined) return { tests, problems };
  if (!Array.isArray(ext.tests)) {
    problems.push({ name: 'tokenwatch.tests', problem: 'tokenwatch.tests must be a list of {name, expect, events}' });
    return { tests, problems };
  }
  ext.tests.forEach((t, i) => {
    const name = isMap(t) && typeof t.name === 'string' ? t.name : `test ${i + 1}`;
    const bad = (problem: string): void => {
      problems.push({ name, problem: `tokenwatch.tests[${i}]: ${problem}` });
    };
    if (!isMap(t)) return bad('must be a map {name, expect, events}');
    if (typeof t.expect !== 'number' || !Number.isInteger(t.expect) || t.expect < 0) return bad('"expect" must be the number of alerts (an integer ≥ 0)');
    if (!Array.isArray(t.events) || t.events.length === 0) return bad('"events" must be a non-empty list of events');
    const test: CorrelationTest = { name, expect: t.expect, events: t.events };
    if (t.groups !== undefined) {
      if (!Array.isArray(t.groups) || !t.groups.every((g) => isMap(g) && Object.values(g).every((v) => typeof v === 'string'))) return bad('"groups" must be a list of maps of group-by field → value');
      test.groups = t.groups as Record<string, string>[];
    }
    if (t.contributions !== undefined) {
      if (!Array.isArray(t.contributions) || !t.contributions.every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 0)) return bad('"contributions" must be a list of counts');
      test.contributions = t.contributions as number[];
    }
    if (t.engine !== undefined) {
      if (!isMap(t.engine)) return bad('"engine" must be a map (max_groups, max_contributions)');
      const e: { maxGroups?: number; maxContributions?: number } = {};
      for (const [k, v] of Object.entries(t.engine)) {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) return bad(`engine.${k} must be a positive integer`);
        if (k === 'max_groups') e.maxGroups = v;
        else if (k === 'max_contributions') e.maxContributions = v;
        else return bad(`unknown engine option "${k}" (max_groups, max_contributions)`);
      }
      test.engine = e;
    }
    tests.push(test);
  });
  return { tests, problems };
}

/** Every detection rule a correlation reads, through chained correlations. */
export function baseRulesOf(c: SigmaCorrelation): SigmaRule[] {
  const out = new Set<SigmaRule>();
  const seen = new Set<SigmaCorrelation>();
  const walk = (x: SigmaCorrelation): void => {
    if (seen.has(x)) return;
    seen.add(x);
    for (const r of x.refs) {
      if (r.kind === 'rule') out.add(r.rule);
      else walk(r.correlation);
    }
  };
  walk(c);
  return [...out];
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Runs one correlation's tests. `rules` supplies the filters of the base
 * rules (a base rule not among them, e.g. one left out with --disable, is run
 * without filters).
 */
export function runCorrelationTests(c: SigmaCorrelation, rules: readonly TestableRule[] = []): CorrelationTestOutcome[] {
  const id = c.name ?? c.id;
  const { tests, problems } = correlationTests(c);
  const out: CorrelationTestOutcome[] = problems.map((p) => ({ correlation: id, name: p.name, expect: 0, actual: 0, ok: false, groups: [], contributions: [], problem: p.problem }));
  const base = baseRulesOf(c).map((r) => {
    const spec = rules.find((s) => s.sigma === r);
    return { key: spec?.id ?? r.name ?? r.id, rule: r, filters: spec?.filters ?? [] };
  });
  tests.forEach((t) => {
    const i = (c.doc.tokenwatch as { tests: unknown[] }).tests.findIndex((x) => isMap(x) && x.events === t.events);
    const alerts: CorrelationMatch<Place>[] = [];
    const engine = new CorrelationEngine<Place>([c], {
      emit: 'all',
      onAlert: (m) => {
        if (m.correlation === c) alerts.push(m);
      },
      ...(t.engine?.maxGroups !== undefined ? { maxGroups: t.engine.maxGroups } : {}),
      ...(t.engine?.maxContributions !== undefined ? { maxContributions: t.engine.maxContributions } : {}),
    });
    const undecoded: string[] = [];
    t.events.forEach((raw, k) => {
      const records: EventRecord[] = [];
      const place: Place = { file: `${c.file} tokenwatch.tests[${i}].events[${k}]`, line: c.line };
      decodeValueInto(raw, place, newCounters(), { event: (r) => records.push(r), reject: (r) => undecoded.push(`events[${k}]: ${r.reason}`) });
      if (records.length === 0 && undecoded.length === 0) undecoded.push(`events[${k}] decodes to no audit event`);
      for (const rec of records) {
        const time = eventTime(rec.event);
        for (const b of base) {
          if (!b.rule.match(rec.event) || b.filters.some((f) => f.suppresses(rec.event))) continue;
          engine.onMatch(b.key, rec.event, time, rec.source);
        }
      }
    });
    engine.flush();
    const groups = alerts.map((a) => a.group);
    const contributions = alerts.map((a) => a.contributions.length + a.omitted);
    const o: CorrelationTestOutcome = { correlation: id, name: t.name, expect: t.expect, actual: alerts.length, ok: true, groups, contributions };
    const why: string[] = [];
    if (undecoded.length) why.push(`the test events do not all decode: ${undecoded[0]}`);
    if (alerts.length !== t.expect) why.push(`expected ${t.expect} alert(s), got ${alerts.length}`);
    if (t.groups && !sameJson(t.groups, groups)) why.push(`expected groups ${JSON.stringify(t.groups)}, got ${JSON.stringify(groups)}`);
    if (t.contributions && !sameJson(t.contributions, contributions)) why.push(`expected contributions ${JSON.stringify(t.contributions)}, got ${JSON.stringify(contributions)}`);
    if (why.length) {
      o.ok = false;
      o.problem = why.join('; ');
    }
    out.push(o);
  });
  return out;
}
