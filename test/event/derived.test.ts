import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXTENDED_SECONDS, expirationSeconds, extendedToken, requestedSeconds } from '../../src/event/derived.js';
import type { AuditEvent } from '../../src/event/types.js';

const tokenRequest = (spec: Record<string, unknown>, more: Partial<AuditEvent> = {}): AuditEvent => ({
  verb: 'create',
  objectRef: { resource: 'serviceaccounts', subresource: 'token', namespace: 'production', name: 'payments-admin' },
  requestReceivedTimestamp: '2026-03-02T08:01:01.644000Z',
  requestObject: { kind: 'TokenRequest', spec },
  ...more,
});
const pod = { kind: 'Pod', apiVersion: 'v1', name: 'web-0', uid: 'u-1' };

test('a pod-bound request for exactly 3607 s with no audiences gets a year-long token (--service-account-extend-token-expiration)', () => {
  const ev = tokenRequest({ expirationSeconds: 3607, boundObjectRef: pod, audiences: null });
  assert.equal(extendedToken(ev), true);
  assert.equal(requestedSeconds(ev), 3607);
  assert.equal(expirationSeconds(ev), EXTENDED_SECONDS);
  // where the response is logged, the lifetime it was issued for (a cluster may cap the extension)
  const capped = tokenRequest({ expirationSeconds: 3607, boundObjectRef: pod }, { responseObject: { kind: 'TokenRequest', status: { token: '[REDACTED]', expirationTimestamp: '2026-03-02T10:01:01Z' } } });
  assert.equal(expirationSeconds(capped), 7200);
  assert.equal(expirationSeconds(tokenRequest({ expirationSeconds: 3607, boundObjectRef: pod }, { responseObject: { status: { expirationTimestamp: '2027-03-02T08:01:01Z' } } })), EXTENDED_SECONDS);
});

test('near misses: not 3607 s, not bound to a pod, or other audiences: the lifetime asked for', () => {
  for (const spec of [
    { expirationSeconds: 3600, boundObjectRef: pod },
    { expirationSeconds: 3607, boundObjectRef: null },
    { expirationSeconds: 3607, boundObjectRef: { kind: 'Secret', name: 's' } },
    { expirationSeconds: 3607, boundObjectRef: pod, audiences: ['vault'] },
    { expirationSeconds: '3607' },
  ]) {
    const ev = tokenRequest(spec);
    assert.equal(extendedToken(ev), false, JSON.stringify(spec));
    assert.equal(expirationSeconds(ev), 3607 === Number(spec.expirationSeconds) ? 3607 : Number(spec.expirationSeconds), JSON.stringify(spec));
  }
  assert.equal(expirationSeconds(tokenRequest({})), undefined);
});
