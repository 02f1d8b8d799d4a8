/** The compiled tree stays reachable, with what explain needs: selections, items, values, positions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compiledOf } from '../../src/sigma/index.js';
import type { CFieldItem } from '../../src/sigma/index.js';
import { ev, K8S_MAPPING, rule } from './helpers.js';

test('compiledOf gives the condition tree and selections with source positions', () => {
  const r = rule(
    `
selection:
    verb: create
    apiGroup|startswith: 'rbac.'
filter:
    user.username|re: '^system:'
condition: selection and not filter`,
    { fieldMapping: K8S_MAPPING },
  );
  const det = compiledOf(r)!;
  assert.ok(det, 'compiled form registered');
  assert.deepEqual(
    det.selections.map((s) => [s.name, s.pos?.line]),
    [
      ['selection', 7],
      ['filter', 10],
    ],
  );
  const cond = det.conditions[0]!;
  assert.equal(cond.t, 'and');
  assert.equal(cond.pos?.line, 12);
  if (cond.t !== 'and') return;
  assert.equal(cond.args[1]!.t, 'not');

  const sel = det.selections[0]!.body;
  assert.equal(sel.t, 'map');
  if (sel.t !== 'map') return;
  const item = sel.items[1] as CFieldItem;
  assert.equal(item.t, 'field');
  assert.equal(item.field, 'apiGroup');
  assert.deepEqual(item.paths, ['objectRef.apiGroup']);
  assert.deepEqual(item.mods.names, ['startswith']);
  assert.deepEqual([item.pos?.line, item.pos?.col], [9, 9]);
  const value = item.values[0]!;
  assert.equal(value.describe, "startswith 'rbac.*'");
  assert.equal(value.raw, 'rbac.');
  // explain: what was seen at the field, and which value accepted it
  const e = ev({ verb: 'create', objectRef: { apiGroup: 'rbac.authorization.k8s.io' } });
  assert.deepEqual(item.read(e), ['rbac.authorization.k8s.io']);
  assert.equal(value.one('rbac.authorization.k8s.io'), true);
  assert.equal(value.one('apps'), false);
  assert.equal(r.match(e), true);
});
