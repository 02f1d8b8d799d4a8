// What an alert's one-line summary says must be true of the event: only a 2xx response minted a token, and a
// rounded duration must not hide on which side of a bound the value lies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildContext, formatDuration, summarize } from '../../src/alerts/context.js';
import type { AuditEvent } from '../../src/event/types.js';

const mint = (code?: number): AuditEvent => ({
  verb: 'create', user: { username: 'dev@example.com' }, sourceIPs: ['203.0.113.9'],
  objectRef: { resource: 'serviceaccounts', subresource: 'token', namespace: 'prod', name: 'app' },
  requestObject: { spec: { expirationSeconds: 3600 } },
  ...(code !== undefined ? { responseStatus: { code } } : {}),
});

test('a TokenRequest summary says what its response says: minted, refused, failed, or only requested', () => {
  const say = (code?: number) => summarize(buildContext(mint(code), { file: 'f', line: 1, format: 'raw' }, 86400));
  assert.equal(say(201), 'dev@example.com minted a token for service account prod/app from 203.0.113.9, lifetime 1 h → 201');
  assert.equal(say(403), 'dev@example.com was refused a token for service account prod/app from 203.0.113.9, lifetime 1 h → 403');
  assert.equal(say(401), 'dev@example.com was refused a token for service account prod/app from 203.0.113.9, lifetime 1 h → 401');
  assert.equal(say(500), 'dev@example.com failed to mint a token for service account prod/app from 203.0.113.9, lifetime 1 h → 500');
  assert.equal(say(), 'dev@example.com requested a token for service account prod/app from 203.0.113.9, lifetime 1 h');
});

test('durations: whole units as they are, anything else with its exact seconds', () => {
  assert.equal(formatDuration(86400), '1 d');
  assert.equal(formatDuration(31536000), '365 d');
  assert.equal(formatDuration(7200), '2 h');
  assert.equal(formatDuration(86401), '86401 s ≈ 24.0 h');
  assert.equal(formatDuration(5400), '5400 s ≈ 1.5 h');
  assert.equal(formatDuration(600), '10 min');
  assert.equal(formatDuration(630), '10 min 30 s');
  assert.equal(formatDuration(59), '59 s');
});

test('a create whose objectRef leaves the name out is named from the object in its body', () => {
  const ev: AuditEvent = {
    verb: 'create', user: { username: 'dev@example.com' }, objectRef: { resource: 'secrets', namespace: 'prod' },
    requestObject: { kind: 'Secret', metadata: { name: 'admin-token', annotations: { 'kubernetes.io/service-account.name': 'admin' } }, type: 'kubernetes.io/service-account-token' },
  };
  const c = buildContext(ev, { file: 'f', line: 1, format: 'raw' }, 86400);
  assert.equal(c.name, 'admin-token');
  assert.match(summarize(c), /create secrets prod\/admin-token/);
  // objectRef's own name wins; a list has none
  assert.equal(buildContext({ ...ev, objectRef: { resource: 'secrets', namespace: 'prod', name: 'x' } }, { file: 'f', line: 1, format: 'raw' }, 86400).name, 'x');
  assert.equal(buildContext({ ...ev, verb: 'list' }, { file: 'f', line: 1, format: 'raw' }, 86400).name, undefined);
});
