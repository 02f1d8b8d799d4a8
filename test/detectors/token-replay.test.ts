import { test } from 'node:test';
import assert from 'node:assert/strict';
import { human, ids, kubelet, mint, podStatus, podToken, req, run, saToken } from './story.js';
import type { EventRecord } from '../../src/event/types.js';

const cm = (ns: string) => ({ resource: 'configmaps', namespace: ns, name: 'settings' });

test('a stolen pod-bound token replayed from outside is high severity, with no learning needed', () => {
  const events: EventRecord[] = [
    req(kubelet('worker-2', '10.0.1.12'), 0, 'update', { resource: 'leases', namespace: 'kube-node-lease', name: 'worker-2' }),
    podStatus('worker-2', '10.0.1.12', 0, 'monitoring', 'prometheus-0', '10.244.2.17'),
    req(podToken('monitoring', 'prometheus', 'prometheus-0', 'worker-2', '10.244.2.17', 'jti-p'), 1, 'list', { resource: 'endpoints', namespace: 'monitoring' }),
    req(podToken('monitoring', 'prometheus', 'prometheus-0', 'worker-2', '198.18.46.112', 'jti-p', 'curl/8.5'), 2, 'list', { resource: 'secrets' }),
  ];
  const { findings } = run(events);
  const replay = findings.filter((f) => f.detector === 'token-replay-new-source');
  assert.equal(replay.length, 1);
  assert.equal(replay[0]!.severity, 'high');
  assert.match(replay[0]!.summary, /pod monitoring\/prometheus-0 was used from 198\.18\.46\.112, which is neither the pod's address \(10\.244\.2\.17\) nor its node's \(worker-2 10\.0\.1\.12\)/);
  assert.ok(ids(findings).includes('bound-token-off-node'));
});

test('near miss: a rolling deployment moves pods to new addresses on other nodes', () => {
  const events: EventRecord[] = [];
  for (let i = 0; i < 6; i++) {
    const node = `worker-${i}`;
    const nodeIp = `10.0.1.${10 + i}`;
    const pod = `web-7d9f8c-${i}abcd`;
    const podIp = `10.244.${i}.${20 + i}`;
    events.push(req(kubelet(node, nodeIp), i * 20, 'update', { resource: 'leases', namespace: 'kube-node-lease', name: node }));
    events.push(mint(kubelet(node, nodeIp), i * 20, 'production', 'web', `jti-${i}`));
    events.push(podStatus(node, nodeIp, i * 20, 'production', pod, podIp));
    for (let k = 0; k < 3; k++) events.push(req(podToken('production', 'web', pod, node, podIp, `jti-${i}`), i * 20 + k + 1, 'get', cm('production')));
    events.push(req(kubelet(node, nodeIp), i * 20 + 5, 'delete', { resource: 'pods', namespace: 'production', name: pod }));
  }
  const { findings } = run(events, { learningMs: 10 * 60_000 });
  assert.deepEqual(findings.map((f) => f.summary), []);
});

test('near miss: kubelet refresh rotates the pod token (new JTI), same pod, same address', () => {
  const events: EventRecord[] = [];
  for (let i = 0; i < 4; i++) {
    events.push(mint(kubelet('worker-1', '10.0.1.11'), i * 48, 'production', 'api', `jti-r${i}`));
    events.push(req(podToken('production', 'api', 'api-0', 'worker-1', '10.244.1.9', `jti-r${i}`), i * 48 + 1, 'get', cm('production')));
  }
  assert.deepEqual(run(events, { learningMs: 30 * 60_000 }).findings, []);
});

test('near miss: a CI system with a long-lived token from its fixed runner addresses', () => {
  const runners = ['198.51.100.10', '198.51.100.11', '198.51.100.12'];
  const events = Array.from({ length: 60 }, (_, i) =>
    req({ ...saToken('ci', 'deployer', runners[i % 3]!), ua: 'argocd/v2.9' }, i * 3, 'patch', { resource: 'deployments', apiGroup: 'apps', namespace: 'production', name: 'web' }, { annotations: { 'authentication.k8s.io/legacy-token': 'system:serviceaccount:ci:deployer' } }),
  );
  assert.deepEqual(run(events, { learningMs: 60 * 60_000 }).findings, []);
});

test('after learning, the CI token from an unknown outside address fires, naming the known sources', () => {
  const runners = ['198.51.100.10', '198.51.100.11'];
  const events = Array.from({ length: 30 }, (_, i) => req(saToken('ci', 'deployer', runners[i % 2]!), i * 3, 'patch', { resource: 'deployments', namespace: 'production', name: 'web' }));
  events.push(req(saToken('ci', 'deployer', '203.0.113.99'), 120, 'list', { resource: 'secrets', namespace: 'production' }));
  const f = run(events, { learningMs: 60 * 60_000 }).findings;
  assert.equal(f.length, 1);
  assert.equal(f[0]!.detector, 'token-replay-new-source');
  assert.equal(f[0]!.severity, 'medium');
  assert.match(f[0]!.notes[0]!, /known sources: 198\.51\.100\.10, 198\.51\.100\.11/);
});

test("a pod address a client wrote in a request body (a dry-run create, a create's status) is not learned: the outside address still fires", () => {
  const runners = ['198.51.100.10', '198.51.100.11'];
  const base = () => Array.from({ length: 30 }, (_, i) => req(saToken('ci', 'deployer', runners[i % 2]!), i * 3, 'patch', { resource: 'deployments', namespace: 'production', name: 'web' }));
  const pod = { resource: 'pods', namespace: 'dev', name: 'decoy' };
  const body = { requestObject: { kind: 'Pod', spec: { nodeName: 'worker-1' }, status: { podIP: '203.0.113.42' } }, responseStatus: { code: 201 } };
  const poisons: [string, EventRecord][] = [
    ['a dry run', req(human('dev-ci@example.com', '203.0.113.42'), 100, 'create', pod, { ...body, requestURI: '/api/v1/namespaces/dev/pods?dryRun=All', level: 'Request' })],
    ["a create's status, which the server drops", req(human('dev-ci@example.com', '203.0.113.42'), 100, 'create', pod, { ...body, requestURI: '/api/v1/namespaces/dev/pods', level: 'Request' })],
    ["a user's pods/status request body", req(human('dev-ci@example.com', '203.0.113.42'), 100, 'patch', { ...pod, subresource: 'status' }, { ...body, level: 'Request' })],
  ];
  for (const [what, poison] of poisons) {
    const events = base();
    events.push(poison);
    events.push(req(saToken('ci', 'deployer', '203.0.113.99'), 120, 'list', { resource: 'secrets', namespace: 'production' }));
    const f = run(events, { learningMs: 60 * 60_000 }).findings;
    assert.deepEqual(ids(f), ['token-replay-new-source'], what);
  }
  // near miss: the pod's own node reporting its address is learned, and an address there is the pod's network
  const events = base();
  events.push(podStatus('worker-1', '10.0.1.11', 100, 'dev', 'decoy', '203.0.113.42'));
  events.push(req(saToken('ci', 'deployer', '203.0.113.99'), 120, 'list', { resource: 'secrets', namespace: 'production' }));
  assert.deepEqual(ids(run(events, { learningMs: 60 * 60_000 }).findings), []);
});

test('during learning, an account that only ever acted from inside the cluster acting from outside fires', () => {
  const events = [req(kubelet('worker-1', '10.0.1.11'), 0, 'update', { resource: 'leases', namespace: 'kube-node-lease', name: 'worker-1' })];
  for (let i = 0; i < 25; i++) events.push(req(saToken('kube-system', 'generic-garbage-collector', '10.0.1.11'), i * 0.1, 'list', { resource: 'pods' }));
  events.push(req(saToken('kube-system', 'generic-garbage-collector', '203.0.113.5'), 5, 'list', { resource: 'secrets' }));
  const f = run(events).findings;
  assert.deepEqual(ids(f), ['token-replay-new-source']);
});

test('a new client family on a known address is low severity', () => {
  const events = Array.from({ length: 20 }, (_, i) => req(saToken('ci', 'deployer', '198.51.100.10', undefined, 'argocd/v2.9'), i * 5, 'get', cm('ci')));
  events.push(req(saToken('ci', 'deployer', '198.51.100.10', undefined, 'curl/8.5'), 120, 'get', { resource: 'secrets', namespace: 'ci', name: 'x' }));
  const f = run(events, { learningMs: 60 * 60_000 }).findings;
  assert.equal(f.length, 1);
  assert.equal(f[0]!.severity, 'low');
  assert.match(f[0]!.summary, /never used before: curl/);
});

test('a human is never judged by the service-account baseline', () => {
  const f = run([req(human('alice@example.com', '192.0.2.1'), 0, 'get', cm('a')), req(human('alice@example.com', '203.0.113.1'), 100, 'get', cm('a'))], { learningMs: 1 }).findings;
  assert.deepEqual(f, []);
});

// Logs without pod bodies (the recommended policy keeps pods/status at Metadata) show no pod networks: a pod's
// restart at a new address in the account's own private network is churn, and a claim of "outside the cluster"
// needs the networks the log shows.
const lease = (m: number) => req(kubelet('worker-1', '10.0.1.11'), m, 'update', { resource: 'leases', namespace: 'kube-node-lease', name: 'worker-1' });
const app = (ip: string, m: number, ua = 'app/1.0') => req(saToken('prod', 'app', ip, undefined, ua), m, 'list', cm('prod'));

test('near miss: without pod bodies, a restarted pod at a new address in the account\'s own private network is churn', () => {
  const events = [lease(0), ...Array.from({ length: 20 }, (_, i) => app('10.244.1.5', i * 5)), app('10.244.1.9', 120)];
  assert.deepEqual(run(events, { learningMs: 60 * 60_000 }).findings, []);
});

test('a private address in another network than the account\'s fires, said as what the log shows', () => {
  const events = [lease(0), ...Array.from({ length: 20 }, (_, i) => app('10.244.1.5', i * 5)), app('10.99.0.7', 120)];
  const f = run(events, { learningMs: 60 * 60_000 }).findings;
  assert.equal(f.length, 1);
  assert.equal(f[0]!.severity, 'medium');
  assert.equal(f[0]!.summary, 'prod/app acted from 10.99.0.7, an address it never used before, outside the node and pod networks the log shows');
});

test('an account the log never showed: low from a private address (a new workload, most often), medium from a public one', () => {
  const f = run([lease(0), lease(120), req(saToken('prod', 'newapp', '10.244.2.7', undefined, 'newapp/1.0'), 121, 'list', cm('prod')), req(saToken('prod', 'other', '198.51.100.99'), 122, 'get', cm('prod'))], { learningMs: 60 * 60_000 }).findings;
  assert.deepEqual(f.map((x) => [x.severity, x.summary]), [
    ['low', 'first request of prod/newapp in the log, from 10.244.2.7, a private address outside the node and pod networks the log shows'],
    ['medium', 'first request of prod/other in the log, from 198.51.100.99, an address outside the node and pod networks the log shows'],
  ]);
});

test('pod-bound tokens teach the pod networks when the log has no pod bodies: another account from that network is churn', () => {
  const events = [
    lease(0),
    req(podToken('prod', 'web', 'web-0', 'worker-1', '10.244.3.4', 'jti-w'), 1, 'get', cm('prod')),
    ...Array.from({ length: 20 }, (_, i) => app('10.200.1.5', i * 5)),
    // after learning: an unbound token of another account from the pods' network
    app('10.244.7.7', 120),
  ];
  assert.deepEqual(run(events, { learningMs: 60 * 60_000 }).findings, []);
  // a bound token first used from a public address teaches no network
  const pub = [lease(0), req(podToken('prod', 'web', 'web-1', 'worker-1', '198.51.100.3', 'jti-v'), 1, 'get', cm('prod')), ...Array.from({ length: 20 }, (_, i) => app('10.200.1.5', i * 5)), app('198.51.100.4', 120)];
  assert.deepEqual(run(pub, { learningMs: 60 * 60_000 }).findings.map((x) => x.summary), ['prod/app acted from 198.51.100.4, an address it never used before, outside the node and pod networks the log shows']);
});
