/**
 * explain: why a rule did or did not match, from the compiled predicates
 * (spec: sigma-rules-specification.md §Detection, §Condition;
 * sigma-filters-specification.md for suppression).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { explainRule, formatSigmaError, loadSigmaPaths } from '../../src/sigma/index.js';
import type { ConditionExplanation, DetectionExplanation, ItemExplanation, MapExplanation, SigmaRule } from '../../src/sigma/index.js';
import type { AuditEvent } from '../../src/event/types.js';
import { decodeValueInto, newCounters } from '../../src/pipeline/evaluate.js';
import { loadRuleSet } from '../../src/ruleset/load.js';
import { KUBERNETES_FIELD_MAPPING } from '../../src/ruleset/field-mapping.js';
import { ev, repoRoot, rule, sigmahqDir } from './helpers.js';

/** Every audit event of the shared corpus and the format fixtures, decoded (and redacted) as scan decodes them. */
function corpusEvents(): AuditEvent[] {
  const out: AuditEvent[] = [];
  const files: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ndjson|json|log)$/.test(n)) files.push(p);
    }
  };
  walk(join(repoRoot, '..', 'shared', 'corpus'));
  walk(join(repoRoot, 'test', 'fixtures', 'formats'));
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    const values: unknown[] = [];
    try {
      values.push(JSON.parse(text));
    } catch {
      for (const line of text.split('\n')) {
        try {
          if (line.trim()) values.push(JSON.parse(line));
        } catch {
          /* not JSON: not an event */
        }
      }
    }
    for (const v of values) decodeValueInto(v, { file: f, line: 1 }, newCounters(), { event: (r) => out.push(r.event), reject: () => undefined });
  }
  return out;
}

function checkCondition(c: ConditionExplanation, d: DetectionExplanation): void {
  const args = c.args ?? [];
  if (c.op === 'and') assert.equal(c.matched, args.every((a) => a.matched), c.text);
  if (c.op === 'or') assert.equal(c.matched, args.some((a) => a.matched), c.text);
  if (c.op === 'not') assert.equal(c.matched, !args[0]!.matched, c.text);
  if (c.op === 'selection') assert.equal(c.matched, d.selections.find((s) => s.name === c.text)!.matched, c.text);
  if (c.op === 'of') {
    const sels = c.selections!.map((n) => d.selections.find((s) => s.name === n)!.matched);
    assert.equal(c.matched, c.text.startsWith('1 of') ? sels.some(Boolean) : sels.every(Boolean), c.text);
  }
  args.forEach((a) => checkCondition(a, d));
}

function checkItem(it: ItemExplanation): void {
  const vs = it.values.map((v) => v.matched);
  assert.equal(it.matched, it.combine === 'all' ? vs.every(Boolean) : vs.some(Boolean), it.key ?? 'keywords');
  for (const v of it.values) if (v.matchedValues && it.kind === 'field' && v.kind !== 'neq') assert.equal(v.matched, v.matchedValues.length > 0, `${it.key}: ${v.expected}`);
}

/** The explanation is internally consistent: each node's verdict follows from its parts as Sigma defines them. */
function checkDetection(d: DetectionExplanation): void {
  assert.equal(d.matched, d.conditions.some((c) => c.matched), 'several conditions are OR-ed (§Condition)');
  for (const c of d.conditions) checkCondition(c, d);
  for (const s of d.selections) {
    const alts = s.alternatives.map((a) => a.matched);
    // a map: all items (§Maps); a list: one alternative (§Lists)
    assert.equal(s.matched, s.shape === 'list' ? alts.some(Boolean) : alts[0], s.name);
    for (const a of s.alternatives) {
      if ((a as MapExplanation).kind === 'map') {
        const m = a as MapExplanation;
        assert.equal(m.matched, m.items.every((i) => i.matched), s.name);
        m.items.forEach(checkItem);
      } else checkItem(a as ItemExplanation);
    }
  }
}

test("explain's verdict equals rule.match on every corpus event, for every built-in and SigmaHQ rule, and its parts agree with it (§Condition, §Maps, §Lists)", () => {
  const set = loadRuleSet({ builtin: true });
  const sigmahq = loadSigmaPaths([sigmahqDir], { fieldMapping: KUBERNETES_FIELD_MAPPING });
  assert.deepEqual(sigmahq.errors.map(formatSigmaError), []);
  const rules: SigmaRule[] = [...set.rules.map((r) => r.sigma), ...sigmahq.rules];
  const events = corpusEvents();
  assert.ok(events.length > 500, `corpus events: ${events.length}`);
  let matched = 0;
  let unmatched = 0;
  for (const r of rules) {
    for (const e of events) {
      const x = explainRule(r, e);
      assert.equal(x.matched, r.match(e), `${r.id} on ${e.auditID}`);
      assert.equal(x.fires, x.matched);
      checkDetection(x.detection!);
      if (x.matched) matched++;
      else unmatched++;
    }
  }
  assert.ok(matched > 50 && unmatched > 1000, `both outcomes covered: ${matched} matched, ${unmatched} not`);
});

test('a field item shows the values seen, the modifiers, each expected value and which event values it accepted', () => {
  const r = rule(`
sel:
    objectRef.resource: secrets
    user.username|startswith:
        - 'system:serviceaccount:'
        - 'eks:'
    sourceIPs|cidr: 10.0.0.0/8
condition: sel`);
  const x = explainRule(r, ev({ objectRef: { resource: 'secrets' }, user: { username: 'system:serviceaccount:prod:app' }, sourceIPs: ['192.168.1.1', '10.1.2.3'] }));
  assert.equal(x.matched, true);
  const items = (x.detection!.selections[0]!.alternatives[0] as MapExplanation).items;
  assert.deepEqual(
    items.map((i) => ({ key: i.key, seen: i.seen, mods: i.modifiers, values: i.values.map((v) => [v.expected, v.matched, v.matchedValues]), matched: i.matched, line: i.line })),
    [
      { key: 'objectRef.resource', seen: ['secrets'], mods: [], values: [["'secrets'", true, ['secrets']]], matched: true, line: 8 },
      {
        key: 'user.username|startswith',
        seen: ['system:serviceaccount:prod:app'],
        mods: ['startswith'],
        values: [
          ["startswith 'system:serviceaccount:*'", true, ['system:serviceaccount:prod:app']],
          ["startswith 'eks:*'", false, []],
        ],
        matched: true,
        line: 9,
      },
      { key: 'sourceIPs|cidr', seen: ['192.168.1.1', '10.1.2.3'], mods: ['cidr'], values: [['cidr 10.0.0.0/8', true, ['10.1.2.3']]], matched: true, line: 12 },
    ],
  );
});

test('the condition tree and x-of patterns are explained node by node (§Condition)', () => {
  const r = rule(`
sel:
    verb: create
failed_http:
    responseStatus.code|gte: 400
failed_grpc:
    responseStatus.code|lte: 16
condition: sel and not 1 of failed_*`);
  const x = explainRule(r, ev({ verb: 'create', responseStatus: { code: 403 } }));
  assert.equal(x.matched, false);
  const c = x.detection!.conditions[0]!;
  assert.equal(c.text, 'sel and not 1 of failed_*');
  assert.deepEqual(
    c.args!.map((a) => [a.op, a.text, a.matched]),
    [
      ['selection', 'sel', true],
      ['not', 'not 1 of failed_*', false],
    ],
  );
  const of = c.args![1]!.args![0]!;
  assert.deepEqual([of.op, of.text, of.matched, of.selections], ['of', '1 of failed_*', true, ['failed_http', 'failed_grpc']]);
});

test('keywords and lists of maps: which keyword matched which string, which alternative held (§Keywords, §Lists)', () => {
  const r = rule(`
kw:
    - 'trufflehog'
    - 'peirates'
alts:
    - verb: delete
    - verb: get
      objectRef.resource: secrets
condition: kw or alts`);
  const x = explainRule(r, ev({ verb: 'get', userAgent: 'TruffleHog/3.0', objectRef: { resource: 'pods' } }));
  assert.equal(x.matched, true);
  const [kw, alts] = x.detection!.selections;
  assert.equal(kw!.shape, 'keywords');
  const k = kw!.alternatives[0] as ItemExplanation;
  assert.deepEqual(
    k.values.map((v) => [v.expected, v.matched, v.matchedValues]),
    [
      ["'*trufflehog*'", true, ['TruffleHog/3.0']],
      ["'*peirates*'", false, []],
    ],
  );
  assert.equal(alts!.shape, 'list');
  assert.deepEqual(
    alts!.alternatives.map((a) => a.matched),
    [false, false],
  );
  assert.equal(alts!.matched, false);
});

test('filters: a match hidden by a filter is explained as not firing, naming the filter (sigma-filters-specification.md)', () => {
  const set = loadRuleSet({ builtin: true });
  const ll = set.rules.find((r) => r.id === 'long-lived-token-created')!;
  const kubelet = ev({ verb: 'create', user: { username: 'system:node:worker-1', groups: ['system:nodes'] }, objectRef: { resource: 'serviceaccounts', subresource: 'token', namespace: 'prod', name: 'app' }, responseStatus: { code: 201 } });
  const x = explainRule(ll.sigma, kubelet, ll.filters);
  assert.equal(x.matched, true);
  assert.equal(x.fires, false);
  assert.deepEqual(x.suppressedBy, ['kubelet-pod-token-requests']);
  assert.equal(x.filters[0]!.detection!.matched, true);
  const user = explainRule(ll.sigma, { ...kubelet, user: { username: 'mallory@example.com' } } as AuditEvent, ll.filters);
  assert.deepEqual([user.matched, user.fires, user.suppressedBy], [true, true, []]);
});
