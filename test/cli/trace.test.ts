import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CLI, ROOT } from '../helpers.js';

const example = join(ROOT, 'examples', 'logs');
const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

test('trace --account: mints, token Secrets and requests grouped by source', () => {
  const r = run(['trace', '--json', '--account', 'production/payments-admin', example]);
  assert.equal(r.status, 0, r.stderr);
  const t = JSON.parse(r.stdout);
  assert.equal(t.account, 'system:serviceaccount:production:payments-admin');
  assert.deepEqual(t.mints.map((m: { minter: string; expiration_seconds: number; response_code: number }) => [m.minter, m.expiration_seconds, m.response_code]), [
    ['dev-ci@example.com', 31536000, 201],
    ['dev-ci@example.com', 600, 201],
  ]);
  assert.equal(t.secrets[0].name, 'production/payments-admin-token');
  assert.equal(t.uses.length, 1);
  assert.equal(t.uses[0].client_ip, '203.0.113.42');
  assert.equal(t.uses[0].user_agent, 'python-requests');
  assert.deepEqual(t.uses[0].credential_ids, ['JTI=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d']);
  // the token Secret the account created with its minted token is one of its requests too, as --credential-id counts it
  assert.equal(t.uses_total, 2);
  assert.deepEqual(t.uses[0].actions, { 'list secrets': 1, 'create secrets': 1 });
});

test('trace --credential-id follows one token: its mint and its uses only', () => {
  const r = run(['trace', '--json', '--credential-id', '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', example]);
  assert.equal(r.status, 0, r.stderr);
  const t = JSON.parse(r.stdout);
  assert.equal(t.mints.length, 1);
  assert.equal(t.mints[0].issued_credential_id, 'JTI=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d');
  assert.equal(t.uses_total, 2);
});

test('trace without a subject, or with a malformed account, is a usage error', () => {
  assert.equal(run(['trace', example]).status, 2);
  const bad = run(['trace', '--account', 'payments-admin', example]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--account must be NAMESPACE\/NAME/);
});
