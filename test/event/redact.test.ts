import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactEvent, REDACTED } from '../../src/event/redact.js';
import type { AuditEvent } from '../../src/event/types.js';

// A JWT-shaped fake (header.payload.signature), the form service-account tokens take.
export const FAKE_JWT = 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImZha2UifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6cHJvZDphcHAifQ.c2lnbmF0dXJlLW5vdC1yZWFs';
const B64_OF_JWT = Buffer.from(FAKE_JWT).toString('base64');

test('the token in a TokenRequest response is redacted', () => {
  const ev: AuditEvent = {
    verb: 'create',
    objectRef: { resource: 'serviceaccounts', subresource: 'token', namespace: 'p', name: 'a' },
    responseObject: { kind: 'TokenRequest', status: { token: FAKE_JWT, expirationTimestamp: '2026-01-01T00:00:00Z' } },
  };
  assert.ok(redactEvent(ev) >= 1);
  assert.equal((ev.responseObject as { status: { token: string } }).status.token, REDACTED);
  assert.equal((ev.responseObject as { status: { expirationTimestamp: string } }).status.expirationTimestamp, '2026-01-01T00:00:00Z');
  assert.ok(!JSON.stringify(ev).includes('eyJ'));
});

test('secret data, stringData and last-applied copies are redacted, keys kept', () => {
  const ev: AuditEvent = {
    verb: 'list',
    objectRef: { resource: 'secrets', namespace: 'kube-system' },
    responseObject: {
      kind: 'SecretList',
      items: [
        {
          metadata: { name: 't', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `{"data":{"token":"${B64_OF_JWT}"}}` } },
          type: 'kubernetes.io/service-account-token',
          data: { token: B64_OF_JWT, 'ca.crt': 'LS0tLS1CRUdJTg==', namespace: 'a3ViZS1zeXN0ZW0=' },
        },
      ],
    },
    requestObject: { stringData: { password: 'hunter2' } },
  };
  redactEvent(ev);
  const s = JSON.stringify(ev);
  assert.ok(!s.includes(B64_OF_JWT));
  assert.ok(!s.includes('hunter2'));
  assert.ok(!s.includes('LS0tLS1CRUdJTg'));
  assert.ok(s.includes('"ca.crt":"[REDACTED]"'));
  assert.ok(s.includes('"type":"kubernetes.io/service-account-token"'));
});

test('a JSON patch writing secret data is redacted', () => {
  const ev: AuditEvent = {
    verb: 'patch',
    objectRef: { resource: 'secrets', namespace: 'a', name: 'b' },
    requestObject: [{ op: 'add', path: '/data/token', value: 'c2VjcmV0LXZhbHVl' }, { op: 'replace', path: '/type', value: 'Opaque' }],
  };
  redactEvent(ev);
  const arr = ev.requestObject as { value: string }[];
  assert.equal(arr[0]!.value, REDACTED);
  assert.equal(arr[1]!.value, 'Opaque');
});

test('TokenReview specs and bearer tokens anywhere are redacted', () => {
  const ev: AuditEvent = {
    verb: 'create',
    requestURI: `/apis/x/v1/proxy?access_token=${FAKE_JWT}`,
    objectRef: { resource: 'tokenreviews' },
    requestObject: { spec: { token: 'opaque-token-value-123456' } },
    annotations: { note: `Authorization: Bearer ${FAKE_JWT}` },
    responseObject: { status: { user: { username: 'x' } }, headers: { Authorization: 'Basic dXNlcjpwYXNzd29yZA==' } },
  };
  redactEvent(ev);
  const s = JSON.stringify(ev);
  assert.ok(!s.includes('eyJ'), s);
  assert.ok(!s.includes('opaque-token-value'));
  assert.ok(!s.includes('dXNlcjpwYXNzd29yZA'));
  assert.ok(s.includes('access_token=[REDACTED]'));
});

test('ordinary events are left alone', () => {
  const ev: AuditEvent = { verb: 'get', user: { username: 'system:node:worker-1' }, objectRef: { resource: 'pods', namespace: 'a', name: 'b' }, requestURI: '/api/v1/namespaces/a/pods/b' };
  const before = JSON.stringify(ev);
  assert.equal(redactEvent(ev), 0);
  assert.equal(JSON.stringify(ev), before);
});

test('an opaque credential in a query parameter named …token is redacted; the other parameters and plain token paths stay', () => {
  const cases: [string, string][] = [
    ['/api/v1/namespaces/a/pods/b/exec?command=sh&access_token=s3cr3t-opaque-value-123&container=c', '/api/v1/namespaces/a/pods/b/exec?command=sh&access_token=[REDACTED]&container=c'],
    ['/apis/x/v1/things?token=abc123', '/apis/x/v1/things?token=[REDACTED]'],
    ['/apis/x/v1/things?watch=1&ID_Token=abc#frag', '/apis/x/v1/things?watch=1&ID_Token=[REDACTED]#frag'],
    ['/apis/x/v1/things?a=1;refresh_token=r1;b=2', '/apis/x/v1/things?a=1;refresh_token=[REDACTED];b=2'],
  ];
  for (const [uri, want] of cases) {
    const ev: AuditEvent = { verb: 'get', requestURI: uri };
    assert.equal(redactEvent(ev), 1, uri);
    assert.equal(ev.requestURI, want);
  }
  for (const uri of ['/api/v1/namespaces/p/serviceaccounts/a/token', '/api/v1/pods?labelSelector=tokenizer%3Don', '/api/v1/pods?tokens=1']) {
    const ev: AuditEvent = { verb: 'get', requestURI: uri };
    assert.equal(redactEvent(ev), 0, uri);
    assert.equal(ev.requestURI, uri);
  }
});
