import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventProblem } from '../../src/formats/check.js';

const base = () => ({ kind: 'Event', verb: 'get', user: { username: 'u', groups: ['g'] }, objectRef: { resource: 'pods' }, responseStatus: { code: 200 }, annotations: { a: 'b' } });

test('every field type check names its field, in the order the checks run', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ verb: undefined }, 'audit event without a "verb"'],
    [{ verb: null }, 'audit event without a "verb"'],
    [{ verb: 7 }, 'audit event field "verb" is not a string'],
    [{ verb: '' }, 'audit event field "verb" is empty'],
    [{ user: 'x' }, 'audit event field "user" is not an object'],
    [{ user: ['x'] }, 'audit event field "user" is not an object'],
    [{ impersonatedUser: 1 }, 'audit event field "impersonatedUser" is not an object'],
    [{ objectRef: true }, 'audit event field "objectRef" is not an object'],
    [{ responseStatus: 'ok' }, 'audit event field "responseStatus" is not an object'],
    [{ annotations: [] }, 'audit event field "annotations" is not an object'],
    [{ userAgent: 1 }, 'audit event field "userAgent" is not a string'],
    [{ requestURI: {} }, 'audit event field "requestURI" is not a string'],
    [{ stage: 2 }, 'audit event field "stage" is not a string'],
    [{ level: false }, 'audit event field "level" is not a string'],
    [{ auditID: 1 }, 'audit event field "auditID" is not a string'],
    [{ requestReceivedTimestamp: 1 }, 'audit event field "requestReceivedTimestamp" is not a string'],
    [{ stageTimestamp: [] }, 'audit event field "stageTimestamp" is not a string'],
    [{ sourceIPs: '1.2.3.4' }, 'audit event field "sourceIPs" is not a list'],
    [{ sourceIPs: ['1.2.3.4', 5] }, 'audit event field "sourceIPs[1]" is not a string'],
    [{ user: { username: 1 } }, 'audit event field "user.username" is not a string'],
    [{ user: { uid: 1 } }, 'audit event field "user.uid" is not a string'],
    [{ user: { groups: 'g' } }, 'audit event field "user.groups" is not a list of strings'],
    [{ user: { groups: ['g', 1] } }, 'audit event field "user.groups" is not a list of strings'],
    [{ user: { extra: [] } }, 'audit event field "user.extra" is not an object'],
    [{ impersonatedUser: { username: 1 } }, 'audit event field "impersonatedUser.username" is not a string'],
    [{ impersonatedUser: { groups: [null] } }, 'audit event field "impersonatedUser.groups" is not a list of strings'],
    [{ objectRef: { resource: 1 } }, 'audit event field "objectRef.resource" is not a string'],
    [{ objectRef: { subresource: 1 } }, 'audit event field "objectRef.subresource" is not a string'],
    [{ objectRef: { namespace: 1 } }, 'audit event field "objectRef.namespace" is not a string'],
    [{ objectRef: { name: 1 } }, 'audit event field "objectRef.name" is not a string'],
    [{ objectRef: { apiGroup: 1 } }, 'audit event field "objectRef.apiGroup" is not a string'],
    [{ objectRef: { apiVersion: 1 } }, 'audit event field "objectRef.apiVersion" is not a string'],
    [{ objectRef: { uid: 1 } }, 'audit event field "objectRef.uid" is not a string'],
    [{ objectRef: { resourceVersion: 1 } }, 'audit event field "objectRef.resourceVersion" is not a string'],
    [{ responseStatus: { code: '2000' } }, 'audit event field "responseStatus.code" is not a number'],
    [{ responseStatus: { code: 'x' } }, 'audit event field "responseStatus.code" is not a number'],
    [{ annotations: { a: 'b', c: 1 } }, 'audit event field "annotations" holds a value that is not a string'],
    // the first problem wins: objects are checked before strings, strings before sourceIPs
    [{ user: 'x', userAgent: 1 }, 'audit event field "user" is not an object'],
    [{ userAgent: 1, sourceIPs: 'x' }, 'audit event field "userAgent" is not a string'],
    [{ sourceIPs: 'x', user: { username: 1 } }, 'audit event field "sourceIPs" is not a list'],
  ];
  for (const [patch, want] of cases) {
    const ev: Record<string, unknown> = { ...base(), ...patch };
    if ('verb' in patch && patch.verb === undefined) delete ev.verb;
    assert.equal(eventProblem(ev), want, JSON.stringify(patch));
  }
});

test('null fields are read as absent and removed; a response code of digits becomes a number', () => {
  const ev: Record<string, unknown> = {
    verb: 'get',
    user: { username: null, uid: null, groups: null, extra: null },
    impersonatedUser: null,
    objectRef: { resource: 'pods', name: null, apiGroup: null },
    responseStatus: { code: '201' },
    annotations: { a: null, b: 'x' },
    sourceIPs: null,
    userAgent: null,
    stageTimestamp: null,
  };
  assert.equal(eventProblem(ev), undefined);
  assert.deepEqual(ev, { verb: 'get', user: {}, objectRef: { resource: 'pods' }, responseStatus: { code: 201 }, annotations: { b: 'x' } });
  const nullCode: Record<string, unknown> = { verb: 'get', responseStatus: { code: null } };
  assert.equal(eventProblem(nullCode), undefined);
  assert.deepEqual(nullCode, { verb: 'get', responseStatus: {} });
});

test('a well-formed event passes unchanged', () => {
  const ev = base();
  assert.equal(eventProblem(ev), undefined);
  assert.deepEqual(ev, base());
});
