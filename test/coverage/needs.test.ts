import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CoverageCollector } from '../../src/coverage/collector.js';
import { CREDENTIAL_ID, describeSelector, parseNeeds, resourceSpecMatches, type Needs } from '../../src/coverage/needs.js';
import type { CoverageSubject } from '../../src/coverage/report.js';
import { subjectFromDetector, subjectFromRule } from '../../src/coverage/subjects.js';
import type { AuditEvent, EventRecord } from '../../src/event/types.js';
import { loadRuleSet } from '../../src/ruleset/load.js';
import { SHARED } from '../helpers.js';
import { asAksAdmin, observeAll, records } from './helpers.js';

const rec = (event: AuditEvent, format = 'raw'): EventRecord => ({ event, source: { file: 'h.log', line: 1, format } });
const subject = (needs: Needs): CoverageSubject => ({ id: 'x', title: 'x', kind: 'detector', needs });
const judge = (events: AuditEvent[], needs: Needs, format = 'raw') => {
  const c = new CoverageCollector();
  for (const e of events) c.observe(rec(e, format));
  const s = c.report([subject(needs)]).subjects[0]!;
  return { verdict: s.could_fire, reason: s.reason };
};

test('parseNeeds reads every kind of need and says what is wrong with bad ones', () => {
  const ok = parseNeeds([
    { events: { verbs: ['create'], resources: ['serviceaccounts/token'] }, reason: 'no mints' },
    { field: ['requestObject.type', 'requestObject.path'], on: { verbs: ['create'], resources: ['secrets'] }, optional: true },
    { level: 'Request', on: { resources: ['pods/*'] } },
    { stage: ['ResponseComplete', 'Panic'] },
    { extra: CREDENTIAL_ID, prefix: 'JTI=' },
    { anyOf: [[{ events: { verbs: ['get'] } }], [{ events: { actor: 'serviceaccount' } }]] },
  ]);
  assert.deepEqual(ok.errors, []);
  assert.equal(ok.needs.length, 6);
  const bad = parseNeeds([
    { events: { verbs: ['get'] }, field: 'x' },
    { events: { verb: 'get' } },
    { level: 'Everything', on: {} },
    { stage: 'Done' },
    { field: 'x', reason: 'two\nlines' },
    { extra: CREDENTIAL_ID, on: { actor: 'robot' } },
    { events: {}, on: {} },
    { events: { resources: ['a/b/c'] } },
    'text',
  ]);
  assert.deepEqual(bad.errors, [
    'needs[0]: exactly one of events, field, level, stage, extra, anyOf (found events, field)',
    'needs[1].events: unknown key "verb" (verbs, resources, actor)',
    'needs[2].level: Metadata, Request or RequestResponse',
    'needs[3].stage: one or more of RequestReceived, ResponseStarted, ResponseComplete, Panic',
    'needs[4].reason: one line of text',
    'needs[5].on.actor: any, serviceaccount or node',
    'needs[6]: an events need takes no "on" (the selector is its value)',
    'needs[7].events.resources: "a/b/c" is not resource or resource/subresource',
    'needs[8]: a need is a map with one of events, field, level, stage, extra, anyOf',
  ]);
  assert.deepEqual(parseNeeds({}).errors, ['needs: a list of needs']);
});

test('resources match as in an audit Policy', () => {
  const cases: [string, string, string, boolean][] = [
    ['secrets', 'secrets', '', true],
    ['secrets', 'secrets', 'status', false],
    ['serviceaccounts/token', 'serviceaccounts', 'token', true],
    ['serviceaccounts/token', 'serviceaccounts', '', false],
    ['*/exec', 'pods', 'exec', true],
    ['*/exec', 'pods', '', false],
    ['pods/*', 'pods', 'exec', true],
    ['pods/*', 'pods', '', true], // the API server's checker compares only the resource for "r/*"
    ['pods/*', 'nodes', 'proxy', false],
    ['*', 'anything', 'sub', true],
    ['*', '', '', false], // a non-resource request
  ];
  for (const [spec, r, s, want] of cases) assert.equal(resourceSpecMatches(spec, r, s), want, `${spec} vs ${r}/${s}`);
  assert.equal(describeSelector({ verbs: ['get', 'list'], resources: ['secrets'] }), 'get/list secrets');
  assert.equal(describeSelector({ actor: 'serviceaccount' }), 'service-account');
});

test('level, stage, extra and anyOf needs; optional needs make a subject partial', () => {
  const secretWrite: AuditEvent = { verb: 'create', level: 'Metadata', stage: 'ResponseComplete', objectRef: { resource: 'secrets' }, user: { username: 'system:serviceaccount:a:b', extra: { 'example.com/team': ['x'] } } };
  assert.deepEqual(judge([secretWrite], [{ level: 'Request', on: { resources: ['secrets'] } }]), { verdict: 'no', reason: 'secrets events are logged at Metadata, not Request' });
  assert.deepEqual(judge([{ ...secretWrite, level: 'RequestResponse' }], [{ level: 'Request', on: { resources: ['secrets'] } }]), { verdict: 'yes', reason: undefined });
  assert.deepEqual(judge([secretWrite], [{ stage: 'RequestReceived', on: { resources: ['secrets'] } }]), { verdict: 'no', reason: 'no RequestReceived stage for secrets events (stages seen: ResponseComplete)' });
  assert.equal(judge([secretWrite], [{ extra: 'example.com/team' }]).verdict, 'yes');
  assert.deepEqual(judge([secretWrite], [{ extra: 'example.com/other' }]), { verdict: 'no', reason: 'no example.com/other on service-account requests' });
  assert.deepEqual(judge([{ ...secretWrite, user: { username: 'alice' } }], [{ extra: CREDENTIAL_ID, prefix: 'JTI=' }]), { verdict: 'no', reason: 'no service-account requests: no request in the log was made by a service account' });
  assert.deepEqual(judge([secretWrite], [{ events: { verbs: ['create'], resources: ['secrets'] } }, { field: 'requestObject', on: { resources: ['secrets'] }, optional: true, reason: 'no body ({levels}, {count} events, {events}, {field}, {stages})' }]), {
    verdict: 'partial',
    reason: 'no body (Metadata, 1 events, secrets, requestObject, ResponseComplete)',
  });
  const alt: Needs = [{ anyOf: [[{ events: { verbs: ['get'] } }], [{ events: { resources: ['secrets'] } }, { field: 'requestObject', on: { resources: ['secrets'] }, optional: true }]] }];
  assert.deepEqual(judge([secretWrite], alt), { verdict: 'partial', reason: 'requestObject never present on secrets events (logged at Metadata)' });
  assert.deepEqual(judge([{ ...secretWrite, verb: 'get' }], alt), { verdict: 'yes', reason: undefined });
  assert.deepEqual(judge([{ verb: 'delete', objectRef: { resource: 'pods' } }], alt), { verdict: 'no', reason: 'no get events: the log holds no get or list at all: the audit policy drops reads' });
});

test('a subject with fields but no needs needs its fields; an empty input can fire nothing', () => {
  const c = new CoverageCollector();
  c.observe(rec({ verb: 'get', userAgent: 'curl' }));
  const r = c.report([{ id: 'f', title: 'f', kind: 'detector', needs: [], fields: ['userAgent', 'impersonatedUser.username'] }]);
  assert.equal(r.subjects[0]!.reason, 'impersonatedUser.username never present in the log');
  const empty = new CoverageCollector().report([{ id: 'e', title: 'e', kind: 'rule', needs: [] }]);
  assert.deepEqual([empty.subjects[0]!.could_fire, empty.subjects[0]!.reason], ['no', 'no events were read']);
});

const sigmahq = loadRuleSet({ builtin: false, ruleDirs: [join(SHARED, 'sigma', 'kubernetes')] });
const byTitle = (t: string) => subjectFromRule(sigmahq.rules.find((r) => r.ref.title.includes(t))!);

test('SigmaHQ rules declare nothing: needs are derived from what their detection requires', () => {
  assert.deepEqual(sigmahq.errors, []);
  const enumeration = byTitle('Secrets Enumeration');
  assert.equal(enumeration.derived, true);
  assert.deepEqual(enumeration.needs, [{ events: { verbs: ['list'], resources: ['secrets/*'] } }]);
  assert.deepEqual(byTitle('Remote Command Execution').needs, [{ events: { verbs: ['create'], resources: ['pods/exec'] } }]);
  assert.deepEqual(byTitle('hostPath Mount').needs, [
    { events: { verbs: ['create'], resources: ['pods/*'] } },
    { field: 'requestObject.spec.volumes.hostPath', on: { verbs: ['create'], resources: ['pods/*'] } },
  ]);
  // OR of two selections: either field set will do
  const en = sigmahq.rules.find((r) => r.ref.title.includes('Potential Enumeration Activity'))!;
  assert.deepEqual(subjectFromRule(en).needs, [{ anyOf: [[{ field: 'responseStatus.code' }, { field: 'requestURI' }], [{ field: 'responseStatus.code' }, { field: 'userAgent' }]] }]);
  for (const r of sigmahq.rules) assert.ok(subjectFromRule(r).derived);
});

test('derived needs judged on logs: reads invisible on AKS kube-audit-admin; a body present means a body field could be there', () => {
  const aks = observeAll(records({ transform: asAksAdmin, format: 'aks', cluster: 'aks-1' })).report([byTitle('Secrets Enumeration')]);
  assert.equal(aks.subjects[0]!.could_fire, 'no');
  assert.equal(aks.subjects[0]!.reason, 'no list secrets/* events: the AKS kube-audit-admin category excludes get and list; collect kube-audit instead');
  const hostPath = byTitle('hostPath Mount');
  const pod = (level: string, body?: unknown): AuditEvent => ({ verb: 'create', level, stage: 'ResponseComplete', objectRef: { resource: 'pods', namespace: 'a' }, ...(body ? { requestObject: body } : {}) });
  const meta = new CoverageCollector();
  meta.observe(rec(pod('Metadata')));
  assert.equal(meta.report([hostPath]).subjects[0]!.reason, 'requestObject.spec.volumes.hostPath never present on create pods/* events (logged at Metadata)');
  const req = new CoverageCollector();
  req.observe(rec(pod('Request', { spec: { containers: [{ image: 'nginx' }] } })));
  assert.equal(req.report([hostPath]).subjects[0]!.could_fire, 'yes');
});

test('a field no event has at all (a rule written for another schema) could not fire', () => {
  const c = new CoverageCollector();
  c.observe(rec({ verb: 'create', objectRef: { resource: 'pods' }, user: { username: 'a' } }));
  const s: CoverageSubject = { id: 'ecs-rule', title: 'ecs', kind: 'rule', derived: true, needs: [{ field: 'kubernetes.audit.user.username' }] };
  assert.equal(c.report([s]).subjects[0]!.reason, 'kubernetes.audit.user.username never present in the log');
});

test('detectors: their needs (Need objects or the older kind records) become subjects; a log that sees everything serves them all', async () => {
  const { DetectorSet } = await import('../../src/detectors/detector-set.js');
  const { DetectorState } = await import('../../src/detectors/state.js');
  const set = new DetectorSet(new DetectorState());
  const subjects = set.detectors.map(subjectFromDetector);
  assert.ok(subjects.length > 0);
  for (const s of subjects) {
    assert.equal(s.problems, undefined, `${s.id}: ${s.problems?.join('; ')}`);
    assert.ok(s.needs.length > 0, `${s.id} declares needs`);
    assert.equal(s.kind, 'detector');
  }
  const full = observeAll(records({})).report(subjects);
  assert.deepEqual(full.subjects.filter((s) => s.could_fire !== 'yes').map((s) => `${s.id}: ${s.reason}`), []);
  const old = observeAll(records({ gen: { jti: false } })).report(subjects);
  for (const s of old.subjects) if (s.could_fire !== 'yes') assert.match(s.reason!, /1\.30 or newer/, s.id);
  assert.ok(old.subjects.some((s) => s.could_fire !== 'yes'), 'some detector needs credential ids or binding extras');
});

test('the older kind records translate to needs', () => {
  const s = subjectFromDetector({
    ref: { id: 'd', title: 'd' },
    needs: [
      { kind: 'events', match: { verb: 'create', resource: 'serviceaccounts', subresource: 'token' }, missing: 'no mints' },
      { kind: 'reads', missing: 'no reads' },
      { kind: 'credential-ids' },
      { kind: 'pod-binding-extras' },
      { kind: 'node-requests' },
      { kind: 'service-account-requests' },
      { events: { resources: ['pods'] } },
      { kind: 'telepathy' },
      { field: 3 },
    ],
  });
  assert.deepEqual(s.needs, [
    { events: { verbs: ['create'], resources: ['serviceaccounts/token'] }, reason: 'no mints' },
    { events: { verbs: ['get', 'list'] }, reason: 'no reads' },
    { extra: CREDENTIAL_ID, prefix: 'JTI=' },
    { extra: 'authentication.kubernetes.io/pod-name' },
    { extra: 'authentication.kubernetes.io/node-name' },
    { events: { actor: 'node' } },
    { events: { actor: 'serviceaccount' } },
    { events: { resources: ['pods'] } },
  ]);
  assert.deepEqual(s.problems, ['d: needs[7]: unknown need kind "telepathy"', 'd: needs[8].field: a field name or a list of names']);
});
