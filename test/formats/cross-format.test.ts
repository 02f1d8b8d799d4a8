/**
 * The same TokenRequest attack — attacker@example.com creating serviceaccounts/token for production/app-sa from
 * 203.0.113.42, answered 201 — written in every format and wrapper, must decode to the same verb, user, objectRef,
 * sourceIPs and response code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Decoded } from '../../src/formats/types.js';
import { core, decodeDocument, decodeLines, decodeText, fixture, type Collected } from './helpers.js';

const ATTACK_ID = '7d3c5b0e-4a61-4f7e-9a52-2f0c1d7e8a11';
const EXPECTED = {
  verb: 'create',
  username: 'attacker@example.com',
  objectRef: { resource: 'serviceaccounts', subresource: 'token', namespace: 'production', name: 'app-sa', apiGroup: undefined, apiVersion: 'v1' },
  sourceIPs: ['203.0.113.42'],
  code: 201,
};

function attackIn(c: Collected, what: string): Decoded {
  const found = c.events.filter((e) => e.event.auditID === ATTACK_ID);
  assert.equal(found.length, 1, `${what}: expected the attack once, got ${found.length} (events ${c.events.length}, rejects ${c.rejects.map((r) => r.reason).join('; ')})`);
  return found[0]!;
}

const attack = JSON.parse(fixture('raw/token-request.json')) as Record<string, unknown>;
const rid = '/SUBSCRIPTIONS/0/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-1';

const CASES: [string, string, () => Collected][] = [
  ['raw event', 'raw', () => decodeDocument('raw/token-request.json')],
  ['raw EventList', 'raw', () => decodeDocument('raw/eventlist.json')],
  ['eks filter-log-events', 'eks', () => decodeDocument('eks/filter-log-events.json')],
  ['eks get-log-events', 'eks', () => decodeDocument('eks/get-log-events.json')],
  ['eks DATA_MESSAGE', 'eks', () => decodeDocument('eks/subscription-data-message.json')],
  ['eks Lambda awslogs', 'eks', () => decodeDocument('eks/lambda-awslogs.json')],
  ['eks Firehose HTTP request', 'eks', () => decodeDocument('eks/firehose-http-request.json')],
  ['eks Firehose transformation (extracted)', 'eks', () => decodeDocument('eks/firehose-transform-event.json')],
  ['eks Kinesis', 'eks', () => decodeDocument('eks/kinesis-event.json')],
  ['eks S3 export line', 'eks', () => decodeLines('eks/s3-export-000000.log')],
  ['eks Firehose S3 object', 'eks', () => {
    const c = decodeLines('eks/firehose-s3-object.log');
    return { ...c, events: c.events.slice(0, 3) }; // the second document repeats the attack
  }],
  ['eks forced on a raw line', 'eks', () => decodeText(JSON.stringify(attack), { format: 'eks' })],
  ['aks Event Hubs records', 'aks', () => decodeDocument('aks/eventhub-records.json')],
  ['aks storage blob line (log string)', 'aks', () => decodeLines('aks/PT1H.json')],
  ['aks single record (log object)', 'aks', () => decodeText(JSON.stringify({ category: 'kube-audit-admin', resourceId: rid, properties: { log: attack, pod: 'kube-apiserver-0' } }))],
  ['aks AKSAudit query rows', 'aks', () => decodeDocument('aks/aksaudit-query-rows.json')],
  ['aks AKSAudit export', 'aks', () => decodeLines('aks/aksaudit-export.ndjson')],
  ['aks query API response', 'aks', () => decodeDocument('aks/aksaudit-query-response.json')],
  ['aks AzureDiagnostics', 'aks', () => decodeLines('aks/azurediagnostics.ndjson')],
  ['ecs _source without event.original', 'ecs', () => {
    const c = decodeLines('ecs/audit_logs.ndjson');
    return { ...c, events: c.events.slice(0, 1) };
  }],
  ['ecs _source, username and IPs only in ECS fields', 'ecs', () => {
    const c = decodeLines('ecs/audit_logs.ndjson');
    return { ...c, events: c.events.slice(2, 3) };
  }],
  ['ecs with event.original', 'ecs', () => decodeText(JSON.stringify({ event: { original: JSON.stringify(attack) }, kubernetes: { audit: { verb: 'create', auditID: ATTACK_ID } } }))],
  ['ecs search response', 'ecs', () => decodeDocument('ecs/search-response.json')],
  ['ecs dotted keys', 'ecs', () => decodeLines('ecs/dotted-keys.ndjson')],
];

for (const [what, format, run] of CASES) {
  test(`TokenRequest attack: ${what}`, () => {
    const d = attackIn(run(), what);
    assert.equal(d.format, format);
    assert.deepEqual(core(d), EXPECTED);
  });
}

test('TokenRequest attack: gke mapping (GKE does not log TokenRequest; no response code can be stated)', () => {
  const entry = {
    protoPayload: {
      '@type': 'type.googleapis.com/google.cloud.audit.AuditLog', serviceName: 'k8s.io', methodName: 'io.k8s.core.v1.serviceaccounts.token.create',
      resourceName: 'core/v1/namespaces/production/serviceaccounts/app-sa/token', authenticationInfo: { principalEmail: 'attacker@example.com' },
      requestMetadata: { callerIp: '203.0.113.42' }, status: {},
    },
    operation: { id: ATTACK_ID, producer: 'k8s.io', first: true, last: true },
  };
  const d = attackIn(decodeText(JSON.stringify(entry)), 'gke');
  assert.equal(d.format, 'gke');
  assert.deepEqual(core(d), { ...EXPECTED, code: undefined });
});
