import { test } from 'node:test';
import assert from 'node:assert/strict';
import { human, ids, kubelet, podStatus, podToken, req, run, saToken } from './story.js';

const lease = (node: string, ip: string, m: number) => req(kubelet(node, ip), m, 'update', { resource: 'leases', namespace: 'kube-node-lease', name: node });

test('a pod-bound token used from another node fires bound-token-off-node', () => {
  const f = run([
    lease('worker-1', '10.0.1.11', 0),
    lease('worker-2', '10.0.1.12', 0),
    podStatus('worker-1', '10.0.1.11', 0, 'production', 'api-0', '10.244.1.9'),
    req(podToken('production', 'api', 'api-0', 'worker-1', '10.0.1.12', 'j'), 1, 'get', { resource: 'secrets', namespace: 'production', name: 'db' }),
  ]).findings;
  const off = f.filter((x) => x.detector === 'bound-token-off-node');
  assert.equal(off.length, 1);
  assert.match(off[0]!.summary, /bound to pod production\/api-0 on node worker-1 was used from 10\.0\.1\.12 \(node worker-2\)/);
});

test('a pod-bound token used after its pod was deleted fires; within the grace period it does not', () => {
  const base = [lease('worker-1', '10.0.1.11', 0), podStatus('worker-1', '10.0.1.11', 0, 'production', 'api-0', '10.244.1.9'), req(human('alice@example.com', '192.0.2.1'), 10, 'delete', { resource: 'pods', namespace: 'production', name: 'api-0' })];
  const use = (m: number) => req(podToken('production', 'api', 'api-0', 'worker-1', '10.244.1.9', 'j'), m, 'get', { resource: 'configmaps', namespace: 'production', name: 'c' });
  assert.deepEqual(ids(run([...base, use(11)], { deletionGraceMs: 2 * 60_000 }).findings), []);
  const f = run([...base, use(20)], { deletionGraceMs: 2 * 60_000 }).findings;
  assert.deepEqual(ids(f), ['bound-token-off-node']);
  assert.match(f[0]!.summary, /used 10 min after the pod was deleted/);
});

test('near miss: a host-network pod acts from its own node address', () => {
  const f = run([lease('worker-1', '10.0.1.11', 0), podStatus('worker-1', '10.0.1.11', 0, 'kube-system', 'cilium-x', '10.0.1.11'), req(podToken('kube-system', 'cilium', 'cilium-x', 'worker-1', '10.0.1.11', 'j'), 1, 'list', { resource: 'ciliumendpoints' })]).findings;
  assert.deepEqual(f, []);
});

test('listing Secrets in all namespaces by a workload fires high; the controller manager does not', () => {
  const list = { resource: 'secrets' };
  const f = run([req(saToken('production', 'checkout', '10.244.4.4'), 0, 'list', list), req({ user: 'system:kube-controller-manager', ip: '10.0.0.2' }, 0, 'list', list), req(saToken('kube-system', 'namespace-controller', '10.0.0.2'), 0, 'watch', list)]).findings;
  assert.equal(f.length, 1);
  assert.equal(f[0]!.detector, 'token-secret-read');
  assert.equal(f[0]!.severity, 'high');
  assert.match(f[0]!.summary, /system:serviceaccount:production:checkout listed Secrets in all namespaces/);
});

test('a user impersonating the controller manager is not the controller manager: the cluster-wide list fires, naming both', () => {
  const list = { resource: 'secrets' };
  const f = run([
    req(human('dev-ci@example.com', '203.0.113.42'), 0, 'list', list, { impersonatedUser: { username: 'system:kube-controller-manager' } }),
    // near miss: the controller manager itself
    req({ user: 'system:kube-controller-manager', ip: '10.0.0.2' }, 0, 'list', list),
  ]).findings;
  assert.deepEqual(ids(f), ['token-secret-read']);
  assert.match(f[0]!.summary, /^dev-ci@example\.com \(as system:kube-controller-manager\) listed Secrets in all namespaces/);
});

test('a token Secret created with generateName is known by the name the response gives it (objectRef has none)', () => {
  const create = req(human('eve@example.com', '203.0.113.7'), 0, 'create', { resource: 'secrets', namespace: 'production' }, {
    level: 'RequestResponse',
    requestObject: { type: 'kubernetes.io/service-account-token', metadata: { generateName: 'cache-', annotations: { 'kubernetes.io/service-account.name': 'payments-admin' } } },
    responseObject: { type: 'kubernetes.io/service-account-token', metadata: { name: 'cache-k2j4d', generateName: 'cache-', annotations: { 'kubernetes.io/service-account.name': 'payments-admin' } } },
  });
  const f = run([create, req(human('eve@example.com', '203.0.113.7'), 1, 'get', { resource: 'secrets', namespace: 'production', name: 'cache-k2j4d' })]).findings;
  assert.deepEqual(ids(f), ['token-secret-read']);
  assert.match(f[0]!.summary, /read the service-account token Secret production\/cache-k2j4d/);
});

test('reading a token Secret fires; a TLS Secret, a denied read and an allowed reader do not', () => {
  const create = req(human('eve@example.com', '203.0.113.7'), 0, 'create', { resource: 'secrets', namespace: 'kube-system', name: 'backup' }, { level: 'Request', requestObject: { type: 'kubernetes.io/service-account-token', metadata: { annotations: { 'kubernetes.io/service-account.name': 'admin' } } } });
  const get = (who: ReturnType<typeof human>, ns: string, name: string, code = 200) => req(who, 1, 'get', { resource: 'secrets', namespace: ns, name }, { responseStatus: { code } });
  const eve = human('eve@example.com', '203.0.113.7');
  const f = run([create, get(eve, 'kube-system', 'backup'), get(eve, 'ci', 'deployer-token-zn4jj'), get(eve, 'web', 'tls-cert'), get(eve, 'kube-system', 'backup', 403)]).findings;
  assert.deepEqual(f.map((x) => x.summary), ['eve@example.com read the service-account token Secret kube-system/backup', 'eve@example.com read the service-account token Secret ci/deployer-token-zn4jj']);
  const allowed = run([create, get(human('vault@example.com', '10.0.9.9'), 'kube-system', 'backup')], { controllers: ['vault@*'] }).findings;
  assert.deepEqual(allowed, []);
});
