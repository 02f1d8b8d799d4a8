import { test } from 'node:test';
import assert from 'node:assert/strict';
import { human, ids, kubelet, mint, podToken, req, run, saToken } from './story.js';

const mallory = human('mallory@example.com', '203.0.113.71', 'python-requests/2.32');
const secrets = { resource: 'secrets', namespace: 'production' };

test('a token minted by a user and then used is followed by its credential id, with the whole chain', () => {
  const { findings } = run([
    mint(mallory, 0, 'production', 'payments-admin', 'jti-1', 31536000),
    req(saToken('production', 'payments-admin', '203.0.113.71', 'jti-1'), 2, 'list', secrets),
    req(saToken('production', 'payments-admin', '198.51.100.9', 'jti-1'), 3, 'create', { resource: 'clusterrolebindings', apiGroup: 'rbac.authorization.k8s.io', name: 'pwn' }),
  ]);
  const used = findings.filter((f) => f.detector === 'minted-token-used');
  assert.equal(used.length, 2);
  assert.equal(used[0]!.severity, 'high');
  assert.deepEqual(used[0]!.key, { token: 'JTI=jti-1', account: 'system:serviceaccount:production:payments-admin' });
  assert.match(used[0]!.summary, /token minted by mallory@example\.com for production\/payments-admin used from 203\.0\.113\.71: list secrets production\/\*/);
  assert.match(used[0]!.notes[0]!, /minted by mallory@example\.com from 203\.0\.113\.71 at 2026-03-02T08:00:00\.000Z for production\/payments-admin, lifetime 365 d \(JTI=jti-1\)/);
  assert.equal(used[0]!.related![0]!.event.verb, 'create');
  assert.match(used[1]!.summary, /from 198\.51\.100\.9: create clusterrolebindings/);
});

test('a token minted while impersonating a system identity is followed: the exemption is for who holds the credential', () => {
  const m = mint(mallory, 0, 'production', 'payments-admin', 'jti-i', 31536000);
  m.event.impersonatedUser = { username: 'system:kube-controller-manager' };
  const { findings } = run([m, req(saToken('production', 'payments-admin', '203.0.113.71', 'jti-i'), 2, 'list', secrets)]);
  const used = findings.filter((f) => f.detector === 'minted-token-used');
  assert.equal(used.length, 1);
  assert.match(used[0]!.summary, /token minted by mallory@example\.com \(as system:kube-controller-manager\) for production\/payments-admin/);
});

test('near miss: the kubelet mints a pod token and the pod uses it (system mint, never followed)', () => {
  const { findings } = run([
    mint(kubelet('worker-1', '10.0.1.11'), 0, 'production', 'web', 'jti-k'),
    req(podToken('production', 'web', 'web-abc-12345', 'worker-1', '10.244.1.5', 'jti-k'), 1, 'get', { resource: 'configmaps', namespace: 'production', name: 'web' }),
  ]);
  assert.deepEqual(ids(findings).filter((d) => d === 'minted-token-used'), []);
});

test('near miss: a minted token that is never used, and a refused mint', () => {
  const { findings } = run([
    mint(mallory, 0, 'production', 'payments-admin', 'jti-2', 3600),
    mint(mallory, 1, 'production', 'other', 'jti-3', 3600, 403),
    req(saToken('production', 'other', '203.0.113.71', 'jti-3'), 2, 'list', secrets),
    req(saToken('production', 'payments-admin', '10.244.3.3', 'jti-other'), 2, 'list', secrets),
  ]);
  assert.deepEqual(ids(findings).filter((d) => d === 'minted-token-used'), []);
});

test('without credential ids: the first use from a never-used address shortly after a user mint is linked, as likely', () => {
  const app = (ip: string) => saToken('production', 'payments-admin', ip);
  const before = Array.from({ length: 5 }, (_, i) => req(app('10.244.7.7'), -30 + i, 'get', { resource: 'configmaps', namespace: 'production', name: 'c' }));
  const { findings } = run([...before, mint(mallory, 0, 'production', 'payments-admin'), req(app('10.244.7.7'), 1, 'get', secrets), req(app('203.0.113.71'), 2, 'list', secrets)]);
  const used = findings.filter((f) => f.detector === 'minted-token-used');
  assert.equal(used.length, 1);
  assert.equal(used[0]!.severity, 'medium');
  assert.match(used[0]!.notes[1]!, /linked by time and new source/);
  assert.equal(used[0]!.rec.event.sourceIPs![0], '203.0.113.71');
});

test('without credential ids: a new address long after the mint is not linked', () => {
  const { findings } = run([mint(mallory, 0, 'production', 'payments-admin'), req(saToken('production', 'payments-admin', '203.0.113.71'), 90, 'list', secrets)], { fallbackWindowMs: 60 * 60_000 });
  assert.deepEqual(ids(findings).filter((d) => d === 'minted-token-used'), []);
});

// Logs of several API-server replicas (or export streams) are read one file after another: a token's use can come
// before its mint in the input. The mint links the uses read before it.
test('a use read before its mint (an earlier file) is linked when the mint comes, as high as in order', () => {
  const { findings } = run([
    req(saToken('production', 'payments-admin', '198.51.100.9', 'jti-e'), 3, 'list', secrets),
    req(saToken('production', 'payments-admin', '198.51.100.9', 'jti-e'), 4, 'get', secrets),
    req(saToken('production', 'payments-admin', '198.51.100.9', 'jti-e'), 5, 'delete', secrets),
    mint(mallory, 0, 'production', 'payments-admin', 'jti-e', 31536000),
    req(saToken('production', 'payments-admin', '198.51.100.9', 'jti-e'), 6, 'create', { resource: 'clusterrolebindings', apiGroup: 'rbac.authorization.k8s.io', name: 'pwn' }),
  ]);
  const used = findings.filter((f) => f.detector === 'minted-token-used');
  // the first use read early (the three are counted in its notes), then the use read after the mint
  assert.deepEqual(used.map((f) => f.rec.event.verb), ['list', 'create']);
  assert.match(used[0]!.notes[2]!, /3 request\(s\) with this token came before the mint was read, this is the first/);
  assert.equal(used[1]!.notes.length, 2);
  assert.ok(used.every((f) => f.severity === 'high' && f.key.token === 'JTI=jti-e'));
  assert.match(used[0]!.summary, /token minted by mallory@example\.com for production\/payments-admin used from 198\.51\.100\.9: list secrets/);
  assert.match(used[0]!.notes[1]!, /linked by credential id/);
  assert.equal(used[0]!.related![0]!.event.verb, 'create');
});

test('near miss: uses read before a system mint, a refused mint or a mint of another token are not linked', () => {
  const { findings } = run([
    req(podToken('production', 'web', 'web-abc-12345', 'worker-1', '10.244.1.5', 'jti-k2'), 1, 'get', { resource: 'configmaps', namespace: 'production', name: 'web' }),
    req(saToken('production', 'other', '203.0.113.71', 'jti-r'), 2, 'list', secrets),
    req(saToken('production', 'payments-admin', '10.244.3.3', 'jti-x'), 2, 'list', secrets),
    mint(kubelet('worker-1', '10.0.1.11'), 0, 'production', 'web', 'jti-k2'),
    mint(mallory, 1, 'production', 'other', 'jti-r', 3600, 403),
    mint(mallory, 1, 'production', 'payments-admin', 'jti-y', 3600),
  ]);
  assert.deepEqual(ids(findings).filter((d) => d === 'minted-token-used'), []);
});

test('uses waiting for their mint are bounded: the oldest ids are forgotten first', () => {
  const early = Array.from({ length: 10 }, (_, i) => req(saToken('production', 'payments-admin', '198.51.100.9', `jti-b${i}`), 2 + i, 'list', secrets));
  const { findings } = run([...early, mint(mallory, 0, 'production', 'payments-admin', 'jti-b0', 3600), mint(mallory, 0, 'production', 'payments-admin', 'jti-b9', 3600)], { earlyIds: 4 });
  assert.deepEqual(findings.filter((f) => f.detector === 'minted-token-used').map((f) => f.key.token), ['JTI=jti-b9']);
});
