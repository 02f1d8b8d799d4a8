// The nine test events of the Panther rule in seed 003 are read from the seed
// document itself (not retyped) and must give the expected results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadRuleSet } from '../../src/ruleset/load.js';
import { decodeValueInto, newCounters } from '../../src/pipeline/evaluate.js';
import type { EventRecord } from '../../src/event/types.js';
import { SHARED } from '../helpers.js';

const seed = readFileSync(join(SHARED, 'seeds', '003_dda0ce72649d78e0.txt'), 'utf8');
const body = seed.slice(seed.indexOf('AnalysisType: rule'), seed.indexOf('\nDetection logic'));
const panther = parse(body) as { RuleID: string; Tests: { Name: string; ExpectedResult: boolean; Log: unknown }[] };

test('the seed holds the Panther rule with nine tests', () => {
  assert.equal(panther.RuleID, 'Kubernetes.ServiceAccount.TokenCreated');
  assert.equal(panther.Tests.length, 9);
});

const set = loadRuleSet({ builtin: true });
const rule = set.rules.find((r) => r.id === 'long-lived-token-created')!;

for (const t of panther.Tests) {
  test(`Panther seed test "${t.Name}" → ${t.ExpectedResult}`, () => {
    assert.ok(rule, 'built-in rule long-lived-token-created is loaded');
    const events: EventRecord[] = [];
    decodeValueInto(structuredClone(t.Log), { file: 'seed', line: 1 }, newCounters(), { event: (r) => events.push(r), reject: (r) => assert.fail(r.reason) });
    assert.equal(events.length, 1);
    assert.equal(rule.sigma.match(events[0]!.event), t.ExpectedResult);
  });
}

test('the rule embeds the same nine logs verbatim', () => {
  for (const t of panther.Tests) {
    const embedded = rule.tests.find((x) => x.name === t.Name);
    assert.ok(embedded, `embedded test "${t.Name}"`);
    assert.equal(embedded!.expect, t.ExpectedResult);
    assert.deepEqual(embedded!.log, t.Log);
  }
});
