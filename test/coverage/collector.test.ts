import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoverageCollector } from '../../src/coverage/collector.js';
import type { CoverageSubject } from '../../src/coverage/report.js';
import type { AuditEvent, EventRecord } from '../../src/event/types.js';

let line = 0;
const rec = (event: AuditEvent, source: Partial<EventRecord['source']> = {}): EventRecord => ({ event, source: { file: 'a.log', line: ++line, format: 'raw', ...source } });
const at = (t: string, extra: Partial<AuditEvent> = {}): AuditEvent => ({ verb: 'get', stage: 'ResponseComplete', level: 'Metadata', objectRef: { resource: 'pods', namespace: 'default' }, stageTimestamp: t, ...extra });
const tokenRequest = (extra: Partial<AuditEvent> = {}): AuditEvent => ({
  verb: 'create',
  stage: 'ResponseComplete',
  level: 'Request',
  user: { username: 'alice' },
  objectRef: { resource: 'serviceaccounts', subresource: 'token', namespace: 'prod', name: 'app' },
  responseStatus: { code: 201 },
  requestObject: { spec: { expirationSeconds: 3600 } },
  stageTimestamp: '2026-03-02T08:00:00.5Z',
  ...extra,
});

test('sources: by cluster when the format names one, else by file; pooled past the cap', () => {
  const c = new CoverageCollector({ maxSources: 3 });
  c.observe(rec(at('2026-03-02T08:00:00Z'), { file: 'x/1.log', cluster: 'prod' }));
  c.observe(rec(at('2026-03-02T08:00:01Z'), { file: 'x/2.log', cluster: 'prod', format: 'eks' }));
  c.observe(rec(at('2026-03-02T08:00:02Z'), { file: 'x/3.log' }));
  c.observe(rec(at('2026-03-02T08:00:03Z'), { file: 'x/3.log' }));
  c.observe(rec(at('2026-03-02T08:00:04Z'), { file: 'x/4.log' }));
  c.observe(rec(at('2026-03-02T08:00:05Z'), { file: 'x/5.log' }));
  c.observe(rec(at('2026-03-02T08:00:06Z'), { file: 'x/1.log', cluster: 'prod' }));
  const r = c.report([]);
  assert.deepEqual(
    r.sources.map((s) => [s.source, s.keyed_by, s.events, s.formats]),
    [
      ['prod', 'cluster', 3, { raw: 2, eks: 1 }],
      ['x/3.log', 'file', 2, { raw: 2 }],
      ['x/4.log', 'file', 1, { raw: 1 }],
      ['(other sources)', 'pooled', 1, { raw: 1 }],
    ],
  );
  assert.equal(r.events, 7);
});

test('time range and gaps, at minute resolution and in any order; the interval is configurable', () => {
  const times = ['2026-03-02T10:40:10.000001Z', '2026-03-02T10:00:00.000001Z', '2026-03-02T10:05:59.9Z', '2026-03-02T10:05:00Z', '2026-03-02T09:59:59Z'];
  const run = (gapMs?: number) => {
    const c = new CoverageCollector({ gapMs });
    for (const t of times) c.observe(rec(at(t)));
    return c.report([]).sources[0]!.time;
  };
  const t = run();
  assert.equal(t.first, '2026-03-02T09:59:59Z');
  assert.equal(t.last, '2026-03-02T10:40:10Z');
  assert.deepEqual(t.gaps, [{ from: '2026-03-02T10:06:00Z', to: '2026-03-02T10:40:00Z', minutes: 34 }]);
  assert.equal(t.gap_count, 1);
  assert.equal(t.gap_minutes_total, 34);
  assert.deepEqual(run(60 * 60_000).gaps, []);
  assert.equal(run(5 * 60_000).gap_count, 1);
  assert.equal(new CoverageCollector({ gapMs: 5 * 60_000 }).report([]).gap_minutes, 5);
});

test('gaps across days, and the timestamp forms vendors write', () => {
  const c = new CoverageCollector();
  c.observe(rec(at('2026-03-02T23:50:00Z')));
  c.observe(rec(at('2026-03-03 00:20:00.123456'))); // space form, no zone = UTC
  c.observe(rec(at('2026-03-03T02:20:00+02:00'))); // = 00:20 UTC
  c.observe(rec({ verb: 'get', requestReceivedTimestamp: '2026-03-03T00:21:00Z' }));
  c.observe(rec(at('not a time')));
  c.observe(rec({ verb: 'get' }));
  const t = c.report([]).sources[0]!.time;
  assert.deepEqual(t.gaps, [{ from: '2026-03-02T23:51:00Z', to: '2026-03-03T00:20:00Z', minutes: 29 }]);
  assert.equal(t.untimed, 2);
  assert.equal(t.last, '2026-03-03T00:21:00Z');
});

test('what a source shows: levels, stages, verbs, resources, credential ids, TokenRequests, reads', () => {
  const c = new CoverageCollector();
  const sa = {
    username: 'system:serviceaccount:prod:app',
    extra: { 'authentication.kubernetes.io/credential-id': ['JTI=1'], 'authentication.kubernetes.io/pod-name': ['p'], 'authentication.kubernetes.io/node-name': ['n'] },
  };
  c.observe(rec(at('2026-03-02T08:00:00Z', { user: sa })));
  c.observe(rec(at('2026-03-02T08:00:00Z', { verb: 'list', user: { username: 'system:serviceaccount:prod:old' } })));
  c.observe(rec(at('2026-03-02T08:00:00Z', { verb: 'watch', stage: 'ResponseStarted', user: { username: 'system:node:n1', extra: { 'authentication.kubernetes.io/credential-id': ['X509SHA256=ab'] } } })));
  c.observe(rec(tokenRequest({ stage: 'RequestReceived', requestObject: undefined, responseStatus: undefined })));
  c.observe(rec(tokenRequest({ annotations: { 'authentication.kubernetes.io/issued-credential-id': 'JTI=2' } })));
  c.observe(rec({ verb: 'get', requestURI: '/healthz', stageTimestamp: '2026-03-02T08:00:01Z' }));
  const s = c.report([]).sources[0]!;
  assert.deepEqual(s.levels, { Metadata: 3, Request: 2, '(not recorded)': 1 });
  assert.deepEqual(s.stages, { RequestReceived: 1, ResponseStarted: 1, ResponseComplete: 3, '(not recorded)': 1 });
  assert.deepEqual(s.verbs, { get: 2, create: 2, list: 1, watch: 1 });
  assert.deepEqual(s.resources, { pods: 3, 'serviceaccounts/token': 2, '(non-resource)': 1 });
  assert.deepEqual(s.credential_ids, { service_account_requests: 2, with_jti: 1, with_pod_name: 1, with_node_name: 1, x509: 1 });
  assert.deepEqual(s.token_requests, { count: 2, requests: 1, levels: { Request: 2 }, with_body: 1, with_issued_credential_id: 1 });
  assert.deepEqual(s.reads, { get: 2, list: 1, watch: 1 });
  assert.deepEqual(s.warnings, []);
});

test('credentials in the log: one warning per source and kind, with the first place and a count', () => {
  const c = new CoverageCollector();
  const leak = tokenRequest({ level: 'RequestResponse', responseObject: { status: { token: '[REDACTED]', expirationTimestamp: 'x' } } });
  c.observe(rec(leak, { cluster: 'k1', file: 'k1.log', line: 7 }));
  c.observe(rec({ ...leak }, { cluster: 'k1', file: 'k1.log', line: 9 }));
  // at Request level the response is not logged: no token
  c.observe(rec(tokenRequest(), { cluster: 'k2' }));
  // a secret at Request level: type and metadata, no data
  c.observe(rec({ verb: 'create', level: 'Request', objectRef: { resource: 'secrets' }, requestObject: { type: 'Opaque', metadata: { name: 's' } } }, { cluster: 'k2' }));
  // a JSON patch writing a key of data
  c.observe(rec({ verb: 'patch', level: 'Request', objectRef: { resource: 'secrets' }, requestObject: [{ op: 'add', path: '/data/password', value: '[REDACTED]' }] }, { cluster: 'k3' }));
  // a list response with the values
  c.observe(rec({ verb: 'list', level: 'RequestResponse', objectRef: { resource: 'secrets' }, responseObject: { kind: 'SecretList', items: [{ metadata: { name: 'a' }, data: { k: '[REDACTED]' } }] } }, { cluster: 'k4' }));
  c.observe(rec({ verb: 'create', level: 'Request', objectRef: { resource: 'tokenreviews', apiGroup: 'authentication.k8s.io' }, requestObject: { spec: { token: '[REDACTED]' } } }, { cluster: 'k5' }));
  const r = c.report([]);
  assert.deepEqual(
    r.warnings.map((w) => [w.source, w.kind, w.count, `${w.first.file}:${w.first.line}`]),
    [
      ['k1', 'token-in-log', 2, 'k1.log:7'],
      ['k3', 'secret-data', 1, 'a.log:' + (line - 2)],
      ['k4', 'secret-data', 1, 'a.log:' + (line - 1)],
      ['k5', 'reviewed-token', 1, 'a.log:' + line],
    ],
  );
  assert.match(r.warnings[0]!.message, /TokenRequest\(s\) logged at RequestResponse.*tokenwatch redacted them, the log file still has them/);
  assert.deepEqual(r.sources.find((s) => s.source === 'k2')!.warnings, []);
  assert.equal(r.sources.find((s) => s.source === 'k1')!.warnings.length, 1);
});

test('classes are capped per source; the rest are pooled and judged as unknown resources', () => {
  const c = new CoverageCollector({ maxClasses: 2 });
  c.observe(rec(at('2026-03-02T08:00:00Z', { objectRef: { resource: 'a' } })));
  c.observe(rec(at('2026-03-02T08:00:00Z', { objectRef: { resource: 'b' } })));
  c.observe(rec(at('2026-03-02T08:00:00Z', { objectRef: { resource: 'secrets' } })));
  const needsSecrets: CoverageSubject = { id: 's', title: 's', kind: 'detector', needs: [{ events: { resources: ['secrets'] } }] };
  const anyGet: CoverageSubject = { id: 'g', title: 'g', kind: 'detector', needs: [{ events: { verbs: ['get'] } }] };
  const r = c.report([needsSecrets, anyGet]);
  assert.deepEqual(r.sources[0]!.resources, { a: 1, b: 1, '(other)': 1 });
  assert.equal(r.subjects[0]!.could_fire, 'no');
  assert.equal(r.subjects[1]!.could_fire, 'yes');
});

test('observing allocates no per-event state: 200k events of one class keep one class', () => {
  const c = new CoverageCollector();
  const ev = at('2026-03-02T08:00:00.000001Z');
  const r0 = rec(ev);
  for (let i = 0; i < 200_000; i++) c.observe(r0);
  const obs = c.observations();
  assert.equal(obs.length, 1);
  assert.equal([...obs[0]!.allClasses()].length, 1);
  assert.equal(obs[0]!.days.size, 1);
});
