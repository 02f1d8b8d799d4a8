import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { formatSigmaError, loadSigmaPaths, parseSigmaText } from '../../src/sigma/index.js';
import { ev, fixtures } from './helpers.js';

test('folders load recursively, *.yml and *.yaml only, in sorted path order', () => {
  const r = loadSigmaPaths([join(fixtures, 'pack')]);
  assert.deepEqual(r.errors.map(formatSigmaError), []);
  assert.deepEqual(
    r.rules.map((x) => [x.file.slice(fixtures.length + 1), x.line, x.title]),
    [
      ['pack/b_rules.yml', 1, 'Service account token requested'],
      ['pack/b_rules.yml', 32, 'Secret read by a service account'],
      ['pack/nested/c_rule.yml', 1, 'Exec into a pod'],
    ],
  );
  assert.deepEqual(
    r.filters.map((f) => f.title),
    ['Kubelet token requests are expected'],
  );
});

test('rule metadata is exposed, and the whole document (custom attributes included) is plain data (spec §File Structure: arbitrary custom fields)', () => {
  const r = loadSigmaPaths([join(fixtures, 'pack', 'b_rules.yml')]);
  const x = r.rules[0]!;
  assert.equal(x.id, '7d0b1a56-0000-4000-8000-000000000001');
  assert.equal(x.name, 'sa_token_request');
  assert.equal(x.status, 'experimental');
  assert.equal(x.author, 'tokenwatch tests');
  assert.equal(x.date, '2025-01-15');
  assert.equal(x.modified, '2025-02-01');
  assert.equal(x.level, 'low');
  assert.deepEqual(x.tags, ['attack.credential-access', 'attack.t1528']);
  assert.equal(x.references.length, 1);
  assert.deepEqual(x.falsepositives, ['Kubelets request tokens for pods all the time']);
  assert.deepEqual(x.logsource, { product: 'kubernetes', service: 'audit' });
  assert.deepEqual(x.fields.sort(), ['objectRef.resource', 'objectRef.subresource', 'verb']);
  assert.deepEqual(x.doc.tokenwatch, { runbook: 'https://example.invalid/runbooks/token-request', severity_boost: 2 });
  assert.deepEqual(x.doc.fields, ['user.username', 'objectRef.name']);
  assert.equal(x.doc.date, '2025-01-15', 'dates stay strings (YAML 1.2 core schema)');
  assert.equal(JSON.parse(JSON.stringify(x.doc)).title, x.title);
  assert.equal(x.match(ev({ verb: 'create', objectRef: { resource: 'serviceaccounts', subresource: 'token' } })), true);
  assert.equal(x.match(ev({ verb: 'create', objectRef: { resource: 'serviceaccounts' } })), false);
});

test('a correlation whose rule is not loaded is an error naming the reference; loaded with its rule it resolves (spec: sigma-correlation-rules-specification.md §Related rules)', () => {
  const alone = loadSigmaPaths([join(fixtures, 'broken', 'correlation.yml')]);
  assert.equal(alone.rules.length, 0);
  assert.equal(alone.correlations.length, 0);
  assert.deepEqual(alone.errors.map(formatSigmaError), [
    `${join(fixtures, 'broken', 'correlation.yml')}:6:11: correlation: unknown rule reference 'sa_token_request': no loaded rule or correlation has this id or name (spec: sigma-correlation-rules-specification.md §Related rules)`,
  ]);
  const both = loadSigmaPaths([join(fixtures, 'pack', 'b_rules.yml'), join(fixtures, 'broken', 'correlation.yml')]);
  assert.deepEqual(both.errors.map(formatSigmaError), []);
  assert.equal(both.correlations.length, 1);
  const ref = both.correlations[0]!.refs[0]!;
  assert.equal(ref.kind, 'rule');
  assert.equal(ref.kind === 'rule' && ref.rule.id, '7d0b1a56-0000-4000-8000-000000000001');
});

test("Sigma 1.x rule collections ('action: global') are an error naming the construct, never silently merged", () => {
  const r = loadSigmaPaths([join(fixtures, 'broken', 'collection.yml')]);
  assert.equal(r.rules.length, 0);
  assert.match(r.errors[0]!.message, /rule collections \('action: global'/);
  assert.equal(r.errors[0]!.line, 1);
  // the second document, a fragment, is not a rule on its own
  assert.ok(r.errors.some((e) => e.line === 6 && /'title' is mandatory/.test(e.message)));
});

test('a path that does not exist is an error naming it', () => {
  const r = loadSigmaPaths([join(fixtures, 'nope')]);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]!.file, join(fixtures, 'nope'));
  assert.match(r.errors[0]!.message, /cannot read/);
});

test('duplicate ids and names are errors; the first rule is kept (spec §Identification, §Name)', () => {
  const doc = (id: string, name: string, v: string) =>
    `title: ${v}\nid: ${id}\nname: ${name}\nlogsource: {product: k}\ndetection: {sel: {verb: ${v}}, condition: sel}\n`;
  const r = parseSigmaText([doc('x1', 'n1', 'get'), doc('x1', 'n2', 'list'), doc('x3', 'n1', 'watch')].join('---\n'), 'dup.yml');
  assert.deepEqual(
    r.rules.map((x) => x.title),
    ['get'],
  );
  assert.deepEqual(
    r.errors.map((e) => [e.line, e.message]),
    [
      [7, "duplicate rule id 'x1', already used at dup.yml:1"],
      [13, "duplicate rule name 'n1', already used at dup.yml:1"],
    ],
  );
});

test('a rule without id is named by file:line; empty documents are skipped', () => {
  const r = parseSigmaText('---\ntitle: anonymous\nlogsource: {product: k}\ndetection: {sel: {verb: get}, condition: sel}\n---\n', 'anon.yml');
  assert.deepEqual(r.errors, []);
  assert.equal(r.rules.length, 1);
  assert.equal(r.rules[0]!.id, 'anon.yml:2');
});

test('a document that is not a map, or not a Sigma document, is an error', () => {
  const r = parseSigmaText('- a\n- b\n---\ntitle: x\nfoo: bar\n', 'odd.yml');
  assert.deepEqual(
    r.errors.map((e) => [e.line, e.message]),
    [
      [1, 'a Sigma document must be a map of attributes'],
      [4, "not a Sigma document: it has no 'detection' (rule), 'filter' (filter) or 'correlation' section"],
    ],
  );
});

test("detection 'timeframe' (Sigma 1.x aggregation) is an error, not a keyword", () => {
  const r = parseSigmaText('title: t\nlogsource: {product: k}\ndetection:\n    sel: {verb: get}\n    timeframe: 5m\n    condition: sel\n', 't.yml');
  assert.equal(r.rules.length, 0);
  assert.match(r.errors[0]!.message, /'timeframe' in a detection belongs to Sigma 1.x/);
  assert.equal(r.errors[0]!.line, 5);
});
