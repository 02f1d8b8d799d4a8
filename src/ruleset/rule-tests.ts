/**
 * Runs the tests a rule carries (`tokenwatch.tests`): each test log goes
 * through the same decoding and redaction as a scanned log, then the rule's
 * detection and its filters. One runner for built-in and user rules alike.
 */
import { decodeValueInto, newCounters } from '../pipeline/evaluate.js';
import type { EventRecord } from '../event/types.js';
import type { RuleSpec } from './rule-spec.js';

export interface TestOutcome {
  rule: string;
  name: string;
  expect: boolean;
  actual: boolean;
  ok: boolean;
  /** why the test could not be judged (the log did not decode) */
  problem?: string;
}

export function runRuleTests(rule: RuleSpec): TestOutcome[] {
  return rule.tests.map((t, i) => {
    const events: EventRecord[] = [];
    const problems: string[] = [];
    decodeValueInto(t.log, { file: `${rule.sigma.file} tokenwatch.tests[${i}]`, line: rule.sigma.line }, newCounters(), {
      event: (r) => events.push(r),
      reject: (r) => problems.push(r.reason),
    });
    if (events.length === 0) {
      return { rule: rule.id, name: t.name, expect: t.expect, actual: false, ok: false, problem: `the test log decodes to no audit event${problems.length ? `: ${problems[0]}` : ''}` };
    }
    const actual = events.some((r) => rule.sigma.match(r.event) && !rule.filters.some((f) => f.suppresses(r.event)));
    return { rule: rule.id, name: t.name, expect: t.expect, actual, ok: actual === t.expect };
  });
}
