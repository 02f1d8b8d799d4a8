// A scan loads the rules without their embedded tests: the same rules, filters and
// correlations, the same line numbers, only `tokenwatch.tests` emptied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadRuleSet } from '../../src/ruleset/load.js';
import { withoutTests } from '../../src/ruleset/without-tests.js';

const ROOT = new URL('../../../', import.meta.url).pathname;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(n) ? [p] : [];
  });
}

function dropTests(doc: unknown): unknown {
  const d = structuredClone(doc) as Record<string, unknown>;
  const ext = d.tokenwatch as Record<string, unknown> | undefined;
  if (ext && Array.isArray(ext.tests)) ext.tests = [];
  return d;
}

test('every built-in file keeps its lines and every attribute but the tests', () => {
  for (const f of yamlFiles(join(ROOT, 'rules'))) {
    const text = readFileSync(f, 'utf8');
    const cut = withoutTests(text);
    assert.equal(cut.split('\n').length, text.split('\n').length, f);
    const docs = text.split(/^---$/m).map((t) => parse(t) as unknown);
    const cutDocs = cut.split(/^---$/m).map((t) => parse(t) as unknown);
    assert.deepEqual(cutDocs, docs.map(dropTests), f);
    if (/^ {4}tests:\s*$/m.test(text)) assert.ok(cut.length < text.length, `${f}: the tests are cut`);
  }
});

test('the rule set loaded without tests is the same set of rules, filters and correlations', () => {
  const full = loadRuleSet({ builtin: true });
  const lean = loadRuleSet({ builtin: true, tests: false });
  assert.deepEqual(lean.errors, []);
  assert.deepEqual(lean.rules.map((r) => [r.id, r.sigma.line, r.filters.map((x) => x.id)]), full.rules.map((r) => [r.id, r.sigma.line, r.filters.map((x) => x.id)]));
  assert.deepEqual(lean.correlations.map((c) => [c.id, c.type, c.timespanMs]), full.correlations.map((c) => [c.id, c.type, c.timespanMs]));
  assert.ok(full.rules.some((r) => r.tests.length > 0));
  assert.ok(lean.rules.every((r) => r.tests.length === 0));
});

test('a block sequence at the key\'s own indent, comments and other keys after the tests', () => {
  const text = ['title: t', 'tokenwatch:', '    tests: # the tests', '    - name: a', '      event: {verb: get}', '', '    -   name: b', '    window: 10m', 'level: low', ''].join('\n');
  const cut = withoutTests(text);
  assert.deepEqual(parse(cut), { title: 't', tokenwatch: { tests: [], window: '10m' }, level: 'low' });
  assert.equal(cut.split('\n').length, text.split('\n').length);
  // outside tokenwatch, a key named tests is the rule's own business
  const other = 'title: t\nfields:\n    tests:\n        - x\n';
  assert.equal(withoutTests(other), other);
});
