// Writes examples/logs/token-abuse.ndjson: a short, readable cluster log in which a
// stolen credential mints tokens. Run again only to change the story.
import { writeFileSync } from 'node:fs';

const out = [];
let seq = 0;
let clock = Date.parse('2026-03-02T08:00:00Z');
const uuid = (n) => `5f0c${String(n).padStart(4, '0')}-8e1a-4c2b-9d3e-${String(1000000000000 + n).slice(1)}`;
const tick = (ms) => (clock += ms);
const iso = (t) => new Date(t).toISOString().replace('Z', '000Z');

function event({ user, groups = ['system:authenticated'], extra, ip, ua, verb, uri, ref, code = 200, level = 'Metadata', requestObject, annotations = {}, stages = ['RequestReceived', 'ResponseComplete'] }) {
  const auditID = uuid(++seq);
  const t = tick(137);
  for (const stage of stages) {
    const e = { kind: 'Event', apiVersion: 'audit.k8s.io/v1', level, auditID, stage, requestURI: uri, verb, user: { username: user, groups, ...(extra ? { extra } : {}) }, sourceIPs: [ip], userAgent: ua, objectRef: ref };
    if (stage !== 'RequestReceived') e.responseStatus = { metadata: {}, code };
    if (requestObject && level !== 'Metadata') e.requestObject = requestObject;
    e.requestReceivedTimestamp = iso(t);
    e.stageTimestamp = iso(stage === 'RequestReceived' ? t : t + 12);
    if (stage !== 'RequestReceived') e.annotations = { 'authorization.k8s.io/decision': code < 400 ? 'allow' : 'forbid', 'authorization.k8s.io/reason': '', ...annotations };
    out.push(JSON.stringify(e));
  }
  return auditID;
}

const kubelet = (node, ip) => ({ user: `system:node:${node}`, groups: ['system:nodes', 'system:authenticated'], ip, ua: 'kubelet/v1.31.2 (linux/amd64) kubernetes/5864a46' });
const pod = (ns, sa, podName, podIp, node, jti) => ({
  user: `system:serviceaccount:${ns}:${sa}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'], ip: podIp, ua: `${sa}/v2.4.1 (linux/amd64)`,
  extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${jti}`], 'authentication.kubernetes.io/node-name': [node], 'authentication.kubernetes.io/pod-name': [podName] },
});
const lease = (node, ip) => event({ ...kubelet(node, ip), verb: 'update', uri: `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${node}`, ref: { resource: 'leases', namespace: 'kube-node-lease', name: node, apiGroup: 'coordination.k8s.io', apiVersion: 'v1' }, stages: ['ResponseComplete'] });
const mintFor = (who, ns, sa, exp, code = 201, jti) => event({ ...who, verb: 'create', level: 'Request', uri: `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, ref: { resource: 'serviceaccounts', namespace: ns, name: sa, apiVersion: 'v1', subresource: 'token' }, code, requestObject: { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, spec: { audiences: null, expirationSeconds: exp, boundObjectRef: null }, status: { token: '', expirationTimestamp: null } }, annotations: jti ? { 'authentication.kubernetes.io/issued-credential-id': `JTI=${jti}` } : {} });

// ordinary traffic: kubelets, a kubelet minting a pod's token, an app reading config
for (let i = 0; i < 3; i++) { lease('worker-1', '10.0.1.11'); lease('worker-2', '10.0.1.12'); }
mintFor({ ...kubelet('worker-2', '10.0.1.12') }, 'monitoring', 'prometheus', 3607, 201, '0b9c3d4e-1f2a-4b5c-8d6e-7f8091a2b3c4');
event({ ...pod('monitoring', 'prometheus', 'prometheus-0', '10.244.2.17', 'worker-2', '0b9c3d4e-1f2a-4b5c-8d6e-7f8091a2b3c4'), verb: 'list', uri: '/api/v1/namespaces/monitoring/endpoints?limit=500', ref: { resource: 'endpoints', namespace: 'monitoring', apiVersion: 'v1' } });
const alice = { user: 'alice@example.com', groups: ['oidc:platform', 'system:authenticated'], ip: '192.0.2.10', ua: 'kubectl/v1.31.0 (linux/amd64) kubernetes/9edcffc' };
event({ ...alice, verb: 'get', uri: '/api/v1/namespaces/production/pods/payments-7d9f-abcde', ref: { resource: 'pods', namespace: 'production', name: 'payments-7d9f-abcde', apiVersion: 'v1' } });

// the attack: a stolen developer credential probes, then mints a year-long token for a privileged account
const mallory = { user: 'dev-ci@example.com', groups: ['oidc:developers', 'system:authenticated'], ip: '203.0.113.42', ua: 'python-requests/2.32.3' };
tick(60_000);
mintFor(mallory, 'kube-system', 'clusterrole-aggregation-controller', 31536000, 403);
mintFor(mallory, 'kube-system', 'generic-garbage-collector', 31536000, 403);
mintFor(mallory, 'production', 'payments-admin', 31536000, 201, '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d');
lease('worker-1', '10.0.1.11');
// the minted token at work, from the attacker's address
const minted = { user: 'system:serviceaccount:production:payments-admin', groups: ['system:serviceaccounts', 'system:serviceaccounts:production', 'system:authenticated'], ip: '203.0.113.42', ua: 'python-requests/2.32.3', extra: { 'authentication.kubernetes.io/credential-id': ['JTI=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d'] } };
tick(30_000);
event({ ...minted, verb: 'list', uri: '/api/v1/namespaces/production/secrets', ref: { resource: 'secrets', namespace: 'production', apiVersion: 'v1' } });
// persistence: a legacy token Secret that never expires
event({ ...minted, verb: 'create', level: 'Request', uri: '/api/v1/namespaces/production/secrets', ref: { resource: 'secrets', namespace: 'production', name: 'payments-admin-token', apiVersion: 'v1' }, code: 201, requestObject: { kind: 'Secret', apiVersion: 'v1', metadata: { name: 'payments-admin-token', namespace: 'production', annotations: { 'kubernetes.io/service-account.name': 'payments-admin' } }, type: 'kubernetes.io/service-account-token' } });
// a crafted request whose URI and target disagree
mintFor({ ...mallory, ip: '203.0.113.42' }, 'production', 'payments-admin', 600, 201, 'c0ffee00-1234-4abc-9def-0123456789ab');
out[out.length - 1] = out[out.length - 1].replace('"requestURI":"/api/v1/namespaces/production/serviceaccounts/payments-admin/token"', '"requestURI":"/api/v1/namespaces/production/serviceaccounts/payments-admin/token?expirationSeconds=600"');
out[out.length - 2] = out[out.length - 2].replace('"requestURI":"/api/v1/namespaces/production/serviceaccounts/payments-admin/token"', '"requestURI":"/api/v1/namespaces/production/serviceaccounts/payments-admin/token?expirationSeconds=600"');
for (let i = 0; i < 2; i++) { lease('worker-1', '10.0.1.11'); lease('worker-2', '10.0.1.12'); }

writeFileSync(new URL('../examples/logs/token-abuse.ndjson', import.meta.url), out.join('\n') + '\n');
console.log(`wrote ${out.length} events`);
