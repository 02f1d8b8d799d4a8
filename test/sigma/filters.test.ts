import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { filterFromData, filtersFor, isSigmaFilter, loadSigmaPaths, parseSigmaText } from '../../src/sigma/index.js';
import { ev, fixtures, K8S_MAPPING } from './helpers.js';

const tokenRequest = (username: string) =>
  ev({ verb: 'create', user: { username }, objectRef: { resource: 'serviceaccounts', subresource: 'token', namespace: 'd', name: 'x' } });

// spec: sigma-filters-specification.md §Global filter, §Examples
test('a filter document names rules by id or name and suppresses matches its condition holds for (filters spec §Global Filter)', () => {
  const r = loadSigmaPaths([join(fixtures, 'pack')]);
  const tokenRule = r.rules.find((x) => x.name === 'sa_token_request')!;
  const secretRule = r.rules.find((x) => x.title === 'Secret read by a service account')!;
  const applicable = filtersFor(tokenRule, r.filters);
  assert.equal(applicable.length, 1);
  assert.deepEqual(filtersFor(secretRule, r.filters), []);

  const kubelet = tokenRequest('system:node:worker-1');
  const human = tokenRequest('alice');
  assert.equal(tokenRule.match(kubelet), true);
  assert.equal(tokenRule.match(human), true);
  // the caller's loop: a match is suppressed when an applicable filter says so, counted per filter
  const suppressedBy = (e: typeof kubelet) => applicable.filter((f) => f.suppresses(e)).map((f) => f.id);
  assert.deepEqual(suppressedBy(kubelet), ['7d0b1a56-0000-4000-8000-0000000000f1']);
  assert.deepEqual(suppressedBy(human), []);
  assert.equal(applicable[0]!.line, 1);
  assert.equal(applicable[0]!.doc.description, 'The kubelet mints projected tokens for every pod.');
});

test('filters: several identifiers and a condition, like a detection (filters spec §filter selection, §filter condition)', () => {
  const text = `title: rule
id: r1
logsource: {product: kubernetes, service: audit}
detection:
    sel: {verb: delete}
    condition: sel
---
title: tuning
logsource: {product: kubernetes}
filter:
    rules: [r1]
    selection:
        user.username|startswith: 'system:'
    exception:
        user.username: 'system:anonymous'
    condition: selection and not exception
`;
  const r = parseSigmaText(text, 'f.yml');
  assert.deepEqual(r.errors, []);
  const f = filtersFor(r.rules[0]!, r.filters)[0]!;
  assert.equal(f.id, 'f.yml:8');
  assert.equal(f.suppresses(ev({ user: { username: 'system:serviceaccount:a:b' } })), true);
  assert.equal(f.suppresses(ev({ user: { username: 'system:anonymous' } })), false);
  assert.equal(f.suppresses(ev({ user: { username: 'bob' } })), false);
});

test('a filter whose logsource differs from the rule does not apply', () => {
  const text = `title: rule
id: r1
logsource: {product: kubernetes, service: audit}
detection: {sel: {verb: delete}, condition: sel}
---
title: windows tuning
logsource: {product: windows}
filter:
    rules: [r1]
    selection: {User: admin}
    condition: selection
`;
  const r = parseSigmaText(text, 'f.yml');
  assert.equal(r.filters.length, 1);
  assert.deepEqual(filtersFor(r.rules[0]!, r.filters), []);
});

test('filterFromData builds the same filter from plain data (for filters generated from configuration)', () => {
  const f = filterFromData(
    {
      title: 'allow CI',
      id: 'cfg-1',
      logsource: { product: 'kubernetes', service: 'audit' },
      filter: {
        rules: ['84b777bd-c946-4d17-aa2e-c39f5a454325'],
        selection: { 'user.username': ['system:serviceaccount:ci:*', 'system:serviceaccount:argo:*'], apiGroup: 'authorization.k8s.io' },
        condition: 'selection',
      },
    },
    'tokenwatch.yaml',
    { fieldMapping: K8S_MAPPING },
  );
  if (!isSigmaFilter(f)) throw new Error(f.message);
  assert.equal(f.line, 0);
  assert.equal(f.file, 'tokenwatch.yaml');
  assert.deepEqual(f.rules, ['84b777bd-c946-4d17-aa2e-c39f5a454325']);
  assert.equal(f.suppresses(ev({ user: { username: 'system:serviceaccount:ci:runner' }, objectRef: { apiGroup: 'authorization.k8s.io' } })), true);
  assert.equal(f.suppresses(ev({ user: { username: 'system:serviceaccount:ci:runner' }, objectRef: { apiGroup: 'rbac' } })), false);
  assert.equal(f.suppresses(ev({ user: { username: 'system:serviceaccount:prod:x' }, objectRef: { apiGroup: 'authorization.k8s.io' } })), false);
});

test('filterFromData reports what is wrong as a SigmaError (filters spec §Relative rules, §filter selection mandatory)', () => {
  const error = (doc: Record<string, unknown>) => {
    const x = filterFromData(doc, 'cfg.yaml');
    if (isSigmaFilter(x)) throw new Error(`expected an error for ${JSON.stringify(doc)}`);
    assert.equal(x.file, 'cfg.yaml');
    return x.message;
  };
  assert.match(error({ title: 't', logsource: {}, filter: { selection: { a: 1 }, condition: 'selection' } }), /'rules' is mandatory/);
  assert.match(error({ title: 't', logsource: {}, filter: { rules: ['x'], other: { a: 1 }, condition: 'other' } }), /'selection' is mandatory/);
  assert.match(error({ title: 't', logsource: {}, filter: { rules: ['x'], selection: { 'a|bogus': 1 }, condition: 'selection' } }), /unknown modifier 'bogus'/);
  assert.match(error({ title: 't', detection: {} }), /not a Sigma filter/);
  assert.match(error({ title: 't', logsource: {}, filter: { rules: ['x'], selection: { a: 1 } } }), /'condition' is mandatory/);
});
