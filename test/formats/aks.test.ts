import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterFromResourceId, TOO_BIG } from '../../src/formats/aks.js';
import { counts, decodeDocument, decodeLines, decodeText } from './helpers.js';

const idx = (xs: { place: { index?: number } }[]) => xs.map((x) => x.place.index);

test('resource id names the managed cluster, whatever its case', () => {
  assert.equal(clusterFromResourceId('/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/TEST-AKS'), 'TEST-AKS');
  assert.equal(clusterFromResourceId('/subscriptions/s/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/test-aks'), 'test-aks');
  assert.equal(clusterFromResourceId('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/x'), undefined);
});

test('Event Hubs body {"records":[...]}: events, a non-audit category skipped, a cut log rejected', () => {
  const c = decodeDocument('aks/eventhub-records.json');
  assert.deepEqual(counts(c.events), { aks: 3 });
  assert.deepEqual(idx(c.events), [0, 1, 4]);
  assert.ok(c.events.every((e) => e.cluster === 'AKS-PROD-WE'));
  assert.deepEqual(idx(c.skips), [2]);
  assert.equal(c.skips[0]!.reason, 'records[2]: AKS category "kube-apiserver" is not an audit category');
  assert.deepEqual(c.rejects.map((r) => [r.place.index, r.reason]), [[3, 'records[3].properties.log: invalid JSON: truncated record']]);
  const big = c.events[2]!.event;
  assert.equal(big.verb, 'update');
  assert.equal(big.requestObject, TOO_BIG);
  assert.equal(big.responseObject, TOO_BIG);
  const a = c.events[0]!.event;
  assert.equal(a.annotations?.['authorization.k8s.io/decision'], 'allow');
  assert.equal(a.objectRef?.subresource, 'token');
});

test('storage blob PT1H.json: BOM, CRLF, properties.log as a string and as an object', () => {
  const c = decodeLines('aks/PT1H.json');
  assert.deepEqual(counts(c.events), { aks: 3 });
  assert.deepEqual(c.events.map((e) => e.place.line), [1, 2, 3]);
  assert.equal(c.rejects.length, 0);
  assert.equal(c.events[1]!.event.user?.username, 'system:serviceaccount:production:app-sa');
  assert.deepEqual(c.events[1]!.event.user?.extra?.['authentication.kubernetes.io/credential-id'], ['JTI=0f6a7c2e-5b1d-4e89-9c3a-7b2e1f4d6a90']);
});

test('Log Analytics AKSAudit rows (query output, dynamic columns as JSON text)', () => {
  const c = decodeDocument('aks/aksaudit-query-rows.json');
  assert.deepEqual(counts(c.events), { aks: 3 });
  assert.deepEqual(idx(c.events), [0, 1, 2]);
  assert.ok(c.events.every((e) => e.cluster === 'aks-prod-we'));
  const a = c.events[0]!.event;
  assert.equal(a.verb, 'create');
  assert.equal(a.auditID, '7d3c5b0e-4a61-4f7e-9a52-2f0c1d7e8a11');
  assert.equal(a.requestURI, '/api/v1/namespaces/production/serviceaccounts/app-sa/token');
  assert.deepEqual(a.sourceIPs, ['203.0.113.42']);
  assert.equal(a.responseStatus?.code, 201);
  assert.equal(a.requestReceivedTimestamp, '2024-05-01T12:00:00.123Z');
  assert.equal(a.stageTimestamp, '2024-05-01T12:00:00.131Z');
  assert.equal(a.stage, 'ResponseComplete');
  assert.equal(a.level, 'Request');
  assert.equal(a.annotations?.['authentication.kubernetes.io/issued-credential-id'], 'JTI=0f6a7c2e-5b1d-4e89-9c3a-7b2e1f4d6a90');
  assert.equal(a.impersonatedUser, undefined, 'AKSAudit has no impersonatedUser column');
  assert.equal(a.kind, undefined);
  for (const k of ['TenantId', 'Type', 'PodName', '_ResourceId', 'Verb']) assert.equal((a as Record<string, unknown>)[k], undefined);
  assert.equal(c.events[2]!.event.requestObject, TOO_BIG);
});

test('AKSAudit rows exported with dynamic columns as objects, and a query API response', () => {
  const e = decodeLines('aks/aksaudit-export.ndjson');
  assert.deepEqual(counts(e.events), { aks: 2 });
  assert.deepEqual(e.events[0]!.event.objectRef, { resource: 'serviceaccounts', namespace: 'production', name: 'app-sa', apiVersion: 'v1', subresource: 'token' });
  const q = decodeDocument('aks/aksaudit-query-response.json');
  assert.deepEqual(counts(q.events), { aks: 2 });
  assert.deepEqual(idx(q.events), [0, 1]);
  assert.equal(q.events[1]!.event.verb, 'list');
});

test('legacy AzureDiagnostics row (log_s)', () => {
  const c = decodeLines('aks/azurediagnostics.ndjson');
  assert.deepEqual(counts(c.events), { aks: 1 });
  assert.equal(c.events[0]!.cluster, 'AKS-PROD-WE');
  assert.equal(c.events[0]!.event.user?.username, 'attacker@example.com');
});

test("Panther Azure.MonitorActivity record (the seed rule's AKS test event) decodes as aks", () => {
  const rec = {
    p_log_type: 'Azure.MonitorActivity',
    category: 'kube-audit',
    operationName: 'Microsoft.ContainerService/managedClusters/diagnosticLogs/Read',
    properties: {
      log: '{"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"create","user":{"username":"persistence-user@example.com"},"sourceIPs":["1.2.3.4"],"objectRef":{"resource":"serviceaccounts","subresource":"token","namespace":"default","name":"backdoor-sa","apiVersion":"v1"},"responseStatus":{"code":201}}',
    },
    p_source_label: 'aks-cluster',
  };
  const c = decodeText(JSON.stringify(rec));
  assert.deepEqual(counts(c.events), { aks: 1 });
  const e = c.events[0]!;
  assert.equal(e.cluster, undefined, 'no resourceId, and p_source_label is a Panther source name, not a cluster');
  assert.equal(e.event.verb, 'create');
  assert.equal(e.event.objectRef?.name, 'backdoor-sa');
  assert.equal((e.event as Record<string, unknown>).p_log_type, undefined);
});

test('bad AKS records are rejected with the field named', () => {
  const rid = '/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/C';
  const c = decodeText(JSON.stringify({ records: [
    { category: 'kube-audit', resourceId: rid },
    { category: 'kube-audit', resourceId: rid, properties: { log: 42 } },
    { category: 'kube-audit', resourceId: rid, properties: {} },
    { category: 'kube-audit', resourceId: rid, properties: { log: '{"kind":"Event","verb":7}' } },
    { category: 'kube-audit', resourceId: rid, properties: { log: '{"kind":"Event","verb":"get","sourceIPs":[1]}' } },
    7,
  ] }));
  assert.deepEqual(c.rejects.map((r) => r.reason), [
    'records[0].properties: missing or not an object',
    'records[1].properties.log: not an audit event object',
    'records[2].properties.log: missing',
    'records[3].properties.log: audit event field "verb" is not a string',
    'records[4].properties.log: audit event field "sourceIPs[0]" is not a string',
    'records[5]: record is not an object',
  ]);
  const row = decodeText(JSON.stringify({ Type: 'AKSAudit', Verb: 'get', User: '{"username":', SourceIps: '["1.2.3.4"]' }));
  assert.equal(row.rejects[0]!.reason, 'User: column is not valid JSON (invalid JSON: truncated record)');
  const notJson = decodeText(JSON.stringify({ Type: 'AKSAudit', Verb: 'get', SourceIps: '1.2.3.4' }));
  assert.equal(notJson.rejects[0]!.reason, 'SourceIps: column is not a JSON object or list');
});

test('an empty records envelope is skipped', () => {
  const c = decodeText('{"records":[]}');
  assert.equal(c.events.length + c.rejects.length, 0);
  assert.equal(c.skips.length, 1);
});
