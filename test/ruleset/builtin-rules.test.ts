// `tokenwatch rules test` over the built-ins, as a unit test: every built-in
// rule loads, carries tests that fire and tests that must not, and passes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRuleSet } from '../../src/ruleset/load.js';
import { runRuleTests } from '../../src/ruleset/rule-tests.js';

const set = loadRuleSet({ builtin: true });

test('the built-in rules load without errors, with their stable ids', () => {
  assert.deepEqual(set.errors, []);
  assert.deepEqual(set.rules.map((r) => r.id).sort(), ['legacy-token-secret-created', 'long-lived-token-created', 'tokenrequest-denied', 'tokenrequest-mint-refused', 'tokenrequest-mint-succeeded', 'tokenrequest-non-system', 'tokenrequest-uri-anomaly']);
  assert.deepEqual(set.correlations.map((c) => c.name).sort(), ['tokenrequest-mass-mint', 'tokenrequest-probe-then-mint']);
  assert.ok(set.silent.has('tokenrequest-mint-refused') && set.silent.has('tokenrequest-mint-succeeded'));
  assert.ok(!set.silent.has('tokenrequest-non-system'));
});

test('seed rule metadata: levels and ATT&CK tags', () => {
  const by = Object.fromEntries(set.rules.map((r) => [r.id, r.ref]));
  assert.equal(by['tokenrequest-non-system']!.severity, 'medium');
  assert.ok(by['tokenrequest-non-system']!.tags.includes('attack.t1552.007'));
  assert.equal(by['long-lived-token-created']!.severity, 'informational');
  assert.equal(by['tokenrequest-denied']!.severity, 'low');
  assert.equal(by['tokenrequest-uri-anomaly']!.severity, 'low');
  assert.ok(by['legacy-token-secret-created']!.tags.includes('attack.t1098'));
});

for (const rule of set.rules) {
  test(`${rule.id}: embedded tests pass, with cases that fire and near misses`, () => {
    assert.ok(rule.tests.some((t) => t.expect), 'has a test that must fire');
    assert.ok(rule.tests.some((t) => !t.expect), 'has a near miss');
    for (const o of runRuleTests(rule)) assert.ok(o.ok, `${o.name}: expected ${o.expect}, got ${o.actual}${o.problem ? ` (${o.problem})` : ''}`);
  });
}
