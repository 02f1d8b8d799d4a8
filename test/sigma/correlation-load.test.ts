/**
 * Correlation documents: parsing, checks and reference resolution
 * (spec: sigma-correlation-rules-specification.md, Sigma 2.1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseRulesWithoutAlerts, formatSigmaError, parseSigmaText, parseTimespan } from '../../src/sigma/index.js';
import { baseRule, corrDoc, loadDocs, loadOk } from './corr-helpers.js';

const errorsOf = (docs: string[]) => {
  const r = loadDocs(docs);
  assert.equal(r.correlations.length, 0, 'a correlation with errors must not be returned');
  return r.errors.map(formatSigmaError);
};

test('§Correlation section: every attribute is read into the model; rules resolve by name and by id (§Related rules)', () => {
  const r = loadOk([
    baseRule('failed', 'get'),
    baseRule('ok', 'list'),
    corrDoc(
      `
type: temporal_ordered
rules:
    - failed
    - id-ok
group-by:
    - user.username
    - sourceIPs
timespan: 90m`,
      'title: Failed then ok\nid: c-1\nname: failed-then-ok\nstatus: test\nlevel: high\nauthor: me\ndate: 2026-01-02\ntags: [attack.t1110]\nfalsepositives: [none]',
      'generate: true\ntokenwatch: {tests: []}\n',
    ),
  ]);
  const c = r.correlations[0]!;
  assert.equal(c.id, 'c-1');
  assert.equal(c.name, 'failed-then-ok');
  assert.equal(c.type, 'temporal_ordered');
  assert.deepEqual(c.rules, ['failed', 'id-ok']);
  assert.deepEqual(
    c.refs.map((x) => (x.kind === 'rule' ? x.rule.title : '?')),
    ['failed', 'ok'],
  );
  assert.deepEqual(c.groupBy, ['user.username', 'sourceIPs']);
  assert.equal(c.timespan, '90m');
  assert.equal(c.timespanMs, 90 * 60_000);
  assert.equal(c.level, 'high');
  assert.equal(c.status, 'test');
  assert.equal(c.generate, true);
  assert.deepEqual(c.tags, ['attack.t1110']);
  // no condition on a temporal type: every referenced rule (§Condition: "the count of different event types")
  assert.deepEqual(c.condition, { ops: [{ op: 'gte', value: 2 }], implicit: true });
  assert.deepEqual(c.doc.tokenwatch, { tests: [] });
  assert.equal(c.line, 19);
});

test('§Time Selection: number + one lowercase letter of s, m, h, d; anything else is an error at the value', () => {
  assert.equal(parseTimespan('30s'), 30_000);
  assert.equal(parseTimespan('10m'), 600_000);
  assert.equal(parseTimespan('2h'), 7_200_000);
  assert.equal(parseTimespan('1d'), 86_400_000);
  for (const bad of ['1h30m', '90', '5M', '0s', '10w', '-5m', '1.5h', ' 5m']) assert.equal(parseTimespan(bad), undefined, bad);
  for (const [text, shown] of [
    ["'1h30m'", "'1h30m'"],
    ['90', "'90'"],
    ['5M', "'5M'"],
    ['0s', "'0s'"],
  ]) {
    const errs = errorsOf([baseRule('a', 'get'), corrDoc(`type: event_count\nrules: [a]\ngroup-by: [verb]\ntimespan: ${text}\ncondition: {gte: 2}`)]);
    assert.equal(errs.length, 1, text);
    assert.equal(
      errs[0],
      `c.yml:17:15: correlation: bad timespan ${shown}: write a positive number and one lowercase letter s, m, h or d, e.g. 90m (spec: sigma-correlation-rules-specification.md §Time Selection)`,
    );
  }
});

test('§Related rules: an unknown reference, a filter, the correlation itself and an empty list are errors at the entry', () => {
  const filter = 'title: f\nid: f-1\nname: quiet\nlogsource: {product: kubernetes}\nfilter:\n    rules: [a]\n    selection: {verb: get}\n    condition: selection\n';
  const errs = errorsOf([baseRule('a', 'get'), filter, corrDoc(`type: event_count\nrules:\n    - a\n    - nope\n    - quiet\n    - corr\ngroup-by: [verb]\ntimespan: 5m\ncondition: {gte: 2}`)]);
  assert.deepEqual(errs, [
    "c.yml:26:11: correlation: unknown rule reference 'nope': no loaded rule or correlation has this id or name (spec: sigma-correlation-rules-specification.md §Related rules)",
    "c.yml:27:11: correlation: 'quiet' in 'rules' is a filter (c.yml:10); a correlation refers to detection rules or correlations (spec §Related rules)",
    "c.yml:28:11: correlation: 'corr' in 'rules' is this correlation itself",
  ]);
  assert.deepEqual(errorsOf([baseRule('a', 'get'), corrDoc('type: temporal\nrules: [a, id-a]\ngroup-by: [verb]\ntimespan: 5m')]), [
    "c.yml:15:16: correlation: 'id-a' in 'rules' names a rule already listed (by its id or name); each rule counts once",
  ]);
  assert.match(errorsOf([corrDoc('type: event_count\nrules: []\ngroup-by: [verb]\ntimespan: 5m\ncondition: {gte: 2}')])[0]!, /c\.yml:6:12: correlation: 'rules' must name at least one rule/);
});

test('§Correlation type and §Condition: mandatory parts, operators, numbers; value_count needs field (§Value Count)', () => {
  const base = baseRule('a', 'get');
  const one = (body: string) => errorsOf([base, corrDoc(body)]);
  assert.deepEqual(one('rules: [a]\ngroup-by: [verb]\ntimespan: 5m\ncondition: {gte: 2}'), ["c.yml:14:5: correlation: 'type' is mandatory (spec: sigma-correlation-rules-specification.md §Correlation type)"]);
  assert.match(one('type: event_sum\nrules: [a]\ngroup-by: [verb]\ntimespan: 5m\ncondition: {gte: 2}')[0]!, /^c\.yml:14:11: correlation: 'type' must be one of event_count, value_count, temporal, temporal_ordered, value_sum, value_avg, not 'event_sum'/);
  assert.match(one('type: value_percentile\nrules: [a]\ngroup-by: [verb]\ntimespan: 5m\ncondition: {field: x, lte: 1}')[0]!, /^c\.yml:14:11: correlation: type 'value_percentile' is not supported: the specification defines no percentile parameter/);
  assert.deepEqual(one('type: event_count\nrules: [a]\ngroup-by: [verb]\ntimespan: 5m'), ["c.yml:14:5: correlation: 'condition' is mandatory for type event_count (spec: sigma-correlation-rules-specification.md §Condition)"]);
  assert.deepEqual(one('type: value_count\nrules: [a]\ngroup-by: [verb]\ntimespan: 5m\ncondition:\n    gte: 3'), [
    "c.yml:19:9: correlation: type value_count requires 'field' in its condition: the field whose values are counted (spec §Value Count)",
  ]);
  assert.deepEqual(one('type: event_count\nrules: [a]\ngroup-by: [verb]\ntimespan: 5m\ncondition:\n    more: 3\n    gte: three'), [
    "c.yml:19:9: correlation: unknown condition operator 'more' (expected gt, gte, lt, lte, eq, neq or field; spec §Condition)",
    "c.yml:20:14: correlation: condition 'gte' must be a number, not a string",
  ]);
  assert.deepEqual(one('type: event_count\nrules: [a]\ngroup-by: [verb]\ntimespan: 5m\ncondition: {gte: 2.5}'), ["c.yml:18:22: correlation: condition 'gte' counts events, so it must be an integer, not 2.5"]);
  assert.deepEqual(one('type: event_count\nrules: [a]\ngroup-by: [verb]\ntimespan: 5m\ncondition: {field: user.username, gte: 2}'), [
    "c.yml:18:24: correlation: 'field' has no meaning for type event_count: only value_count, value_sum and value_avg count or aggregate a field",
  ]);
  assert.deepEqual(one('type: event_count\nrules: [a]\ntimespan: 5m\ncondition: {gte: 2}'), [
    "c.yml:14:5: correlation: 'group-by' is mandatory (spec: sigma-correlation-rules-specification.md §Grouping); write 'group-by: []' for one group of all matches",
  ]);
  assert.deepEqual(one('type: event_count\nrules: [a]\ngroup-by: [verb]\ntimespan: 5m\ncondition: {gte: 2}\nfield: x'), ["c.yml:19:5: correlation: 'field' belongs inside 'condition' (spec: sigma-correlation-rules-specification.md §Value Count)"]);
  // a range is the AND of two bounds (§Condition: "To define a range, you can use the conjunction 'AND'")
  const ok = loadOk([base, corrDoc('type: value_count\nrules: [a]\ngroup-by: []\ntimespan: 1d\ncondition:\n    field: user.username\n    gt: 100\n    lte: 200')]);
  assert.deepEqual(ok.correlations[0]!.condition, { ops: [{ op: 'gt', value: 100 }, { op: 'lte', value: 200 }], field: 'user.username', implicit: false });
  assert.deepEqual(ok.correlations[0]!.groupBy, []);
});

test('§Correlation rules: detection, filter and logsource do not belong in a correlation; generate is a top-level boolean (§Generate)', () => {
  const errs = errorsOf([
    baseRule('a', 'get'),
    corrDoc('type: event_count\nrules: [a]\ngroup-by: [verb]\ntimespan: 5m\ncondition: {gte: 2}\ngenerate: true', 'title: c\nlogsource: {product: kubernetes}', 'generate: yes please\n'),
  ]);
  assert.deepEqual(errs, [
    "c.yml:11:1: correlation rule: 'logsource' does not belong in a correlation rule: a correlation refers to rules by 'correlation.rules' (spec: sigma-correlation-rules-specification.md §Syntax)",
    "c.yml:19:11: correlation rule: 'generate' must be true or false, not a string (spec §Generate)",
    "c.yml:18:5: correlation: 'generate' belongs at the top level of the document, next to 'correlation' (spec §Generate)",
  ]);
});

test('§Field Name Aliases: an alias names a field per rule; names outside rules and uncovered rules are errors', () => {
  const rules = [baseRule('mint', 'create'), baseRule('use', 'get')];
  const good = loadOk([
    ...rules,
    corrDoc('type: temporal_ordered\nrules: [mint, use]\ngroup-by: [account]\ntimespan: 1h\naliases:\n    account:\n        mint: tokenwatch.target_account\n        use: user.username'),
  ]);
  assert.deepEqual(good.correlations[0]!.aliases, { account: { mint: 'tokenwatch.target_account', use: 'user.username' } });
  assert.deepEqual(errorsOf([...rules, corrDoc('type: temporal\nrules: [mint, use]\ngroup-by: [account]\ntimespan: 1h\naliases:\n    account:\n        mint: tokenwatch.target_account')]), [
    "c.yml:25:16: correlation: group-by field 'account' is an alias, but the alias names no field for rule 'use' (spec §Field Name Aliases)",
  ]);
  assert.deepEqual(
    errorsOf([...rules, corrDoc('type: temporal\nrules: [mint, use]\ngroup-by: [account]\ntimespan: 1h\naliases:\n    account:\n        mint: a\n        use: b\n        other: c')]),
    ["c.yml:31:13: correlation: alias 'account' names 'other', which is not one of this correlation's rules (mint, use) (spec §Field Name Aliases)"],
  );
});

test('§Related rules: correlations chain; a cycle, and an outer group-by the inner correlation lacks, are errors', () => {
  const failed = baseRule('failed', 'get');
  const ok = baseRule('ok', 'list');
  const inner = corrDoc('type: event_count\nrules: [failed]\ngroup-by: [user.username]\ntimespan: 10m\ncondition: {gte: 3}', 'title: many\nid: many-1\nname: many_failed');
  const outer = corrDoc('type: temporal_ordered\nrules: [many_failed, ok]\ngroup-by: [user.username]\ntimespan: 10m', 'title: outer\nid: outer-1\nname: outer');
  const r = loadOk([failed, ok, outer, inner]);
  const o = r.correlations.find((c) => c.name === 'outer')!;
  assert.equal(o.refs[0]!.kind, 'correlation');
  assert.equal(o.refs[0]!.kind === 'correlation' && o.refs[0]!.correlation.name, 'many_failed');

  const badGroup = corrDoc('type: temporal_ordered\nrules: [many_failed, ok]\ngroup-by: [sourceIPs]\ntimespan: 10m', 'title: outer\nid: outer-1\nname: outer');
  const r2 = loadDocs([failed, ok, badGroup, inner]);
  assert.deepEqual(r2.correlations.map((c) => c.name), ['many_failed']);
  assert.deepEqual(r2.errors.map(formatSigmaError), [
    "c.yml:25:16: correlation: group-by field 'sourceIPs' is not a group-by field of the chained correlation 'many_failed' (user.username), so its matches have no value for it",
  ]);

  const a = corrDoc('type: event_count\nrules: [cb]\ngroup-by: [verb]\ntimespan: 5m\ncondition: {gte: 2}', 'title: a\nid: ca');
  const b = corrDoc('type: event_count\nrules: [ca]\ngroup-by: [verb]\ntimespan: 5m\ncondition: {gte: 2}', 'title: b\nid: cb');
  const r3 = loadDocs([a, b]);
  assert.equal(r3.correlations.length, 0);
  assert.match(r3.errors.map(formatSigmaError).join('\n'), /chained correlations form a cycle: ca → cb → ca/);

  // a value_* correlation cannot read a field of a correlation's matches
  const r4 = loadDocs([failed, inner, corrDoc('type: value_count\nrules: [many_failed]\ngroup-by: [user.username]\ntimespan: 1h\ncondition: {field: verb, gte: 2}', 'title: v\nid: v-1')]);
  assert.match(r4.errors.map(formatSigmaError).join('\n'), /'many_failed' is a correlation, whose matches are groups, not events/);
});

test('§Identification: ids and names are unique across rules and correlations, since rules may name either', () => {
  const r = loadDocs([baseRule('a', 'get'), corrDoc('type: event_count\nrules: [a]\ngroup-by: [verb]\ntimespan: 5m\ncondition: {gte: 2}', 'title: c\nid: x\nname: a')]);
  assert.deepEqual(r.errors.map(formatSigmaError), ["c.yml:10: duplicate rule or correlation name 'a', already used at c.yml:1"]);
  assert.equal(r.correlations.length, 0);
});

test('references to rules loaded elsewhere resolve through LoadOptions.external (a user correlation over built-in rules)', () => {
  const builtin = parseSigmaText(baseRule('mint', 'create'), 'builtin.yml');
  const doc = corrDoc('type: event_count\nrules: [mint]\ngroup-by: [user.username]\ntimespan: 5m\ncondition: {gte: 2}');
  assert.equal(parseSigmaText(doc, 'user.yml').correlations.length, 0);
  const r = parseSigmaText(doc, 'user.yml', { external: { rules: builtin.rules } });
  assert.deepEqual(r.errors, []);
  assert.equal(r.correlations[0]!.refs[0]!.kind === 'rule' && r.correlations[0]!.refs[0]!.rule, builtin.rules[0]);
});

test('§Generate: referenced rules raise no alert of their own unless a correlation referencing them says generate: true', () => {
  const docs = [
    baseRule('a', 'get'),
    baseRule('b', 'list'),
    baseRule('c', 'watch'),
    corrDoc('type: event_count\nrules: [a, b]\ngroup-by: [verb]\ntimespan: 5m\ncondition: {gte: 2}', 'title: one\nid: one\nname: one'),
    corrDoc('type: event_count\nrules: [b, c]\ngroup-by: [verb]\ntimespan: 5m\ncondition: {gte: 2}', 'title: two\nid: two', 'generate: true\n'),
    corrDoc('type: event_count\nrules: [one]\ngroup-by: [verb]\ntimespan: 5m\ncondition: {gte: 2}', 'title: three\nid: three'),
  ];
  const r = loadOk(docs);
  // a: only under generate false; b: under both, so it alerts; c: generate true; `one` (a correlation) is referenced by three
  assert.deepEqual([...baseRulesWithoutAlerts(r.correlations)].sort(), ['a', 'id-a', 'one']);
});
