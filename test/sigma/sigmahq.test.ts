/**
 * The 16 SigmaHQ Kubernetes audit rules (../shared/sigma/kubernetes, see its
 * PROVENANCE.md), loaded unchanged: each fires on one event and stays silent
 * on a near miss.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSigmaError, loadSigmaPaths, witnesses } from '../../src/sigma/index.js';
import type { AuditEvent } from '../../src/event/types.js';
import { K8S_MAPPING, sigmahqDir } from './helpers.js';
import { witnessHolds } from './witness-check.js';

type Ref = { resource: string; subresource?: string; namespace?: string; name?: string; apiGroup?: string; apiVersion?: string };

function audit(verb: string, objectRef: Ref, extra: Partial<AuditEvent> = {}): AuditEvent {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'RequestResponse',
    auditID: '5b0e8c8c-1e1f-4c2e-9a55-000000000001',
    stage: 'ResponseComplete',
    requestURI: `/apis/x/${objectRef.resource}`,
    verb,
    user: { username: 'alice@example.com', groups: ['system:authenticated'] },
    sourceIPs: ['10.1.2.3'],
    userAgent: 'kubectl/v1.30.2 (linux/amd64) kubernetes/3968350',
    objectRef: { apiVersion: 'v1', ...objectRef },
    responseStatus: { code: 200 },
    requestReceivedTimestamp: '2025-03-01T10:00:00.000000Z',
    stageTimestamp: '2025-03-01T10:00:00.010000Z',
    ...extra,
  };
}

const pod = (spec: Record<string, unknown>) => ({ requestObject: { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p' }, spec } });

/** id → [an event that fires, a near miss]. */
const CASES: Record<string, { title: string; fires: AuditEvent; miss: AuditEvent }> = {
  'eed82177-38f5-4299-8a76-098d50d225ab': {
    title: 'Kubernetes Admission Controller Modification',
    fires: audit('create', { apiGroup: 'admissionregistration.k8s.io', resource: 'mutatingwebhookconfigurations', name: 'hook' }),
    miss: audit('get', { apiGroup: 'admissionregistration.k8s.io', resource: 'mutatingwebhookconfigurations', name: 'hook' }),
  },
  '0c9b3bda-41a6-4442-9345-356ae86343dc': {
    title: 'Kubernetes CronJob/Job Modification',
    fires: audit('patch', { apiGroup: 'batch', resource: 'cronjobs', namespace: 'default', name: 'backup' }),
    miss: audit('list', { apiGroup: 'batch', resource: 'cronjobs', namespace: 'default' }),
  },
  '40967487-139b-4811-81d9-c9767a92aa5a': {
    title: 'Deployment Deleted From Kubernetes Cluster',
    fires: audit('delete', { apiGroup: 'apps', resource: 'deployments', namespace: 'prod', name: 'web' }),
    miss: audit('delete', { apiGroup: 'apps', resource: 'replicasets', namespace: 'prod', name: 'web-5d9c' }),
  },
  '3132570d-cab2-4561-9ea6-1743644b2290': {
    title: 'Kubernetes Events Deleted',
    fires: audit('delete', { resource: 'events', namespace: 'default', name: 'web.17b' }),
    miss: audit('create', { resource: 'events', namespace: 'default' }),
  },
  'a1b0ca4e-7835-413e-8471-3ff2b8a66be6': {
    title: 'Potential Remote Command Execution In Pod Container',
    fires: audit('create', { resource: 'pods', subresource: 'exec', namespace: 'default', name: 'web' }),
    // EKS logs exec as verb get (shared/DOMAIN.md): the SigmaHQ rule, taken unchanged, does not see it.
    miss: audit('get', { resource: 'pods', subresource: 'exec', namespace: 'default', name: 'web' }),
  },
  '402b955c-8fe0-4a8c-b635-622b4ac5f902': {
    title: 'Container With A hostPath Mount Created',
    fires: audit('create', { resource: 'pods', namespace: 'default' }, pod({ volumes: [{ name: 'cfg', configMap: { name: 'c' } }, { name: 'root', hostPath: { path: '/', type: '' } }] })),
    miss: audit('create', { resource: 'pods', namespace: 'default' }, pod({ volumes: [{ name: 'scratch', emptyDir: {} }] })),
  },
  'a80d927d-ac6e-443f-a867-e8d6e3897318': {
    title: 'Creation Of Pod In System Namespace',
    fires: audit('create', { resource: 'pods', namespace: 'kube-system', name: 'kube-proxy-bv61v' }),
    miss: audit('create', { resource: 'pods', namespace: 'kube-public', name: 'kube-proxy-bv61v' }),
  },
  '597a7e84-187d-458b-9e4f-2f5a0e676711': {
    title: 'Kubernetes Potential Enumeration Activity',
    // The rule compares responseStatus.code with 'ALLOW'; only an event carrying that string can fire it.
    fires: audit(
      'create',
      { resource: 'pods', subresource: 'exec', namespace: 'default', name: 'web' },
      { responseStatus: { code: 'ALLOW' as unknown as number }, requestURI: '/api/v1/namespaces/default/pods/web/exec?command=%2Fbin%2Fsh&container=web&stdin=true' },
    ),
    // A real audit.k8s.io/v1 event has an integer code (101 for an upgraded exec stream).
    miss: audit(
      'create',
      { resource: 'pods', subresource: 'exec', namespace: 'default', name: 'web' },
      { responseStatus: { code: 101 }, requestURI: '/api/v1/namespaces/default/pods/web/exec?command=%2Fbin%2Fsh&container=web&stdin=true' },
    ),
  },
  'c5cd1b20-36bb-488d-8c05-486be3d0cb97': {
    title: 'Privileged Container Deployed',
    fires: audit('create', { resource: 'pods', namespace: 'default' }, pod({ containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'busybox', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }] })),
    miss: audit('create', { resource: 'pods', namespace: 'default' }, pod({ containers: [{ name: 'a', image: 'nginx', securityContext: { capabilities: { drop: ['ALL'] } } }] })),
  },
  '84b777bd-c946-4d17-aa2e-c39f5a454325': {
    title: 'RBAC Permission Enumeration Attempt',
    fires: audit('create', { apiGroup: 'authorization.k8s.io', apiVersion: 'v1', resource: 'selfsubjectrulesreviews' }),
    miss: audit('create', { apiGroup: 'authorization.k8s.io', apiVersion: 'v1', resource: 'selfsubjectaccessreviews' }),
  },
  '10b97915-ec8d-455f-a815-9a78926585f6': {
    title: 'Kubernetes Rolebinding Modification',
    fires: audit('create', { apiGroup: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', name: 'pwn' }),
    miss: audit('create', { apiGroup: 'rbac.authorization.k8s.io', resource: 'clusterroles', name: 'pwn' }),
  },
  'eeb3e9e1-b685-44e4-9232-6bb701f925b5': {
    title: 'Kubernetes Secrets Enumeration',
    fires: audit('list', { resource: 'secrets', namespace: 'kube-system' }),
    miss: audit('get', { resource: 'secrets', namespace: 'kube-system', name: 'one' }),
  },
  '58d31a75-a4f8-4c40-985b-373d58162ca2': {
    title: 'Kubernetes Secrets Modified or Deleted',
    fires: audit('update', { resource: 'secrets', namespace: 'default', name: 'db' }),
    miss: audit('watch', { resource: 'secrets', namespace: 'default' }),
  },
  'e31bae15-83ed-473e-bf31-faf4f8a17d36': {
    title: 'New Kubernetes Service Account Created',
    fires: audit('create', { resource: 'serviceaccounts', namespace: 'default', name: 'backdoor' }),
    miss: audit('delete', { resource: 'serviceaccounts', namespace: 'default', name: 'backdoor' }),
  },
  'ad9012a6-e518-4432-9890-f3b82b8fc71f': {
    title: 'Potential Sidecar Injection Into Running Deployment',
    fires: audit('patch', { apiGroup: 'apps', resource: 'deployments', namespace: 'prod', name: 'web' }),
    miss: audit('patch', { apiGroup: 'apps', resource: 'statefulsets', namespace: 'prod', name: 'db' }),
  },
  '0d933542-1f1f-420d-97d4-21b2c3c492d9': {
    title: 'Kubernetes Unauthorized or Unauthenticated Access',
    fires: audit('get', { resource: 'secrets', namespace: 'default', name: 'db' }, { responseStatus: { code: 403, reason: 'Forbidden' } }),
    miss: audit('get', { resource: 'secrets', namespace: 'default', name: 'db' }, { responseStatus: { code: 404, reason: 'NotFound' } }),
  },
};

const loaded = loadSigmaPaths([sigmahqDir], { fieldMapping: K8S_MAPPING });

test('all 16 SigmaHQ Kubernetes audit rules load unchanged with zero errors (given the Kubernetes field mapping)', () => {
  assert.deepEqual(loaded.errors.map(formatSigmaError), []);
  assert.equal(loaded.rules.length, 16);
  assert.deepEqual(loaded.rules.map((r) => r.id).sort(), Object.keys(CASES).sort());
  for (const r of loaded.rules) {
    assert.equal(r.title, CASES[r.id]!.title);
    assert.ok(r.author && r.author.length > 0, `${r.id} keeps its author (DRL 1.1)`);
    assert.deepEqual({ product: r.logsource.product, service: r.logsource.service }, { product: 'kubernetes', service: 'audit' });
  }
});

for (const [id, c] of Object.entries(CASES)) {
  test(`SigmaHQ ${c.title}: fires, and a near miss does not`, () => {
    const r = loaded.rules.find((x) => x.id === id);
    assert.ok(r, `rule ${id} loaded`);
    assert.equal(r.match(c.fires), true, 'fires');
    assert.equal(r.match(c.miss), false, 'near miss');
    // and the prefilter would not have skipped the event that fires
    assert.equal(witnessHolds(witnesses(r), c.fires), true, `witnesses ${JSON.stringify(witnesses(r))}`);
  });
}

test('SigmaHQ details: numbers 401/403 match as integers and strings; the userAgent branch of the enumeration rule; subresources still count', () => {
  const byId = (id: string) => loaded.rules.find((x) => x.id === id)!;
  const unauth = byId('0d933542-1f1f-420d-97d4-21b2c3c492d9');
  for (const code of [401, 403, '401', '403']) {
    assert.equal(unauth.match(audit('get', { resource: 'pods' }, { responseStatus: { code: code as number } })), true, String(code));
  }
  assert.equal(unauth.match(audit('get', { resource: 'pods' }, { responseStatus: { code: 4010 } })), false);
  const enumeration = byId('597a7e84-187d-458b-9e4f-2f5a0e676711');
  const scan = audit('list', { resource: 'secrets' }, { responseStatus: { code: 'ALLOW' as unknown as number }, userAgent: 'TruffleHog/3.63 (+https://github.com/trufflesecurity/trufflehog)' });
  assert.equal(enumeration.match(scan), true);
  assert.equal(enumeration.match({ ...scan, userAgent: 'kubectl/v1.30' }), false);
  // As PROVENANCE.md notes, rules that do not look at objectRef.subresource also match a TokenRequest.
  const saCreate = byId('e31bae15-83ed-473e-bf31-faf4f8a17d36');
  assert.equal(saCreate.match(audit('create', { resource: 'serviceaccounts', subresource: 'token', namespace: 'd', name: 'x' })), true);
});

test('without the mapping the rules still load, but apiGroup/hostPath/capabilities read fields raw events do not have', () => {
  const raw = loadSigmaPaths([sigmahqDir]);
  assert.deepEqual(raw.errors, []);
  const rbac = raw.rules.find((x) => x.id === '84b777bd-c946-4d17-aa2e-c39f5a454325')!;
  assert.deepEqual([...rbac.fields].sort(), ['apiGroup', 'objectRef.resource', 'verb']);
  assert.equal(rbac.match(CASES['84b777bd-c946-4d17-aa2e-c39f5a454325']!.fires), false);
});
