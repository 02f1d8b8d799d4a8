// parseJson's reasons say what a person needs to fix the input, and never quote it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJson } from '../../src/formats/json.js';

test('binary data is said to be binary, not "invalid JSON"', () => {
  const r = parseJson('\u0000\u0001PK\u0003\u0004 some zip bytes');
  assert.equal(r.ok, false);
  assert.match((r as { reason: string }).reason, /^binary data, not a JSON record/);
  // a text line with a tab or an ANSI colour code is no binary file: its reason stays a JSON one
  for (const t of ['{"a":\t1,}', '\u001b[31mERROR\u001b[0m not json']) assert.match((parseJson(t) as { reason: string }).reason, /^invalid JSON/);
  assert.deepEqual(parseJson('{"a":1}'), { ok: true, value: { a: 1 } });
});
