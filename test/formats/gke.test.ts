import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gkeResponseStatus, parseMethodName, parseResourceName, RPC_TO_HTTP } from '../../src/formats/gke.js';
import { counts, decodeDocument, decodeLines, decodeText } from './helpers.js';

const idx = (xs: { place: { index?: number } }[]) => xs.map((x) => x.place.index);

test('methodName → verb, resource, subresource, group, version', () => {
  assert.deepEqual(parseMethodName('io.k8s.core.v1.pods.create'), { verb: 'create', resource: 'pods', apiGroup: '', apiVersion: 'v1' });
  assert.deepEqual(parseMethodName('io.k8s.authorization.rbac.v1.clusterrolebindings.create'), { verb: 'create', resource: 'clusterrolebindings', apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1' });
  assert.deepEqual(parseMethodName('io.k8s.core.v1.serviceaccounts.token.create'), { verb: 'create', resource: 'serviceaccounts', subresource: 'token', apiGroup: '', apiVersion: 'v1' });
  assert.deepEqual(parseMethodName('io.k8s.core.v1.pods.exec.get'), { verb: 'get', resource: 'pods', subresource: 'exec', apiGroup: '', apiVersion: 'v1' });
  assert.deepEqual(parseMethodName('io.k8s.apps.v1.deployments.update'), { verb: 'update', resource: 'deployments', apiGroup: 'apps', apiVersion: 'v1' });
  assert.deepEqual(parseMethodName('io.k8s.networking.v1.networkpolicies.delete'), { verb: 'delete', resource: 'networkpolicies', apiGroup: 'networking.k8s.io', apiVersion: 'v1' });
  assert.deepEqual(parseMethodName('io.k8s.apiextensions.v1beta1.customresourcedefinitions.patch'), { verb: 'patch', resource: 'customresourcedefinitions', apiGroup: 'apiextensions.k8s.io', apiVersion: 'v1beta1' });
  assert.deepEqual(parseMethodName('io.cert-manager.v1.certificates.create'), { verb: 'create', resource: 'certificates', apiGroup: 'cert-manager.io', apiVersion: 'v1' });
  assert.deepEqual(parseMethodName('io.k8s.get'), { verb: 'get' });
  assert.equal(parseMethodName('io.k8s.readyz'), undefined);
  assert.equal(parseMethodName('io.k8s.core.v1.pods'), undefined);
  assert.equal(parseMethodName(''), undefined);
});

test('resourceName → namespace, name, subresource and the API path', () => {
  assert.deepEqual(parseResourceName('core/v1/namespaces/production/serviceaccounts/app-sa/token', 'serviceaccounts'), {
    apiGroup: '', apiVersion: 'v1', namespace: 'production', resource: 'serviceaccounts', name: 'app-sa', subresource: 'token',
    path: '/api/v1/namespaces/production/serviceaccounts/app-sa/token',
  });
  assert.deepEqual(parseResourceName('core/v1/namespaces/audit-canary', 'namespaces'), { apiGroup: '', apiVersion: 'v1', resource: 'namespaces', name: 'audit-canary', path: '/api/v1/namespaces/audit-canary' });
  assert.equal(parseResourceName('rbac.authorization.k8s.io/v1/clusterrolebindings/x', 'clusterrolebindings')?.path, '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/x');
  assert.equal(parseResourceName('core/v1/namespaces/default/pods', 'pods')?.namespace, 'default');
  assert.equal(parseResourceName('core/v1/namespaces/default/pods', 'pods')?.name, undefined);
  assert.equal(parseResourceName('HNAP1'), undefined);
  assert.equal(parseResourceName('core/v1//pods'), undefined);
});

test('TokenRequest create (GKE does not log it; the mapping must still be right)', () => {
  const entry = {
    protoPayload: {
      '@type': 'type.googleapis.com/google.cloud.audit.AuditLog', serviceName: 'k8s.io',
      methodName: 'io.k8s.core.v1.serviceaccounts.token.create',
      resourceName: 'core/v1/namespaces/production/serviceaccounts/app-sa/token',
      authenticationInfo: { principalEmail: 'attacker@example.com' },
      requestMetadata: { callerIp: '203.0.113.42', callerSuppliedUserAgent: 'kubectl/v1.30.2' },
      status: {},
    },
    resource: { type: 'k8s_cluster', labels: { cluster_name: 'c1' } },
    timestamp: '2024-05-01T12:00:00.123456Z',
  };
  const c = decodeText(JSON.stringify(entry));
  assert.deepEqual(counts(c.events), { gke: 1 });
  const e = c.events[0]!;
  assert.equal(e.cluster, 'c1');
  assert.equal(e.event.verb, 'create');
  assert.deepEqual(e.event.objectRef, { resource: 'serviceaccounts', subresource: 'token', namespace: 'production', name: 'app-sa', apiVersion: 'v1' });
  assert.equal(e.event.requestURI, '/api/v1/namespaces/production/serviceaccounts/app-sa/token');
  assert.equal(e.event.responseStatus, undefined, 'status {} says nothing about the HTTP code: no invented 201');
  assert.deepEqual(e.event.sourceIPs, ['203.0.113.42']);
  assert.equal(e.event.user?.username, 'attacker@example.com');
});

test('gcloud logging read output (JSON array of LogEntries)', () => {
  const c = decodeDocument('gke/gcloud-logging-read.json');
  assert.deepEqual(counts(c.events), { gke: 5 });
  assert.deepEqual(idx(c.events), [0, 1, 2, 3, 4]);
  assert.equal(c.rejects.length, 0);
  assert.ok(c.events.every((e) => e.cluster === 'gke-prod-ew1'));
  const [crb, secret, exec, nsDelete, readyz] = c.events.map((e) => e.event);
  // no groups, no extra, no level, no stage: GKE does not carry them
  for (const e of [crb, secret, exec, nsDelete, readyz]) {
    assert.deepEqual(Object.keys(e!.user ?? {}), ['username']);
    assert.equal(e!.level, undefined);
    assert.equal(e!.stage, undefined);
    assert.equal(e!.stageTimestamp, undefined);
    assert.equal(e!.impersonatedUser, undefined);
  }
  assert.deepEqual(crb!.objectRef, { resource: 'clusterrolebindings', name: 'backdoor-admin', apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1' });
  assert.equal(crb!.requestURI, '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', 'a create posts to the collection');
  assert.equal(secret!.requestURI, '/api/v1/namespaces/kube-system/secrets/cloud-credentials');
  assert.equal(exec!.requestURI, '/api/v1/namespaces/production/pods/web-7d9f8c6b5-qx2lp/exec');
  assert.equal(nsDelete!.requestURI, '/api/v1/namespaces/audit-canary');
  assert.equal(crb!.responseStatus, undefined);
  assert.equal(crb!.auditID, 'a1f0c3e2-7b4d-4e59-9a86-3c2d1e0f9a8b');
  assert.equal(crb!.requestReceivedTimestamp, '2024-05-01T12:02:10.441207Z');
  assert.equal(crb!.annotations?.['authorization.k8s.io/decision'], 'allow');
  assert.equal((crb!.requestObject as Record<string, unknown>)['@type'], undefined);
  assert.equal((crb!.requestObject as { roleRef: { name: string } }).roleRef.name, 'cluster-admin');
  assert.deepEqual(secret!.responseStatus, { code: 403, message: 'PERMISSION_DENIED' });
  assert.equal(secret!.annotations?.['authorization.k8s.io/decision'], 'forbid');
  assert.equal(exec!.objectRef?.subresource, 'exec');
  assert.equal(exec!.objectRef?.namespace, 'production');
  assert.deepEqual(nsDelete!.objectRef, { resource: 'namespaces', name: 'audit-canary', apiVersion: 'v1' });
  assert.deepEqual(nsDelete!.responseStatus, { code: 200, status: 'Success' });
  assert.equal(readyz!.verb, 'get');
  assert.equal(readyz!.requestURI, '/readyz');
  assert.equal(readyz!.objectRef, undefined);
});

test('entries.list response: a non-Kubernetes entry is skipped', () => {
  const c = decodeDocument('gke/entries-list.json');
  assert.deepEqual(counts(c.events), { gke: 2 });
  assert.deepEqual(idx(c.events), [0, 2]);
  assert.deepEqual(idx(c.skips), [1]);
  assert.equal(c.skips[0]!.reason, 'entries[1]: LogEntry of service "container.googleapis.com" is not a Kubernetes audit entry');
});

test('Pub/Sub push request and sink export lines', () => {
  const p = decodeDocument('gke/pubsub-push.json');
  assert.deepEqual(counts(p.events), { gke: 1 });
  assert.equal(p.events[0]!.event.objectRef?.resource, 'clusterrolebindings');
  const s = decodeLines('gke/sink-export.ndjson');
  assert.deepEqual(counts(s.events), { gke: 3 });
  assert.deepEqual(s.events.map((e) => e.place.line), [1, 2, 3]);
  const bad = decodeText(JSON.stringify({ message: { data: '!!' }, subscription: 'projects/p/subscriptions/s' }));
  assert.equal(bad.rejects[0]!.reason, 'message.data: payload is not valid base64');
});

test('status mapping: google.rpc codes, Status responses, denied authorization, success without a code', () => {
  assert.deepEqual(gkeResponseStatus({ status: { code: 7 } }), { code: 403 });
  assert.deepEqual(gkeResponseStatus({ status: { code: 16 } }), { code: 401 });
  assert.deepEqual(gkeResponseStatus({ status: { code: 5, message: 'not found' } }), { code: 404, message: 'not found' });
  assert.deepEqual(gkeResponseStatus({ status: { code: 10, message: 'pods "x" already exists' } }), { code: 409, message: 'pods "x" already exists' });
  assert.equal(gkeResponseStatus({ status: { code: 0 } }), undefined);
  assert.equal(gkeResponseStatus({ status: {} }), undefined);
  assert.equal(gkeResponseStatus({}), undefined);
  assert.equal(gkeResponseStatus({ status: { code: 99 } }), undefined);
  assert.deepEqual(gkeResponseStatus({ authorizationInfo: [{ granted: false }] }), { code: 403 });
  assert.equal(gkeResponseStatus({ status: { code: 0 }, authorizationInfo: [{ granted: false }] }), undefined);
  assert.deepEqual(gkeResponseStatus({ response: { kind: 'Status', code: 422, status: 'Failure', reason: 'Invalid' }, status: { code: 3 } }), { code: 422, status: 'Failure', reason: 'Invalid' });
  // a SubjectAccessReview response is not a Status
  assert.deepEqual(gkeResponseStatus({ response: { '@type': 'authorization.k8s.io/v1.SubjectAccessReview', code: 200 }, status: { code: 7 } }), { code: 403 });
  for (let c = 1; c <= 16; c++) assert.equal(typeof RPC_TO_HTTP[c], 'number');
});

test('entries GKE cannot map are rejected with the reason', () => {
  const noMethod = decodeText(JSON.stringify({ protoPayload: { serviceName: 'k8s.io' } }));
  assert.equal(noMethod.rejects[0]!.reason, 'protoPayload.methodName missing or not a string');
  const noVerb = decodeText(JSON.stringify({ protoPayload: { serviceName: 'k8s.io', methodName: 'io.k8s.readyz' } }));
  assert.equal(noVerb.rejects[0]!.reason, 'protoPayload.methodName names no Kubernetes verb');
  const badIp = decodeText(JSON.stringify({ protoPayload: { serviceName: 'k8s.io', methodName: 'io.k8s.get', requestMetadata: { callerIp: 5 } } }));
  assert.equal(badIp.events.length, 1, 'a non-string callerIp is left out, not invented');
  assert.equal(badIp.events[0]!.event.sourceIPs, undefined);
});
