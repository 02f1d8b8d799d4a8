/**
 * The built-in correlation rules (rules/correlations/) and the runner of
 * their embedded tests (src/ruleset/correlation-tests.ts)
 * (spec: sigma-correlation-rules-specification.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { baseRulesWithoutAlerts, formatSigmaError, loadSigmaPaths } from '../../src/sigma/index.js';
import type { SigmaCorrelation } from '../../src/sigma/index.js';
import { KUBERNETES_FIELD_MAPPING } from '../../src/ruleset/field-mapping.js';
import { runCorrelationTests } from '../../src/ruleset/correlation-tests.js';
import { runRuleTests } from '../../src/ruleset/rule-tests.js';
import { loadRuleSet } from '../../src/ruleset/load.js';
import { repoRoot } from './helpers.js';

const loaded = loadSigmaPaths([join(repoRoot, 'rules')], { fieldMapping: KUBERNETES_FIELD_MAPPING });
const specs = loaded.rules.map((r) => ({ id: r.name ?? r.id, sigma: r, filters: [] }));
const named = (n: string): SigmaCorrelation => loaded.correlations.find((c) => c.name === n)!;

test('the built-in correlations load with every reference resolved (spec §Related rules)', () => {
  assert.deepEqual(loaded.errors.map(formatSigmaError), []);
  assert.deepEqual(loaded.correlations.map((c) => [c.name, c.type, c.timespan, c.level]).sort(), [
    ['tokenrequest-mass-mint', 'value_count', '10m', 'high'],
    ['tokenrequest-probe-then-mint', 'temporal_ordered', '5m', 'medium'],
  ]);
  const mm = named('tokenrequest-mass-mint');
  assert.deepEqual(mm.condition, { ops: [{ op: 'gte', value: 3 }], field: 'tokenwatch.target_account', implicit: false });
  assert.deepEqual(mm.groupBy, ['user.username']);
  assert.ok(mm.tags.includes('attack.t1552.007'));
  assert.deepEqual(named('tokenrequest-probe-then-mint').refs.map((r) => r.name), ['tokenrequest-mint-refused', 'tokenrequest-mint-succeeded']);
});

test('§Generate: the base rules raise no alert of their own; the stand-alone TokenRequest rules keep alerting', () => {
  const silent = baseRulesWithoutAlerts(loaded.correlations);
  assert.ok(silent.has('tokenrequest-mint-succeeded'));
  assert.ok(silent.has('tokenrequest-mint-refused'));
  assert.ok(!silent.has('tokenrequest-denied'));
  assert.ok(!silent.has('tokenrequest-non-system'));
});

for (const name of ['tokenrequest-mass-mint', 'tokenrequest-probe-then-mint']) {
  test(`${name}: every embedded test passes (fires, near misses, window edges, order, groups, out-of-order input, state bound)`, () => {
    const out = runCorrelationTests(named(name), specs);
    assert.ok(out.length >= 12, `expected at least 12 tests, got ${out.length}`);
    assert.deepEqual(out.filter((o) => !o.ok).map((o) => `${o.name}: ${o.problem}`), []);
    assert.ok(out.some((o) => o.expect > 0) && out.some((o) => o.expect === 0), 'tests that fire and near misses');
  });
}

test('the base rules in rules/correlations pass their own single-event tests', () => {
  const set = loadRuleSet({ builtin: true });
  const base = set.rules.filter((r) => r.sigma.file.includes(`${join('rules', 'correlations')}`));
  assert.deepEqual(base.map((r) => r.id).sort(), ['tokenrequest-mint-refused', 'tokenrequest-mint-succeeded']);
  for (const r of base) {
    const out = runRuleTests(r);
    assert.ok(out.length >= 4);
    assert.deepEqual(out.filter((o) => !o.ok).map((o) => o.name), []);
  }
});

test('the runner fails a test whose expectation is wrong, and reports malformed tests', () => {
  const c = named('tokenrequest-mass-mint');
  const tests = (c.doc.tokenwatch as { tests: Record<string, unknown>[] }).tests;
  const wrong: SigmaCorrelation = {
    ...c,
    doc: {
      ...c.doc,
      tokenwatch: {
        tests: [
          { ...tests[0]!, expect: 0 },
          { ...tests[0]!, groups: [{ 'user.username': 'someone-else' }] },
          { ...tests[0]!, contributions: [2] },
          { name: 'no events', expect: 1, events: [] },
          { name: 'bad expect', expect: 'yes', events: tests[0]!.events },
          { name: 'garbage event', expect: 0, events: ['not an audit event'] },
        ],
      },
    },
  };
  const out = runCorrelationTests(wrong, specs);
  assert.deepEqual(
    out.map((o) => [o.ok, o.problem?.replace(/:.*$/s, '')]),
    [
      [false, 'tokenwatch.tests[3]'],
      [false, 'tokenwatch.tests[4]'],
      [false, 'expected 0 alert(s), got 1'],
      [false, 'expected groups [{"user.username"'],
      [false, 'expected contributions [2], got [3]'],
      [false, 'the test events do not all decode'],
    ],
  );
});

test('filters of a base rule apply in correlation tests: a filter that hides the mints leaves nothing to correlate', () => {
  const c = named('tokenrequest-mass-mint');
  const hideAll = { id: 'f', title: 'f', rules: ['tokenrequest-mint-succeeded'], logsource: {}, file: 'f.yml', line: 1, doc: {}, suppresses: () => true };
  const filtered = specs.map((s) => (s.id === 'tokenrequest-mint-succeeded' ? { ...s, filters: [hideAll] } : s));
  const first = runCorrelationTests(c, filtered)[0]!;
  assert.equal(first.expect, 1);
  assert.equal(first.actual, 0);
  assert.equal(first.ok, false);
});
