import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ev, expectMatches, K8S_MAPPING, rule } from './helpers.js';

// spec: sigma-rules-specification.md §Field Usage ("For fields with existing field-mappings, use the mapped field name")
test('a mapped field name reads the mapped event path (spec §Field Usage)', () => {
  const r = rule(
    `
sel:
    verb: create
    apiGroup: 'authorization.k8s.io'
condition: sel`,
    { fieldMapping: K8S_MAPPING },
  );
  expectMatches(r, [
    [ev({ verb: 'create', objectRef: { apiGroup: 'authorization.k8s.io' } }), true],
    [ev({ verb: 'create', apiGroup: 'authorization.k8s.io' }), false],
  ]);
  assert.deepEqual(r.fields.sort(), ['objectRef.apiGroup', 'verb']);
});

test('mapping into arrays of objects: any element matches (capabilities → containers[].securityContext.capabilities.add)', () => {
  const r = rule(
    `
sel:
    capabilities: 'SYS_ADMIN'
condition: sel`,
    { fieldMapping: K8S_MAPPING },
  );
  const pod = (...containers: unknown[]) => ev({ requestObject: { spec: { containers } } });
  expectMatches(r, [
    [pod({ name: 'a' }, { name: 'b', securityContext: { capabilities: { add: ['NET_ADMIN', 'sys_admin'] } } }), true],
    [pod({ name: 'a', securityContext: { capabilities: { add: ['NET_ADMIN'], drop: ['SYS_ADMIN'] } } }), false],
    [pod({ name: 'a' }), false],
  ]);
});

test('a name mapped to several paths: the field is found in any of them (their values pooled)', () => {
  const opts = { fieldMapping: { actor: ['impersonatedUser.username', 'user.username'] } };
  const r = rule(
    `
sel:
    actor|startswith: 'system:serviceaccount:'
condition: sel`,
    opts,
  );
  expectMatches(r, [
    [ev({ user: { username: 'system:serviceaccount:a:b' } }), true],
    [ev({ user: { username: 'alice' }, impersonatedUser: { username: 'system:serviceaccount:a:b' } }), true],
    [ev({ user: { username: 'alice' } }), false],
  ]);
  // null over pooled values: absent in one place but present in the other is not null.
  const rn = rule(`\nsel:\n    actor: null\ncondition: sel`, opts);
  expectMatches(rn, [
    [ev({ user: { username: 'alice' } }), false],
    [ev({}), true],
  ]);
  assert.deepEqual(rn.fields, ['impersonatedUser.username', 'user.username']);
});

test('fieldPrefix goes before every mapped or unmapped path, but not before derived tokenwatch. fields', () => {
  const r = rule(
    `
sel:
    verb: create
    apiGroup: batch
    tokenwatch.client_ip: '10.0.0.9'
condition: sel`,
    { fieldMapping: K8S_MAPPING, fieldPrefix: 'kubernetes.audit.' },
  );
  assert.deepEqual(r.fields.sort(), ['kubernetes.audit.objectRef.apiGroup', 'kubernetes.audit.verb', 'tokenwatch.client_ip']);
  expectMatches(r, [
    [ev({ kubernetes: { audit: { verb: 'create', objectRef: { apiGroup: 'batch' } } }, sourceIPs: ['1.1.1.1', '10.0.0.9'] }), true],
    [ev({ verb: 'create', objectRef: { apiGroup: 'batch' }, sourceIPs: ['10.0.0.9'] }), false],
  ]);
});

test('derived fields are addressable by rules (tokenwatch.actor_account)', () => {
  const r = rule(`
sel:
    tokenwatch.actor_account: 'system:serviceaccount:kube-system:*'
condition: sel`);
  expectMatches(r, [
    [ev({ user: { username: 'system:serviceaccount:kube-system:replicaset-controller' } }), true],
    [ev({ user: { username: 'system:node:n1' } }), false],
  ]);
});

test('fieldref targets are mapped too and listed in fields', () => {
  const r = rule(
    `
sel:
    who|fieldref: target
condition: sel`,
    { fieldMapping: { who: 'user.username', target: 'tokenwatch.target_account' } },
  );
  assert.deepEqual(r.fields.sort(), ['tokenwatch.target_account', 'user.username']);
  expectMatches(r, [
    [ev({ user: { username: 'system:serviceaccount:ns:sa' }, objectRef: { resource: 'serviceaccounts', namespace: 'ns', name: 'sa' } }), true],
    [ev({ user: { username: 'system:serviceaccount:ns:sa' }, objectRef: { resource: 'serviceaccounts', namespace: 'ns', name: 'other' } }), false],
  ]);
});

test('keys with dots are found as one key too (annotations.authorization.k8s.io/decision)', () => {
  const r = rule(`
sel:
    annotations.authorization.k8s.io/decision: forbid
condition: sel`);
  expectMatches(r, [
    [ev({ annotations: { 'authorization.k8s.io/decision': 'forbid' } }), true],
    [ev({ annotations: { 'authorization.k8s.io/decision': 'allow' } }), false],
  ]);
});
