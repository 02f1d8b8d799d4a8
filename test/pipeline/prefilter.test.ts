import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCluster } from '../../bench/generate/index.js';
import { DETECTOR_IDS } from '../../src/detectors/detector-set.js';
import { REDACTION_TRIGGERS, redactEvent } from '../../src/event/redact.js';
import { decodeRecord } from '../../src/formats/picker.js';
import { LineClassifier, PARSE_ALL, PARSE_PLAIN, SKIP } from '../../src/pipeline/line-classifier.js';
import { literalSearch } from '../../src/pipeline/literal-search.js';
import { planPrefilter, ruleLiterals, type PrefilterPlan } from '../../src/pipeline/prefilter.js';
import { loadRuleSet } from '../../src/ruleset/load.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const FIXTURES = join(ROOT, 'test', 'fixtures', 'formats');

function rulesFrom(yaml: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'tw-pf-'));
  for (const [f, text] of Object.entries(yaml)) writeFileSync(join(dir, f), text);
  const set = loadRuleSet({ builtin: false, ruleDirs: [dir], config: {}, detectorIds: DETECTOR_IDS });
  assert.deepEqual(set.errors, []);
  return set.rules;
}

const rule = (id: string, detection: string) => `title: t ${id}\nid: ${id}\nlogsource:\n  product: kubernetes\n  service: audit\ndetection:\n${detection}\nlevel: low\n`;

test('rule literals: quoted for whole values, cased when the rule is, none for numbers, derived fields or quotes', () => {
  const rules = rulesFrom({
    'a.yml': rule('11111111-1111-4111-8111-111111111111', '  sel:\n    responseStatus.code: 403\n  condition: sel'),
    'b.yml': rule('22222222-2222-4222-8222-222222222222', '  sel:\n    objectRef.resource|cased: secrets\n  condition: sel'),
    'c.yml': rule('33333333-3333-4333-8333-333333333333', "  sel:\n    user.username|startswith: 'system:ServiceAccount:'\n  condition: sel"),
    'd.yml': rule('44444444-4444-4444-8444-444444444444', '  sel:\n    tokenwatch.target_account: system:serviceaccount:a:b\n  other:\n    verb: create\n  condition: sel and other'),
    'e.yml': rule('55555555-5555-4555-8555-555555555555', '  keywords:\n    - Evil\n  condition: keywords'),
    'f.yml': rule('66666666-6666-4666-8666-666666666666', '  sel:\n    userAgent|contains: \'a"b\'\n  condition: sel'),
    'g.yml': rule('77777777-7777-4777-8777-777777777777', '  sel:\n    tokenwatch.uri.params|contains: expirationSeconds\n  condition: sel'),
  });
  const lits = Object.fromEntries(rules.map((r) => [r.id.slice(0, 1), ruleLiterals(r)]));
  assert.equal(lits['1'], null);
  assert.deepEqual(lits['2'], [{ text: '"secrets"', ci: false }]);
  assert.deepEqual(lits['3'], [{ text: '"system:serviceaccount:', ci: true }]);
  assert.deepEqual(lits['4'], [{ text: '"create"', ci: true }]);
  assert.deepEqual(lits['5'], [{ text: 'evil', ci: true }]);
  assert.deepEqual(lits['6'], [{ text: 'a', ci: true }], 'a quote is written escaped: only the runs around it are literals');
  assert.equal(lits['7'], null, 'a percent-decoded derived field gives no literal');
  assert.ok('off' in planPrefilter(rules, { detectors: false }), 'a rule without literals turns the prefilter off');
});

let plan: PrefilterPlan | undefined;
function classifier(detectors = false): LineClassifier {
  const set = loadRuleSet({ builtin: true, config: {}, detectorIds: DETECTOR_IDS });
  const p = planPrefilter(set.rules, { detectors });
  assert.ok('plan' in p);
  plan = p.plan;
  return new LineClassifier(p.plan);
}

function classify(c: LineClassifier, line: string): number {
  const buf = Buffer.from(line);
  const s = literalSearch(c.plan.literals, buf);
  const input = s.input(buf.length);
  input.set(buf);
  c.setLazyBlock(1000, input, (a, b) => s.runRange(a, b));
  return c.classify(Buffer.from(input.buffer, input.byteOffset, buf.length), 0, buf.length, 1000);
}

const PLAIN = '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"id-1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/configmaps?limit=500\\u0026resourceVersion=0","verb":"list","user":{"username":"alice@example.com","groups":["system:authenticated"]},"sourceIPs":["10.0.0.1"],"userAgent":"kubectl/v1.31.0","objectRef":{"resource":"configmaps","namespace":"default","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2026-03-02T08:00:00.000001Z","stageTimestamp":"2026-03-02T08:00:00.000002Z","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \\"x\\" of ClusterRole \\"view\\" to User \\"alice@example.com\\""}}';

test('line classification', () => {
  const c = classifier();
  assert.equal(classify(c, PLAIN), SKIP);
  assert.equal(c.id, 'id-1');
  assert.equal(c.stage, 'ResponseComplete');
  // a rule literal: parsed, with the rules that may match
  assert.equal(classify(c, PLAIN.replace('"configmaps"', '"serviceaccounts"')), PARSE_PLAIN);
  assert.ok(c.rules.length > 0);
  // the built-in rules compare the resource case-sensitively (|cased): another case cannot match
  assert.equal(classify(c, PLAIN.replace('"configmaps"', '"ServiceAccounts"')), SKIP);
  // an escape that may hide a literal's letter
  assert.equal(classify(c, PLAIN.replace('"configmaps"', '"\\u0073erviceaccounts"')), PARSE_ALL);
  assert.equal(classify(c, PLAIN.replace('"configmaps"', '"config\\u006daps"')), PARSE_ALL);
  // harmless escapes (&, a quote) are fine; an invalid one is for the parser to reject
  assert.equal(classify(c, PLAIN.replace('alice@', 'a\\"lice@')), SKIP);
  assert.equal(classify(c, PLAIN.replace('alice@', 'alice\\x@')), PARSE_ALL);
  // not a plain raw event
  assert.equal(classify(c, PLAIN.replace('{"kind":"Event",', '{"kind":"Event","records":[],')), PARSE_ALL);
  assert.equal(classify(c, PLAIN.replace('"level":"Metadata",', '')), PARSE_ALL);
  assert.equal(classify(c, PLAIN.replace('audit.k8s.io/v1', 'v1')), PARSE_ALL);
  assert.equal(classify(c, PLAIN + PLAIN), PARSE_ALL);
  assert.equal(classify(c, PLAIN.replace('"verb":"list",', '')), PARSE_ALL);
  assert.equal(classify(c, PLAIN.replace('"verb":"list",', '"verb":"",')), PARSE_ALL);
  assert.equal(classify(c, PLAIN.replace('}}', '},"auditID":"id-2"}')), PARSE_ALL, 'a second auditID would win');
  // something redaction would change: parsed so that it is redacted and counted
  assert.equal(classify(c, PLAIN.replace('kubectl/v1.31.0', 'Bearer abcdefghijkl')), PARSE_PLAIN);
  assert.deepEqual(c.rules, []);
});

test('line classification with the detectors: their literals are parsed, the rest replayed with their times', () => {
  const c = classifier(true);
  assert.equal(classify(c, PLAIN), SKIP);
  assert.equal(c.t, Date.parse('2026-03-02T08:00:00.000Z'), 'the event time, from requestReceivedTimestamp');
  // without one the event time is stageTimestamp's, which the search does not look for: parsed (the API server
  // writes a requestReceivedTimestamp at every stage)
  assert.equal(classify(c, PLAIN.replace('"requestReceivedTimestamp":"2026-03-02T08:00:00.000001Z",', '')), PARSE_ALL);
  // one in the API server's form that is no date: parsed too (eventTime then takes stageTimestamp)
  assert.equal(classify(c, PLAIN.replace('"requestReceivedTimestamp":"2026-03-02T08:00:00.000001Z"', '"requestReceivedTimestamp":"2026-13-02T08:00:00.000001Z"')), PARSE_ALL);
  // the request's key takes the time as numbers in the API server's form only: another form is parsed (the judge reads the event)
  assert.equal(classify(c, PLAIN.replace('"requestReceivedTimestamp":"2026-03-02T08:00:00.000001Z"', '"requestReceivedTimestamp":"2026-03-02T08:00:01.5+01:00"')), PARSE_ALL);
  assert.equal(classify(c, PLAIN.replace('"requestReceivedTimestamp":"2026-03-02T08:00:00.000001Z"', '"requestReceivedTimestamp":"2026-03-02T08:00:00.000001Z","x":{"requestReceivedTimestamp":"y"}')), PARSE_ALL, 'two of them');
  assert.equal(classify(c, PLAIN), SKIP);
  assert.deepEqual([c.keyKind, c.keyD, c.keyT, c.keyF, c.rrt], [1, 20260302, 80000, 1, '2026-03-02T08:00:00.000001Z'], 'the key read from the line');
  assert.equal(classify(c, PLAIN.replace('alice@example.com', 'system:serviceaccount:default:app')), PARSE_PLAIN);
  assert.equal(c.detOnly, true);
  assert.equal(classify(c, PLAIN.replace('alice@example.com', 'system:node:worker-1')), PARSE_PLAIN);
  assert.equal(classify(c, PLAIN.replace('"configmaps"', '"pods"')), PARSE_PLAIN);
  assert.equal(c.detBody, true);
  assert.equal(classify(c, PLAIN.replace('"requestReceivedTimestamp":"2026', '"requestReceivedTimestamp":"\\u0032026')), PARSE_ALL);
  // stageTimestamp is not the event time when requestReceivedTimestamp is there: not read at all
  assert.equal(classify(c, PLAIN.replace('"stageTimestamp":"2026', '"stageTimestamp":"\\u0032026')), SKIP);
  assert.equal(c.t, Date.parse('2026-03-02T08:00:00.000Z'));
});

/** Every object in the format fixtures, and the objects in their top-level arrays. */
function fixtureObjects(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const add = (v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) out.push(v as Record<string, unknown>);
    if (Array.isArray(v)) v.forEach(add);
  };
  for (const dir of readdirSync(FIXTURES)) {
    if (dir.endsWith('.mjs')) continue;
    for (const f of readdirSync(join(FIXTURES, dir))) {
      const text = readFileSync(join(FIXTURES, dir, f), 'utf8');
      try {
        add(JSON.parse(text));
      } catch {
        for (const l of text.split('\n')) {
          try {
            add(JSON.parse(l.replace(/^\S+Z /, '')));
          } catch {
            /* not JSON */
          }
        }
      }
    }
  }
  for (const o of [...out]) for (const v of Object.values(o)) add(v);
  return out;
}

test('a plain-looking line that another format would claim is never skipped (ENVELOPE_KEYS against the adapters)', () => {
  const c = classifier();
  const plain = JSON.parse(PLAIN) as Record<string, unknown>;
  let claimed = 0;
  const seen = new Set<string>();
  for (const o of fixtureObjects()) {
    for (const [k, v] of Object.entries(o)) {
      const key = `${k}=${JSON.stringify(v).slice(0, 200)}`;
      if (seen.has(key) || k in plain) continue;
      seen.add(key);
      const line = JSON.stringify({ ...plain, [k]: v });
      let events = 0;
      let raw = 0;
      decodeRecord({ text: line, place: { file: 'f', line: 1 } }, { event: (d) => { events++; if (d.format === 'raw') raw++; }, reject: () => {} });
      if (events === 1 && raw === 1) continue;
      claimed++;
      assert.notEqual(classify(c, line), SKIP, `a line with "${k}" is decoded as ${events} event(s), ${raw} raw: it must not be skipped`);
    }
  }
  assert.ok(claimed > 5, `the fixtures hold envelope keys (${claimed})`);
});

test('REDACTION_TRIGGERS: an event whose line holds none of them is left as it is by redactEvent', () => {
  let checked = 0;
  for (const g of generateCluster({ seed: 5, events: 3000, tokenRequestLevel: 'RequestResponse', secretLevel: 'RequestResponse', eventsPerSecond: 50 })) {
    const line = g.line;
    const lower = line.toLowerCase();
    const hit = REDACTION_TRIGGERS.some((t) => (t.caseInsensitive ? lower.includes(t.text) : line.includes(t.text)));
    const n = redactEvent(JSON.parse(line));
    if (!hit) {
      assert.equal(n, 0, line.slice(0, 300));
      checked++;
    }
  }
  assert.ok(checked > 1000);
  assert.ok(plan === undefined || plan.literals.length <= 64);
});
