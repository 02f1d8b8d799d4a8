/**
 * `tokenwatch rules explain` (src/cli/rules-explain.ts): the record at
 * FILE:LINE is read and decoded as scan reads it, so only redacted values are
 * shown; text and JSON output (spec: sigma-rules-specification.md §Detection).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explainCommand, parseTarget } from '../../src/cli/rules-explain.js';
import { UsageError } from '../../src/cli/common.js';

const JWT = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IngifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6cHJvZDphcHAifQ.c2lnbmF0dXJlc2lnbmF0dXJl';
const dir = mkdtempSync(join(tmpdir(), 'tw-explain-'));
const mint = (user: string, id: string) =>
  JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    auditID: id,
    stage: 'ResponseComplete',
    verb: 'create',
    user: { username: user, groups: user.startsWith('system:node:') ? ['system:nodes'] : ['system:authenticated'] },
    objectRef: { resource: 'serviceaccounts', subresource: 'token', namespace: 'prod', name: 'app' },
    responseStatus: { code: 201 },
    responseObject: { status: { token: JWT } },
  });
const log = join(dir, 'audit.log');
writeFileSync(log, [mint('system:node:worker-1', 'k1'), mint('mallory@example.com', 'm1'), '', mint('alice@example.com', 'a1')].join('\n') + '\n');
writeFileSync(
  join(dir, 'token-seen.yml'),
  'title: token in the response\nid: token-seen\nlogsource: {product: kubernetes, service: audit}\ndetection:\n    sel:\n        responseObject.status.token|exists: true\n    condition: sel\n',
);

async function run(target: string, o: Record<string, unknown>): Promise<string> {
  let out = '';
  const code = await explainCommand(target, { rule: 'x', builtin: true, ...o } as Parameters<typeof explainCommand>[1], (s) => (out += s));
  assert.equal(code, 0);
  return out;
}

test('FILE:LINE picks the record starting at that line; without LINE the first record', async () => {
  assert.deepEqual(parseTarget('audit.log:12'), { file: 'audit.log', line: 12 });
  assert.deepEqual(parseTarget('audit.log'), { file: 'audit.log' });
  const second = JSON.parse(await run(`${log}:2`, { rule: 'tokenrequest-non-system', json: true }));
  assert.equal(second.length, 1);
  assert.equal(second[0].event.auditID, 'm1');
  assert.equal(second[0].event.place.line, 2);
  assert.deepEqual([second[0].matched, second[0].fires], [true, true]);
  const first = JSON.parse(await run(log, { rule: 'tokenrequest-non-system', json: true }));
  assert.equal(first[0].event.auditID, 'k1');
  assert.deepEqual([first[0].matched, first[0].fires], [false, false]);
  const fourth = JSON.parse(await run(`${log}:4`, { rule: 'tokenrequest-non-system', json: true }));
  assert.equal(fourth[0].event.auditID, 'a1');
});

test('a filter hiding the match is named in the text; the verdict says why', async () => {
  const text = await run(`${log}:1`, { rule: 'long-lived-token-created', color: false });
  assert.match(text, /^verdict does not fire: the detection matches, but the filter kubelet-pod-token-requests suppresses it$/m);
  assert.match(text, /kubelet-pod-token-requests: suppresses the match/);
  const fires = await run(`${log}:2`, { rule: 'long-lived-token-created', color: false });
  assert.match(fires, /^verdict FIRES: the detection matches and no filter suppresses it$/m);
  assert.match(fires, /verb\|cased: match \(line \d+\)\n\s+seen: 'create'/);
});

test('only redacted values are shown: the minted token never appears, even where a rule reads it', async () => {
  const text = await run(`${log}:2`, { rule: 'token-seen', rules: [join(dir, 'token-seen.yml')], builtin: false, color: false });
  assert.match(text, /seen: '\[REDACTED\]'/);
  assert.ok(!text.includes(JWT.slice(0, 20)));
  const json = await run(`${log}:2`, { rule: 'token-seen', rules: [join(dir, 'token-seen.yml')], builtin: false, json: true });
  assert.ok(!json.includes(JWT.slice(0, 20)));
  assert.equal(JSON.parse(json)[0].detection.selections[0].alternatives[0].items[0].seen[0], '[REDACTED]');
});

test('gzip input is read like scan reads it', async () => {
  const gz = join(dir, 'audit.log.gz');
  writeFileSync(gz, gzipSync(readLines()));
  const out = JSON.parse(await run(`${gz}:2`, { rule: 'tokenrequest-non-system', json: true }));
  assert.equal(out[0].event.auditID, 'm1');
});

function readLines(): string {
  return [mint('system:node:worker-1', 'k1'), mint('mallory@example.com', 'm1')].join('\n') + '\n';
}

test('usage errors: an unknown rule, a line where no record starts, a missing file', async () => {
  await assert.rejects(run(log, { rule: 'no-such-rule' }), (e: unknown) => e instanceof UsageError && /no loaded rule has the id or name "no-such-rule"/.test(e.message));
  await assert.rejects(run(`${log}:3`, { rule: 'tokenrequest-non-system' }), (e: unknown) => e instanceof UsageError && /no record starts at .*audit\.log:3 \(records start at lines 1, 2, 4/.test(e.message));
  await assert.rejects(run(join(dir, 'nope.log'), { rule: 'tokenrequest-non-system' }), (e: unknown) => e instanceof UsageError && /no such file/.test(e.message));
});
