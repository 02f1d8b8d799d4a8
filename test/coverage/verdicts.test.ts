// For each way a log can be blind (and one that sees everything), the verdict
// of every built-in rule, and of example detectors declared as plain data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditEvent } from '../../src/event/types.js';
import { asAksAdmin, asGke, BUILTIN, BUILTIN_SUBJECTS, observeAll, reasonOf, records, reportOf, verdicts, type Scenario } from './helpers.js';

type V = 'yes' | 'partial' | 'no';
type Row = Record<'tokenrequest-non-system' | 'long-lived-token-created' | 'tokenrequest-denied' | 'tokenrequest-uri-anomaly' | 'legacy-token-secret-created', V>;
const ALL_YES: Row = {
  'tokenrequest-non-system': 'yes',
  'long-lived-token-created': 'yes',
  'tokenrequest-denied': 'yes',
  'tokenrequest-uri-anomaly': 'yes',
  'legacy-token-secret-created': 'yes',
};

const dropStage = (stage: string) => (ev: AuditEvent) => (ev.stage === stage ? null : ev);

interface Case {
  name: string;
  scenario: Scenario;
  rules: Row;
  detectors: Record<string, V>;
  /** expected one-line reasons, by subject id */
  reasons?: Record<string, string | RegExp>;
  /** expected credential warning kinds */
  warnings?: string[];
}

const CASES: Case[] = [
  {
    name: 'a log that sees everything (TokenRequests at Request, Kubernetes 1.31, all stages)',
    scenario: {},
    rules: ALL_YES,
    detectors: { 'minted-token-used': 'yes', 'bound-token-off-node': 'yes', 'secret-read-burst': 'yes' },
  },
  {
    name: 'TokenRequests logged at Metadata (EKS)',
    scenario: { gen: { tokenRequestLevel: 'Metadata' }, format: 'eks', cluster: 'prod-eks' },
    rules: { ...ALL_YES, 'long-lived-token-created': 'partial' },
    detectors: { 'minted-token-used': 'yes', 'bound-token-off-node': 'yes', 'secret-read-burst': 'yes' },
    reasons: { 'long-lived-token-created': 'TokenRequests are logged at Metadata: token lifetime is not visible' },
  },
  {
    name: 'no TokenRequests at all, no reads, no extras (GKE)',
    scenario: { transform: asGke, format: 'gke', cluster: 'prod-gke' },
    rules: { 'tokenrequest-non-system': 'no', 'long-lived-token-created': 'no', 'tokenrequest-denied': 'no', 'tokenrequest-uri-anomaly': 'no', 'legacy-token-secret-created': 'no' },
    detectors: { 'minted-token-used': 'no', 'bound-token-off-node': 'no', 'secret-read-burst': 'no' },
    reasons: {
      'tokenrequest-non-system': 'no TokenRequests (create serviceaccounts/token) in the log: GKE does not log TokenRequest creates',
      'legacy-token-secret-created': "Secret writes are logged at an unrecorded level: the Secret type is not visible; GKE's audit policy logs Secrets, ConfigMaps and TokenReviews at Metadata",
      'secret-read-burst': 'no get/list of secrets: secret reads cannot be counted; GKE writes reads to Data Access logs, which are off by default',
    },
  },
  {
    name: 'no get or list (AKS kube-audit-admin)',
    scenario: { transform: asAksAdmin, format: 'aks', cluster: 'prod-aks' },
    rules: ALL_YES,
    detectors: { 'minted-token-used': 'yes', 'bound-token-off-node': 'yes', 'secret-read-burst': 'no' },
    reasons: { 'secret-read-burst': 'no get/list of secrets: secret reads cannot be counted; the AKS kube-audit-admin category excludes get and list; collect kube-audit instead' },
  },
  {
    name: 'no credential ids (Kubernetes before 1.30)',
    scenario: { gen: { jti: false } },
    rules: ALL_YES,
    detectors: { 'minted-token-used': 'no', 'bound-token-off-node': 'no', 'secret-read-burst': 'yes' },
    reasons: {
      'minted-token-used': 'no credential ids: mint-to-use linking is off; Kubernetes 1.30 or newer writes them',
      'bound-token-off-node': 'no pod-name extras: tokens cannot be tied to pods; Kubernetes 1.30 or newer writes them for pod-bound tokens',
    },
  },
  {
    name: 'RequestReceived omitted',
    scenario: { gen: { omitStages: ['RequestReceived'] } },
    rules: ALL_YES,
    detectors: { 'minted-token-used': 'yes', 'bound-token-off-node': 'yes', 'secret-read-burst': 'yes' },
  },
  {
    name: 'ResponseComplete omitted',
    scenario: { transform: dropStage('ResponseComplete') },
    rules: { ...ALL_YES, 'long-lived-token-created': 'partial', 'tokenrequest-denied': 'no', 'legacy-token-secret-created': 'no' },
    detectors: { 'minted-token-used': 'no', 'bound-token-off-node': 'yes', 'secret-read-burst': 'yes' },
    reasons: {
      'tokenrequest-denied': 'TokenRequests carry no response code: denials cannot be seen; the log has no ResponseComplete stage (the policy omits it)',
      'long-lived-token-created': /^TokenRequests carry no response code: refused mints cannot be told from successful ones; the log has no ResponseComplete stage/,
      'legacy-token-secret-created': /^Secret writes are logged at Request: the Secret type is not visible; only RequestReceived events are in the log/,
    },
  },
  {
    name: 'TokenRequests at RequestResponse (the minted token is in the log)',
    scenario: { gen: { tokenRequestLevel: 'RequestResponse' } },
    rules: ALL_YES,
    detectors: { 'minted-token-used': 'yes', 'bound-token-off-node': 'yes', 'secret-read-burst': 'yes' },
    warnings: ['token-in-log'],
  },
  {
    name: 'secrets logged with data',
    scenario: { gen: { secretLevel: 'RequestResponse' } },
    rules: ALL_YES,
    detectors: { 'minted-token-used': 'yes', 'bound-token-off-node': 'yes', 'secret-read-burst': 'yes' },
    warnings: ['secret-data'],
  },
];

test('the table covers every built-in rule that declares its needs; the others have derived needs', () => {
  const declared = BUILTIN_SUBJECTS.filter((s) => !s.derived).map((s) => s.id).sort();
  assert.deepEqual(declared, Object.keys(ALL_YES).sort());
  for (const s of BUILTIN_SUBJECTS) assert.equal(s.problems, undefined, `${s.id}: ${s.problems?.join('; ')}`);
  assert.equal(BUILTIN.length, BUILTIN_SUBJECTS.length);
});

for (const c of CASES) {
  test(`coverage verdicts: ${c.name}`, () => {
    const r = reportOf(c.scenario);
    const v = verdicts(r);
    assert.deepEqual(
      Object.fromEntries(Object.keys(c.rules).map((k) => [k, v[k]])),
      c.rules,
      JSON.stringify(r.subjects.filter((s) => s.reason).map((s) => `${s.id}: ${s.reason}`), null, 1),
    );
    assert.deepEqual(Object.fromEntries(Object.keys(c.detectors).map((k) => [k, v[k]])), c.detectors, JSON.stringify(r.subjects.map((s) => `${s.id}: ${s.reason}`), null, 1));
    for (const [id, want] of Object.entries(c.reasons ?? {})) {
      const got = reasonOf(r, id);
      if (typeof want === 'string') assert.equal(got, want, id);
      else assert.match(got ?? '', want, id);
    }
    assert.equal(r.subjects.length, BUILTIN.length + 3, 'a verdict for every built-in rule and each detector');
    for (const s of r.subjects) {
      if (s.could_fire === 'yes') assert.equal(s.reason, undefined, s.id);
      else assert.ok(s.reason && !s.reason.includes('\n'), `${s.id} has a one-line reason`);
    }
    for (const k of c.warnings ?? []) {
      const w = r.warnings.filter((x) => x.kind === k);
      assert.equal(w.length, 1, `one ${k} warning per source: ${JSON.stringify(r.warnings)}`);
      assert.ok(w[0]!.count >= 1);
      assert.deepEqual(r.sources[0]!.warnings.filter((m) => m === w[0]!.message), [w[0]!.message]);
    }
    if (!c.warnings?.includes('token-in-log')) assert.equal(r.warnings.filter((x) => x.kind === 'token-in-log').length, 0);
  });
}

test('one source blind, another not: the verdict is partial and names the blind source', () => {
  const a = records({ cluster: 'prod-a' });
  const b = records({ transform: asGke, format: 'gke', cluster: 'prod-gke' });
  const r = observeAll([...a, ...b]).report(BUILTIN_SUBJECTS);
  assert.deepEqual(r.sources.map((s) => s.source), ['prod-a', 'prod-gke']);
  const s = r.subjects.find((x) => x.id === 'tokenrequest-non-system')!;
  assert.equal(s.could_fire, 'partial');
  assert.equal(s.reason, 'could not on prod-gke: no TokenRequests (create serviceaccounts/token) in the log: GKE does not log TokenRequest creates');
  assert.deepEqual(s.sources.map((x) => x.could_fire), ['yes', 'no']);
});

test('the same blindness in every source gives one plain reason', () => {
  const a = records({ gen: { tokenRequestLevel: 'Metadata' }, cluster: 'a' });
  const b = records({ gen: { tokenRequestLevel: 'Metadata', seed: 9 }, cluster: 'b' });
  const r = observeAll([...a, ...b]).report(BUILTIN_SUBJECTS);
  const s = r.subjects.find((x) => x.id === 'long-lived-token-created')!;
  assert.equal(s.could_fire, 'partial');
  assert.equal(s.reason, 'TokenRequests are logged at Metadata: token lifetime is not visible');
});
