import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRuleSet } from '../../src/ruleset/load.js';
import type { AuditEvent } from '../../src/event/types.js';

const kubeletMint: AuditEvent = {
  verb: 'create',
  user: { username: 'system:node:worker-7', groups: ['system:nodes', 'system:authenticated'] },
  objectRef: { resource: 'serviceaccounts', subresource: 'token', namespace: 'production', name: 'payments' },
  responseStatus: { code: 201 },
};

test('the Panther rule matches a kubelet minting a pod token in an app namespace, and the built-in filter suppresses it', () => {
  const rule = loadRuleSet({ builtin: true }).rules.find((r) => r.id === 'long-lived-token-created')!;
  assert.equal(rule.sigma.match(kubeletMint), true);
  assert.deepEqual(rule.filters.map((f) => f.name), ['kubelet-pod-token-requests']);
  assert.equal(rule.filters[0]!.suppresses(kubeletMint), true);
  // a node name without the nodes group (an impostor user name) is not filtered
  assert.equal(rule.filters[0]!.suppresses({ ...kubeletMint, user: { username: 'system:node:worker-7', groups: ['system:authenticated'] } }), false);
  assert.equal(rule.filters[0]!.suppresses({ ...kubeletMint, user: { username: 'mallory@example.com', groups: ['system:nodes'] } }), false);
});

test('--disable takes a filter name too', () => {
  const set = loadRuleSet({ builtin: true, disable: ['kubelet-pod-token-requests'] });
  assert.deepEqual(set.unknownIds, []);
  assert.deepEqual(set.rules.find((r) => r.id === 'long-lived-token-created')!.filters, []);
});
