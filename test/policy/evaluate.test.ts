// The evaluator follows the API server's policy checker (k8s.io/apiserver pkg/audit/policy/checker.go).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPolicy, attributesOf, evaluatePolicy, pathMatches, type RequestAttributes } from '../../src/policy/evaluate.js';
import type { AuditPolicy, PolicyRule } from '../../src/policy/model.js';
import { parsePolicy } from '../../src/policy/model.js';

const req = (a: Partial<RequestAttributes> = {}): RequestAttributes => ({
  user: { name: 'alice', groups: ['system:authenticated'] },
  verb: 'get',
  resourceRequest: true,
  namespace: 'prod',
  apiGroup: '',
  resource: 'pods',
  subresource: '',
  name: 'web-1',
  path: '/api/v1/namespaces/prod/pods/web-1',
  ...a,
});
const policy = (...rules: PolicyRule[]): AuditPolicy => ({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules });
const level = (rules: PolicyRule[], a: Partial<RequestAttributes>) => evaluatePolicy(policy(...rules), req(a)).level;

test('the first matching rule wins; no match is None', () => {
  const p = policy({ level: 'Request', verbs: ['create'] }, { level: 'RequestResponse', verbs: ['create', 'get'] }, { level: 'Metadata', verbs: ['get'] });
  assert.equal(evaluatePolicy(p, req({ verb: 'create' })).level, 'Request');
  assert.equal(evaluatePolicy(p, req({ verb: 'get' })).level, 'RequestResponse');
  assert.deepEqual(evaluatePolicy(p, req({ verb: 'delete' })), { level: 'None', omitStages: [], omitManagedFields: false, rule: -1 });
  assert.equal(evaluatePolicy(p, req({ verb: 'get' })).rule, 1);
});

test('users and userGroups: the authenticated name; any of the groups', () => {
  assert.equal(level([{ level: 'None', users: ['bob'] }, { level: 'Metadata' }], {}), 'Metadata');
  assert.equal(level([{ level: 'None', users: ['alice'] }, { level: 'Metadata' }], {}), 'None');
  assert.equal(level([{ level: 'None', userGroups: ['system:nodes', 'system:authenticated'] }, { level: 'Metadata' }], {}), 'None');
  assert.equal(level([{ level: 'None', userGroups: ['system:nodes'] }, { level: 'Metadata' }], {}), 'Metadata');
  assert.equal(level([{ level: 'None', users: ['alice'] }, { level: 'Metadata' }], { user: undefined }), 'Metadata');
});

test('resources: group, resource, resource/subresource, */subresource, resource/*, *, resourceNames', () => {
  const r = (resources: PolicyRule['resources'], a: Partial<RequestAttributes>) => level([{ level: 'Request', resources }], a);
  assert.equal(r([{ group: '', resources: ['pods'] }], {}), 'Request');
  assert.equal(r([{ resources: ['pods'] }], {}), 'Request', 'an absent group is the core group');
  assert.equal(r([{ group: 'apps', resources: ['pods'] }], {}), 'None');
  assert.equal(r([{ group: '', resources: ['pods'] }], { subresource: 'exec' }), 'None', 'a subresource must be named');
  assert.equal(r([{ group: '', resources: ['pods/exec'] }], { subresource: 'exec' }), 'Request');
  assert.equal(r([{ group: '', resources: ['*/exec'] }], { subresource: 'exec' }), 'Request');
  assert.equal(r([{ group: '', resources: ['*/exec'] }], {}), 'None');
  assert.equal(r([{ group: '', resources: ['pods/*'] }], { subresource: 'log' }), 'Request');
  assert.equal(r([{ group: '', resources: ['pods/*'] }], {}), 'Request', 'the checker compares only the resource for r/*');
  assert.equal(r([{ group: '', resources: ['*'] }], { resource: 'secrets', subresource: 'x' }), 'Request');
  assert.equal(r([{ group: 'rbac.authorization.k8s.io' }], { apiGroup: 'rbac.authorization.k8s.io', resource: 'roles' }), 'Request', 'no resources: the whole group');
  assert.equal(r([{ group: '', resources: ['configmaps'], resourceNames: ['aws-auth'] }], { resource: 'configmaps', name: 'aws-auth' }), 'Request');
  assert.equal(r([{ group: '', resources: ['configmaps'], resourceNames: ['aws-auth'] }], { resource: 'configmaps', name: 'other' }), 'None');
  assert.equal(r([{ group: 'apps', resources: ['x'] }, { group: '', resources: ['pods'] }], {}), 'Request', 'any of the groups');
});

test('namespaces: "" is cluster-scoped; a namespace or resource rule never matches a non-resource request', () => {
  assert.equal(level([{ level: 'Request', namespaces: ['kube-system'] }], {}), 'None');
  assert.equal(level([{ level: 'Request', namespaces: ['prod'] }], {}), 'Request');
  assert.equal(level([{ level: 'Request', namespaces: [''] }], { namespace: '', resource: 'nodes' }), 'Request');
  const nonResource = { resourceRequest: false, resource: '', namespace: '', name: '', path: '/healthz' };
  assert.equal(level([{ level: 'Request', namespaces: [''] }], nonResource), 'None');
  assert.equal(level([{ level: 'Request', resources: [{ group: '' }] }], nonResource), 'None');
  assert.equal(level([{ level: 'Request', verbs: ['get'] }], nonResource), 'Request', 'a rule with neither matches both kinds');
});

test('nonResourceURLs: exact, trailing *, and * alone; never a resource request', () => {
  assert.equal(pathMatches('/healthz', '/healthz'), true);
  assert.equal(pathMatches('/healthz/etcd', '/healthz*'), true);
  assert.equal(pathMatches('/healthzz', '/healthz*'), true);
  assert.equal(pathMatches('/version/', '/version'), false);
  assert.equal(pathMatches('/anything', '*'), true);
  assert.equal(pathMatches('/openapi/v3', '/openapi/*'), true);
  assert.equal(pathMatches('/openapi', '/openapi/*'), false);
  const nr = { resourceRequest: false, resource: '', path: '/livez/ping' };
  assert.equal(level([{ level: 'None', nonResourceURLs: ['/livez*'] }, { level: 'Metadata' }], nr), 'None');
  assert.equal(level([{ level: 'None', nonResourceURLs: ['*'] }, { level: 'Metadata' }], {}), 'Metadata');
});

test('omitted stages are the union of the policy and the rule; omitManagedFields: the rule overrides the policy', () => {
  const p: AuditPolicy = { ...policy({ level: 'Request', omitStages: ['ResponseStarted'], omitManagedFields: false }, { level: 'Metadata' }), omitStages: ['RequestReceived'], omitManagedFields: true };
  assert.deepEqual(evaluatePolicy(p, req()), { level: 'Request', omitStages: ['RequestReceived', 'ResponseStarted'], omitManagedFields: false, rule: 0 });
  assert.deepEqual(evaluatePolicy(policy(), req()).omitStages, []);
});

test('applyPolicy: what the policy would write of an event', () => {
  const ev = {
    verb: 'create',
    level: 'RequestResponse',
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/prod/serviceaccounts/app/token',
    user: { username: 'alice', groups: ['g'] },
    objectRef: { resource: 'serviceaccounts', subresource: 'token', namespace: 'prod', name: 'app' },
    requestObject: { spec: { expirationSeconds: 3600 } },
    responseObject: { status: { token: 'x' } },
  };
  assert.deepEqual(attributesOf(ev), { verb: 'create', resourceRequest: true, namespace: 'prod', apiGroup: '', resource: 'serviceaccounts', subresource: 'token', name: 'app', path: '/api/v1/namespaces/prod/serviceaccounts/app/token', user: { name: 'alice', groups: ['g'] } });
  const p: AuditPolicy = { ...policy({ level: 'Request', resources: [{ resources: ['serviceaccounts/token'] }] }, { level: 'Metadata' }), omitStages: ['RequestReceived'] };
  const out = applyPolicy(p, ev)!;
  assert.equal(out.level, 'Request');
  assert.deepEqual(out.requestObject, { spec: { expirationSeconds: 3600 } });
  assert.equal(out.responseObject, undefined);
  assert.equal(applyPolicy(p, { ...ev, stage: 'RequestReceived' }), null);
  const meta = applyPolicy(p, { ...ev, objectRef: { resource: 'secrets', namespace: 'prod', name: 's' } })!;
  assert.equal(meta.level, 'Metadata');
  assert.equal(meta.requestObject, undefined);
  // nothing is added: an event logged at Metadata stays so
  assert.equal(applyPolicy(policy({ level: 'RequestResponse' }), { ...ev, level: 'Metadata', requestObject: undefined, responseObject: undefined })!.level, 'Metadata');
  assert.equal(applyPolicy(policy({ level: 'None' }), ev), null);
});

test('parsePolicy says what the API server would refuse', () => {
  assert.deepEqual(parsePolicy({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'Metadata' }] }).errors, []);
  assert.deepEqual(
    parsePolicy({ apiVersion: 'audit.k8s.io/v1beta1', kind: 'Policy', omitStages: ['Later'], rules: [{ level: 'Loud', nonResourceURLs: ['health*', '/a*/b'], resources: [{ resourceNames: ['x'] }], extra: 1 }] }).errors,
    [
      'apiVersion must be audit.k8s.io/v1, not "audit.k8s.io/v1beta1"',
      'omitStages: stages are RequestReceived, ResponseStarted, ResponseComplete, Panic',
      'rules[0]: unknown field extra',
      'rules[0].level: one of None, Metadata, Request, RequestResponse',
      'rules[0].nonResourceURLs: "health*" must start with /',
      'rules[0].nonResourceURLs: "/a*/b": * only as the final step',
      'rules[0]: nonResourceURLs cannot be combined with resources or namespaces',
      'rules[0].resources[0]: resourceNames requires resources',
    ],
  );
});
