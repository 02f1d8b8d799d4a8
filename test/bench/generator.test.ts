import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { generateCluster, FAKE_KID, type GenerateOptions, type GroundTruth } from '../../bench/generate/index.js';
import type { AuditEvent } from '../../src/event/types.js';
import { parseRequestUri } from '../../src/event/derived.js';

const N = 20_000;

interface Run {
  lines: string[];
  events: AuditEvent[];
  truth: GroundTruth;
}

const cache = new Map<string, Run>();

function run(opts: GenerateOptions): Run {
  const key = JSON.stringify(opts);
  const hit = cache.get(key);
  if (hit) return hit;
  const log = generateCluster(opts);
  const lines: string[] = [];
  const events: AuditEvent[] = [];
  for (const g of log) {
    lines.push(g.line);
    events.push(g.event);
  }
  const r = { lines, events, truth: log.groundTruth };
  cache.set(key, r);
  return r;
}

const base = (): Run => run({ events: N, tokenRequestLevel: 'RequestResponse' });

function sha(lines: readonly string[]): string {
  const h = createHash('sha256');
  for (const l of lines) h.update(l + '\n');
  return h.digest('hex');
}

const KEY_ORDER = [
  'kind', 'apiVersion', 'level', 'auditID', 'stage', 'requestURI', 'verb', 'user', 'impersonatedUser', 'sourceIPs', 'userAgent',
  'objectRef', 'responseStatus', 'requestObject', 'responseObject', 'requestReceivedTimestamp', 'stageTimestamp', 'annotations',
];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const MICRO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const CRED = 'authentication.kubernetes.io/credential-id';
const ISSUED = 'authentication.kubernetes.io/issued-credential-id';

function us(ts: string): number {
  return Date.parse(ts.slice(0, 19) + 'Z') * 1000 + Number(ts.slice(20, 26));
}

function byAuditID(r: Run): Map<string, { line: number; e: AuditEvent }[]> {
  const m = new Map<string, { line: number; e: AuditEvent }[]>();
  r.events.forEach((e, i) => {
    const a = m.get(e.auditID!) ?? [];
    a.push({ line: i, e });
    m.set(e.auditID!, a);
  });
  return m;
}

function find(r: Run, auditID: string, stage = 'ResponseComplete'): AuditEvent {
  const e = r.events.find((x) => x.auditID === auditID && x.stage === stage);
  assert.ok(e, `no ${stage} line for ${auditID}`);
  return e;
}

function attack(r: Run, kind: string) {
  const a = r.truth.attacks.find((x) => x.kind === kind);
  assert.ok(a, `attack ${kind} missing`);
  return a;
}

function lastIP(e: AuditEvent): string {
  return e.sourceIPs![e.sourceIPs!.length - 1]!;
}

test('same seed and options give byte-identical output; another seed differs', () => {
  const a = base();
  const b = generateCluster({ events: N, tokenRequestLevel: 'RequestResponse' });
  assert.equal(sha([...b.lines()]), sha(a.lines));
  const c = generateCluster({ events: 2000, seed: 7 });
  assert.notEqual(sha([...c.lines()]), sha(a.lines.slice(0, 2000)));
  assert.equal(a.lines.length, N);
});

test('every line is a compact, Go-escaped, valid audit event', () => {
  const { lines, events } = base();
  const stages = new Set(['RequestReceived', 'ResponseStarted', 'ResponseComplete']);
  const levels = new Set(['Metadata', 'Request', 'RequestResponse']);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const e = events[i]!;
    const where = `line ${i + 1}`;
    assert.ok(/^[\x20-\x7e]+$/.test(line), `${where}: not printable ASCII`);
    assert.ok(!/[&<>]/.test(line), `${where}: & < > must be \\u-escaped as Go does`);
    assert.equal(JSON.stringify(e).replace(/&/g, '\\u0026').length, line.length, `${where}: not compact`);
    const keys = Object.keys(e);
    const order = keys.map((k) => KEY_ORDER.indexOf(k));
    assert.ok(order.every((x, j) => x >= 0 && (j === 0 || x > order[j - 1]!)), `${where}: key order ${keys.join(',')}`);
    assert.equal(e.kind, 'Event');
    assert.equal(e.apiVersion, 'audit.k8s.io/v1');
    assert.ok(levels.has(e.level!), where);
    assert.match(e.auditID!, UUID, where);
    assert.ok(stages.has(e.stage!), where);
    assert.ok(typeof e.verb === 'string' && e.verb.length > 0, where);
    assert.ok(typeof e.user?.username === 'string' && e.user.username.length > 0, where);
    assert.ok(Array.isArray(e.sourceIPs) && e.sourceIPs.length > 0, where);
    assert.ok(typeof e.userAgent === 'string', where);
    assert.match(e.requestReceivedTimestamp!, MICRO, where);
    assert.match(e.stageTimestamp!, MICRO, where);
    assert.ok(us(e.stageTimestamp!) >= us(e.requestReceivedTimestamp!), where);
    const path = e.requestURI!.split('?')[0]!;
    if (path === '/api' || path === '/apis') assert.equal(e.objectRef, undefined, where);
    else {
      assert.ok(e.objectRef?.resource, `${where}: objectRef missing for ${e.requestURI}`);
      assert.equal(typeof e.objectRef.apiVersion, 'string');
    }
    if (e.stage === 'RequestReceived') {
      assert.equal(e.responseStatus, undefined, where);
      assert.equal(e.requestObject, undefined, where);
      assert.equal(e.stageTimestamp, e.requestReceivedTimestamp, where);
    } else {
      assert.equal(typeof e.responseStatus?.code, 'number', where);
      assert.ok(e.annotations?.['authorization.k8s.io/decision'], `${where}: authorization annotations`);
    }
    if (e.level === 'Metadata') assert.ok(e.requestObject === undefined && e.responseObject === undefined, where);
    if (e.level === 'Request') assert.equal(e.responseObject, undefined, where);
  }
});

test('stages of one request share the auditID and fields, in order, and interleave with others', () => {
  const r = base();
  const groups = byAuditID(r);
  const SAME: (keyof AuditEvent)[] = ['level', 'requestURI', 'verb', 'user', 'sourceIPs', 'userAgent', 'objectRef', 'requestReceivedTimestamp'];
  let pairs = 0;
  let interleaved = 0;
  for (const [id, g] of groups) {
    const stages = g.map((x) => x.e.stage);
    assert.equal(new Set(stages).size, stages.length, `${id}: a stage twice`);
    const rank = stages.map((s) => ['RequestReceived', 'ResponseStarted', 'ResponseComplete'].indexOf(s!));
    assert.ok(rank.every((x, j) => j === 0 || x > rank[j - 1]!), `${id}: stages out of order ${stages.join(',')}`);
    if (stages.includes('ResponseStarted')) {
      const e = g[0]!.e;
      const long = e.verb === 'watch' || e.objectRef?.subresource === 'exec' || e.objectRef?.subresource === 'log';
      assert.ok(long, `${id}: ResponseStarted on a short request ${e.verb} ${e.requestURI}`);
    }
    for (let j = 1; j < g.length; j++) {
      for (const k of SAME) assert.deepEqual(g[j]!.e[k], g[0]!.e[k], `${id}: ${String(k)} differs between stages`);
    }
    if (g.length >= 2 && g[0]!.e.stage === 'RequestReceived') {
      pairs++;
      if (g[g.length - 1]!.line - g[0]!.line > 1) interleaved++;
    }
  }
  assert.ok(pairs > N / 4, `few complete pairs (${pairs})`);
  assert.ok(interleaved > pairs / 4, 'concurrent requests should interleave');
});

test('stage timestamps are monotone per line within a small write jitter', () => {
  const { events } = base();
  let max = 0;
  for (let i = 0; i < events.length; i++) {
    const t = us(events[i]!.stageTimestamp!);
    assert.ok(t >= max - 1000, `line ${i + 1}: stageTimestamp goes back ${(max - t) / 1000} ms`);
    if (t > max) max = t;
  }
});

test('the traffic has the cluster shape: leases, kubelets, pod-bound tokens, humans, CI on a legacy token', () => {
  const { events } = base();
  const count = (f: (e: AuditEvent) => boolean): number => events.filter(f).length;
  const leases = count((e) => e.objectRef?.resource === 'leases' && e.objectRef.namespace === 'kube-node-lease');
  assert.ok(leases > N * 0.12, `node leases ${leases}`);
  const podBound = events.filter((e) => e.user?.extra?.['authentication.kubernetes.io/pod-name']);
  assert.ok(podBound.length > N * 0.3, 'pod-bound token traffic');
  for (const e of podBound.slice(0, 500)) {
    assert.match(e.user!.username!, /^system:serviceaccount:[^:]+:[^:]+$/);
    assert.deepEqual(e.user!.groups!.slice(0, 1), ['system:serviceaccounts']);
    assert.match(e.user!.extra![CRED]![0]!, /^JTI=[0-9a-f-]{36}$/);
    assert.match(lastIP(e), /^10\.244\.\d+\.\d+$/);
    assert.ok(e.user!.extra!['authentication.kubernetes.io/node-name']![0]!.endsWith('.compute.internal'));
  }
  const kubeletMints = events.filter((e) => e.user?.username?.startsWith('system:node:') && e.objectRef?.subresource === 'token' && e.stage === 'ResponseComplete');
  assert.ok(kubeletMints.length > 10, 'kubelet TokenRequests');
  for (const e of kubeletMints) {
    const spec = (e.requestObject as { spec: { expirationSeconds: number; boundObjectRef: { kind: string } } }).spec;
    assert.equal(spec.expirationSeconds, 3607);
    assert.equal(spec.boundObjectRef.kind, 'Pod');
    assert.equal(e.responseStatus!.code, 201);
    assert.match(e.annotations![ISSUED]!, /^JTI=[0-9a-f-]{36}$/);
  }
  assert.ok(count((e) => e.user?.username === 'system:kube-scheduler') > 0);
  assert.ok(count((e) => e.user?.username?.startsWith('system:serviceaccount:kube-system:') === true) > 0);
  assert.ok(count((e) => e.user?.username === 'system:apiserver' && (lastIP(e) === '::1' || lastIP(e) === '127.0.0.1')) > 0);
  assert.ok(count((e) => e.user?.username === 'system:serviceaccount:cert-manager:cert-manager') > 0);
});

test('a longer log has pod churn, humans and the CI legacy token', () => {
  const r = run({ events: 50_000, nodes: 150, eventsPerSecond: 120 });
  const ev = r.events;
  assert.ok(ev.some((e) => e.objectRef?.subresource === 'binding' && e.user?.username === 'system:kube-scheduler'));
  assert.ok(ev.some((e) => e.verb === 'delete' && e.objectRef?.resource === 'pods'));
  assert.ok(ev.some((e) => /^[a-z]+@example\.com$/.test(e.user!.username!) && e.userAgent!.startsWith('kubectl/') && lastIP(e).startsWith('192.0.2.')));
  const ci = ev.filter((e) => e.user?.username === 'system:serviceaccount:ci:deployer');
  assert.ok(ci.length > 0, 'CI deployer traffic');
  for (const e of ci) {
    assert.ok(['198.51.100.10', '198.51.100.11', '198.51.100.12'].includes(lastIP(e)));
    assert.equal(e.user!.extra, undefined);
    assert.equal(e.annotations?.['authentication.k8s.io/legacy-token'], 'system:serviceaccount:ci:deployer');
  }
  const benignKinds = new Set(r.truth.benign.map((b) => b.kind));
  for (const k of ['kubelet-jti-rotation', 'system-tokenrequest', 'ci-legacy-token', 'rolling-deployment']) assert.ok(benignKinds.has(k), `benign sample ${k}`);
  // A rolling deployment's new pod: a new JTI minted for it and used from its own (new) pod IP.
  const roll = r.truth.benign.find((b) => b.kind === 'rolling-deployment' && b.events.some((x) => x.role === 'use-new-pod'));
  if (roll) {
    const mint = find(r, roll.events.find((x) => x.role === 'kubelet-mint')!.auditID);
    const use = find(r, roll.events.find((x) => x.role === 'use-new-pod')!.auditID, roll.events.find((x) => x.role === 'use-new-pod')!.stage);
    assert.equal(use.user!.extra![CRED]![0], mint.annotations![ISSUED]);
  }
});

test('ground truth: every attack is complete and its events are in the log', () => {
  const r = base();
  const index = new Set(r.events.map((e) => `${e.auditID}/${e.stage}`));
  assert.equal(r.truth.attacks.length, 7);
  for (const a of r.truth.attacks) {
    assert.ok(a.complete, `${a.id} incomplete`);
    assert.ok(a.events.length > 0);
    assert.ok(a.expected.length > 0);
    for (const ev of a.events) assert.ok(index.has(`${ev.auditID}/${ev.stage}`), `${a.id}: ${ev.auditID}/${ev.stage} not in log`);
    assert.ok(a.start! >= r.truth.window.start! && a.end! <= r.truth.window.end!);
  }
  for (const b of r.truth.benign) for (const ev of b.events) assert.ok(index.has(`${ev.auditID}/${ev.stage}`));
});

test('mint-and-use: the issued JTI is the credential id of the later uses, from two external addresses', () => {
  const r = base();
  const a = attack(r, 'mint-and-use');
  assert.deepEqual(a.expected, ['tokenrequest-non-system', 'long-lived-token-created', 'minted-token-used', 'token-replay-new-source']);
  const mint = find(r, a.events.find((x) => x.role === 'mint')!.auditID);
  assert.equal(mint.user!.username, 'mallory@example.com');
  assert.match(lastIP(mint), /^203\.0\.113\./);
  assert.equal(mint.objectRef!.subresource, 'token');
  assert.equal((mint.requestObject as { spec: { expirationSeconds: number } }).spec.expirationSeconds, 31_536_000);
  const jti = mint.annotations![ISSUED]!;
  assert.equal(jti, `JTI=${a.details.jti as string}`);
  const uses = a.events.filter((x) => x.role.startsWith('use')).map((x) => find(r, x.auditID, x.stage));
  assert.ok(uses.length >= 4);
  for (const u of uses) {
    assert.deepEqual(u.user!.extra, { [CRED]: [jti] });
    assert.equal(u.user!.username, a.details.target);
    assert.ok(us(u.requestReceivedTimestamp!) > us(mint.requestReceivedTimestamp!));
  }
  assert.equal(new Set(uses.map(lastIP)).size, 2);
  assert.ok(uses.some((u) => u.requestURI === '/api/v1/secrets?limit=500'));
  assert.ok(uses.some((u) => u.objectRef?.resource === 'clusterrolebindings' && u.verb === 'create'));
});

test('stolen-pod-token: the replayed JTI is the prometheus pod\'s real one, used from the pod before', () => {
  const r = base();
  const a = attack(r, 'stolen-pod-token');
  const d = a.details as { jti: string; pod: string; podIP: string; nodeIP: string; mintAuditID: string | null; externalIP: string };
  assert.ok(d.mintAuditID, 'prometheus-0 token should be minted inside the log');
  const mint = find(r, d.mintAuditID);
  assert.equal(mint.annotations![ISSUED], `JTI=${d.jti}`);
  assert.match(mint.user!.username!, /^system:node:/);
  assert.equal(mint.objectRef!.name, 'prometheus');
  const replays = a.events.map((x) => find(r, x.auditID, x.stage));
  const first = Math.min(...replays.map((e) => us(e.requestReceivedTimestamp!)));
  for (const e of replays) {
    assert.equal(e.user!.extra![CRED]![0], `JTI=${d.jti}`);
    assert.equal(e.user!.extra!['authentication.kubernetes.io/pod-name']![0], d.pod);
    assert.equal(lastIP(e), d.externalIP);
    assert.match(d.externalIP, /^198\.18\./);
    assert.ok(lastIP(e) !== d.podIP && lastIP(e) !== d.nodeIP);
  }
  assert.ok(replays.some((e) => e.sourceIPs!.length === 2 && e.sourceIPs![0] === d.podIP), 'a replay forges X-Forwarded-For');
  const legit = r.events.filter((e) => e.user?.extra?.[CRED]?.[0] === `JTI=${d.jti}` && lastIP(e) === d.podIP && us(e.requestReceivedTimestamp!) < first);
  assert.ok(legit.length > 0, 'the pod used the token from its own IP before the replay');
});

test('legacy-secret, probe-then-mint, mass-mint, uri-anomaly, secret-read have the stated shape', () => {
  const r = base();
  const legacy = attack(r, 'legacy-secret');
  const create = find(r, legacy.events.find((x) => x.role === 'create-token-secret')!.auditID);
  assert.equal(create.level, 'Request');
  assert.equal(create.objectRef!.namespace, 'kube-system');
  const body = create.requestObject as { type: string; metadata: { annotations: Record<string, string> } };
  assert.equal(body.type, 'kubernetes.io/service-account-token');
  assert.ok(body.metadata.annotations['kubernetes.io/service-account.name']);
  assert.ok(legacy.events.some((x) => x.role === 'controller-populate'));

  const probe = attack(r, 'probe-then-mint');
  const denied = probe.events.filter((x) => x.role === 'probe-denied' && x.stage === 'ResponseComplete').map((x) => find(r, x.auditID));
  assert.equal(denied.length, 3);
  for (const e of denied) {
    assert.equal(e.responseStatus!.code, 403);
    assert.equal(e.annotations!['authorization.k8s.io/decision'], 'forbid');
    assert.equal(e.requestObject, undefined);
    assert.equal(e.user!.username, 'system:serviceaccount:default:webapp');
  }
  const ok = find(r, probe.events.find((x) => x.role === 'mint')!.auditID);
  assert.equal(ok.responseStatus!.code, 201);
  assert.equal(new Set([...denied, ok].map((e) => e.objectRef!.name)).size, 4);
  assert.ok(us(ok.requestReceivedTimestamp!) - us(denied[0]!.requestReceivedTimestamp!) < 300e6);

  const mass = attack(r, 'mass-mint');
  const mints = mass.events.filter((x) => x.stage === 'ResponseComplete').map((x) => find(r, x.auditID));
  assert.ok(new Set(mints.map((e) => `${e.objectRef!.namespace}/${e.objectRef!.name}`)).size >= 3);
  assert.equal(new Set(mints.map((e) => e.user!.username)).size, 1);
  const span = Math.max(...mints.map((e) => us(e.requestReceivedTimestamp!))) - Math.min(...mints.map((e) => us(e.requestReceivedTimestamp!)));
  assert.ok(span < 600e6);

  const uri = attack(r, 'uri-anomaly');
  const byRole = (role: string): AuditEvent => find(r, uri.events.find((x) => x.role === role)!.auditID);
  const mm = byRole('uri-objectref-mismatch');
  const p = parseRequestUri(mm.requestURI!);
  assert.ok(p.namespace !== mm.objectRef!.namespace || p.name !== mm.objectRef!.name);
  assert.ok(parseRequestUri(byRole('uri-odd-query').requestURI!).params.includes('expirationSeconds'));
  assert.equal(byRole('kube-system-target').objectRef!.namespace, 'kube-system');

  const sr = attack(r, 'secret-read');
  const list = find(r, sr.details.listAuditID as string);
  assert.equal(list.requestURI, '/api/v1/secrets?limit=500');
  assert.equal(list.objectRef!.namespace, undefined);
  const get = find(r, sr.details.getAuditID as string);
  assert.equal(get.objectRef!.resource, 'secrets');
  assert.match(get.objectRef!.name!, /-token-/);
});

test('TokenRequest at RequestResponse carries a fake JWT whose jti is the issued credential id', () => {
  const r = base();
  const mints = r.events.filter((e) => e.objectRef?.subresource === 'token' && e.stage === 'ResponseComplete' && e.responseStatus?.code === 201);
  assert.ok(mints.length > 0);
  for (const e of mints) {
    const token = (e.responseObject as { status: { token: string } }).status.token;
    assert.match(token, /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]{100,}$/);
    const [h, p] = token.split('.') as [string, string];
    assert.equal(JSON.parse(Buffer.from(h, 'base64url').toString()).kid, FAKE_KID);
    assert.equal(`JTI=${JSON.parse(Buffer.from(p, 'base64url').toString()).jti as string}`, e.annotations![ISSUED]);
  }
});

test('tokenRequestLevel Metadata logs no TokenRequest bodies and drops long-lived-token-created', () => {
  const r = run({ events: 8000, nodes: 200, tokenRequestLevel: 'Metadata' });
  const trs = r.events.filter((e) => e.objectRef?.subresource === 'token');
  assert.ok(trs.length > 0);
  for (const e of trs) {
    assert.equal(e.level, 'Metadata');
    assert.equal(e.requestObject, undefined);
    assert.equal(e.responseObject, undefined);
  }
  assert.ok(!r.lines.some((l) => l.includes('"token":"eyJ')));
  for (const a of r.truth.attacks) assert.ok(!a.expected.includes('long-lived-token-created'), a.id);
  assert.ok(attack(r, 'mass-mint').notObservable['long-lived-token-created']);
});

test('jti: false (Kubernetes < 1.30) writes no credential ids and adjusts expectations', () => {
  const r = run({ events: 8000, nodes: 200, jti: false });
  for (const l of r.lines) {
    assert.ok(!l.includes('credential-id'), 'credential id present');
    assert.ok(!l.includes('authentication.kubernetes.io/pod-name'), 'pod extras present');
  }
  assert.ok(r.events.some((e) => e.objectRef?.subresource === 'token'));
  assert.deepEqual(attack(r, 'stolen-pod-token').expected, []);
  assert.ok(!attack(r, 'mint-and-use').expected.includes('minted-token-used'));
});

test('omitStages RequestReceived and attacks none', () => {
  const r = run({ events: 6000, nodes: 200, omitStages: ['RequestReceived'] });
  assert.ok(r.events.every((e) => e.stage !== 'RequestReceived'));
  assert.ok(r.truth.attacks.every((a) => a.complete && a.events.every((x) => x.stage !== 'RequestReceived')));

  const none = run({ events: 6000, nodes: 200, attacks: 'none' });
  assert.equal(none.truth.attacks.length, 0);
  assert.ok(!none.lines.some((l) => /mallory@|oscar@|trent@|eve@|198\.18\.|203\.0\.113\./.test(l)));
  // The background does not depend on the attacks: drop attack lines and the logs agree.
  const all = run({ events: 6000, nodes: 200 });
  const attackIds = new Set(all.truth.attacks.flatMap((a) => a.events.map((x) => x.auditID)));
  const background = all.lines.filter((_, i) => !attackIds.has(all.events[i]!.auditID!));
  assert.deepEqual(background, none.lines.slice(0, background.length));
});

test('RequestResponse secrets carry fake base64 data', () => {
  const r = run({ events: 6000, nodes: 200, secretLevel: 'RequestResponse' });
  const gets = r.events.filter((e) => e.objectRef?.resource === 'secrets' && e.verb === 'get' && e.stage === 'ResponseComplete' && e.responseObject);
  assert.ok(gets.length > 0);
  for (const e of gets) {
    const data = (e.responseObject as { data: Record<string, string> }).data;
    for (const v of Object.values(data)) assert.match(v, /^[A-Za-z0-9+/]+=*$/);
  }
});

test('attacksAfter keeps the first part of the log attack-free; nodes follow the rate by default', () => {
  const log = generateCluster({ events: 6000, eventsPerSecond: 100, attacksAfter: 30, attacks: 'mint-and-use,secret-read' });
  for (const _ of log.lines());
  const t = log.groundTruth;
  assert.equal(t.options.nodes, 100);
  for (const a of t.attacks) {
    assert.ok(a.complete, a.id);
    assert.ok(Date.parse(a.start!) >= Date.parse('2026-03-02T08:00:30Z'), `${a.id} starts at ${a.start}`);
  }
});

test('options are validated', () => {
  assert.throws(() => generateCluster({ tokenRequestLevel: 'Full' as never }), /tokenRequestLevel/);
  assert.throws(() => generateCluster({ omitStages: ['ResponseComplete'] }), /omit/);
  assert.throws(() => generateCluster({ attacks: 'mint-and-use,bogus' }), /unknown attack/);
  assert.throws(() => generateCluster({ events: -1 }), /events/);
  assert.throws(() => generateCluster({ attacksAfter: -5 }), /attacksAfter/);
});

test('CLI writes NDJSON (optionally gzipped) and the ground truth', () => {
  const cli = fileURLToPath(new URL('../../bench/generate.js', import.meta.url));
  const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--token-request-level/);
  const dir = mkdtempSync(join(tmpdir(), 'tw-gen-'));
  try {
    const out = join(dir, 'log.ndjson.gz');
    const truth = join(dir, 'truth.json');
    const res = spawnSync(process.execPath, [cli, '--events', '3000', '--nodes', '100', '--seed', '42', '--out', out, '--truth', truth, '--gzip', '--attacks', 'mint-and-use,secret-read', '--quiet'], { encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    const lines = gunzipSync(readFileSync(out)).toString('latin1').split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, 3000);
    const t = JSON.parse(readFileSync(truth, 'utf8')) as GroundTruth;
    assert.deepEqual(t.attacks.map((a) => a.kind), ['mint-and-use', 'secret-read']);
    const same = [...generateCluster({ events: 3000, nodes: 100, seed: 42, attacks: 'mint-and-use,secret-read' }).lines()];
    assert.deepEqual(lines, same);
    const bad = spawnSync(process.execPath, [cli, '--events', '10', '--token-request-level', 'Everything'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
