// End to end through the real command: inputs of every shape, output formats,
// exit codes, and no token value in anything tokenwatch prints or writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CLI, ROOT, heldInvalidLine } from '../helpers.js';

const FAKE_JWT = 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImZha2UifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6cHJvZDphcHAifQ.c2lnbmF0dXJlLW5vdC1yZWFs';
const SECRET_B64 = Buffer.from(FAKE_JWT).toString('base64');

function mint(auditID: string, stage: string, user: string, ns: string, name: string, t: string, extra: Record<string, unknown> = {}) {
  return {
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'RequestResponse', auditID, stage,
    requestURI: `/api/v1/namespaces/${ns}/serviceaccounts/${name}/token`, verb: 'create',
    user: { username: user, groups: ['system:authenticated'] }, sourceIPs: ['203.0.113.42'], userAgent: 'kubectl/v1.31.0',
    objectRef: { resource: 'serviceaccounts', namespace: ns, name, apiVersion: 'v1', subresource: 'token' },
    requestObject: { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', spec: { audiences: null, expirationSeconds: 31536000 } },
    requestReceivedTimestamp: t, stageTimestamp: t,
    ...(stage === 'ResponseComplete' ? { responseStatus: { code: 201 }, responseObject: { kind: 'TokenRequest', status: { token: FAKE_JWT, expirationTimestamp: '2027-01-01T00:00:00Z' } } } : {}),
    ...extra,
  };
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'tw-scan-'));
  const lines = [
    mint('a1', 'RequestReceived', 'attacker@example.com', 'production', 'app-sa', '2026-03-02T08:00:00.100000Z'),
    { kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: 'n1', stage: 'ResponseComplete', verb: 'update', user: { username: 'system:node:w1' }, objectRef: { resource: 'leases', namespace: 'kube-node-lease', name: 'w1' }, responseStatus: { code: 200 }, requestReceivedTimestamp: '2026-03-02T08:00:00.200000Z' },
    mint('a1', 'ResponseComplete', 'attacker@example.com', 'production', 'app-sa', '2026-03-02T08:00:00.100000Z'),
    { kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'RequestResponse', auditID: 's1', stage: 'ResponseComplete', verb: 'get', user: { username: 'alice@example.com' }, objectRef: { resource: 'secrets', namespace: 'kube-system', name: 'x-token' }, responseStatus: { code: 200 }, responseObject: { kind: 'Secret', type: 'kubernetes.io/service-account-token', data: { token: SECRET_B64 } }, requestReceivedTimestamp: '2026-03-02T08:00:01Z' },
  ].map((e) => JSON.stringify(e));
  writeFileSync(join(dir, 'audit.log'), lines.join('\n') + '\nthis is not json\n');
  mkdirSync(join(dir, 'more', 'deeper'), { recursive: true });
  writeFileSync(join(dir, 'more', 'deeper', 'list.json'), JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: [mint('b1', 'ResponseComplete', 'bob@example.com', 'staging', 'ci', '2026-03-02T09:00:00Z')] }, null, 2));
  writeFileSync(join(dir, 'more', 'old.log.gz'), gzipSync(JSON.stringify(mint('c1', 'ResponseComplete', 'carol@example.com', 'default', 'web', '2026-03-02T10:00:00Z')) + '\n'));
  return dir;
}

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('scan a folder (recursive, .gz, EventList, JSON lines) to NDJSON', () => {
  const dir = setup();
  const summaryFile = join(dir, 'summary.json');
  const r = run(['scan', '--format', 'ndjson', '--summary-json', summaryFile, dir]);
  assert.equal(r.code, 0, r.err);
  const alerts = r.out.trim().split('\n').map((l) => JSON.parse(l));
  const nonSystem = alerts.filter((a) => a.rule.id === 'tokenrequest-non-system');
  assert.deepEqual(nonSystem.map((a) => a.context.user).sort(), ['attacker@example.com', 'bob@example.com', 'carol@example.com']);
  // one alert per request: the RequestReceived of a1 is not judged on its own
  const a1 = nonSystem.find((a) => a.context.user === 'attacker@example.com');
  assert.equal(a1.count, 1);
  assert.equal(a1.events[0].event.stage, 'ResponseComplete');
  assert.deepEqual(a1.events[0].source, { file: join(dir, 'audit.log'), line: 3, offset: a1.events[0].source.offset, format: 'raw' });
  assert.equal(a1.rule.severity, 'medium');
  assert.deepEqual(a1.rule.tags, ['attack.credential-access', 'attack.t1552.007']);
  const longLived = alerts.find((a) => a.rule.id === 'long-lived-token-created' && a.context.user === 'attacker@example.com');
  assert.equal(longLived.context.expiration_seconds, 31536000);
  assert.equal(longLived.context.long_lived, true);
  assert.equal(longLived.severity, 'medium');
  const fromGz = nonSystem.find((a) => a.context.user === 'carol@example.com');
  assert.match(fromGz.events[0].source.file, /old\.log\.gz$/);
  const fromList = nonSystem.find((a) => a.context.user === 'bob@example.com');
  assert.equal(fromList.events[0].source.index, 0);
  const s = JSON.parse(readFileSync(summaryFile, 'utf8'));
  assert.equal(s.events, 6);
  assert.equal(s.rejected, 1);
  assert.equal(s.by_format.raw, 6);
  assert.equal(s.alerts, alerts.length);
  assert.equal(s.by_rule['tokenrequest-non-system'], 3);
  assert.equal(s.rejections[0].place.line, 5);
  // tokens never leave the door
  for (const text of [r.out, r.err, readFileSync(summaryFile, 'utf8')]) {
    assert.ok(!text.includes(FAKE_JWT.slice(0, 40)), 'no JWT in output');
    assert.ok(!text.includes(SECRET_B64.slice(0, 40)), 'no base64 token in output');
  }
});

test('readable text output names rule, who, target, source and place', () => {
  const dir = setup();
  const r = run(['scan', join(dir, 'audit.log')]);
  assert.equal(r.code, 0);
  assert.match(r.out, /MEDIUM\s+Kubernetes Service Account Token Created via TokenRequest API \[tokenrequest-non-system\]/);
  assert.match(r.out, /attacker@example\.com minted a token for service account production\/app-sa from 203\.0\.113\.42, lifetime 365 d \(long-lived\) → 201/);
  assert.match(r.out, new RegExp(`at\\s+${join(dir, 'audit.log').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3 \\(raw\\)`));
  assert.match(r.err, /rejected 1 record\(s\):\n\s+.*audit\.log:5: invalid JSON/);
  assert.ok(!r.out.includes('eyJ'));
});

test('standard input, --fail-on-alert, --strict and a missing path', () => {
  const dir = setup();
  const text = readFileSync(join(dir, 'audit.log'), 'utf8');
  const r = run(['scan', '--format', 'ndjson', '--fail-on-alert', '-'], text);
  assert.equal(r.code, 1);
  assert.ok(JSON.parse(r.out.split('\n')[0]!).events[0].source.file === '-');
  assert.equal(run(['scan', '--strict', join(dir, 'audit.log')]).code, 2);
  const missing = run(['scan', join(dir, 'nope.log')]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /nope\.log: no such file or folder/);
});

test('a corrupt .gz is reported with how far it got; other files are still scanned', () => {
  const dir = setup();
  const good = gzipSync(Buffer.from(Array.from({ length: 200 }, (_, i) => JSON.stringify(mint(`g${i}`, 'ResponseComplete', 'dave@example.com', 'p', `sa${i}`, '2026-03-02T11:00:00Z'))).join('\n') + '\n'));
  writeFileSync(join(dir, 'broken.gz'), Buffer.concat([good.subarray(0, Math.floor(good.length / 2)), Buffer.from('garbage-garbage-garbage')]));
  const r = run(['scan', '--format', 'ndjson', '--summary-json', join(dir, 's.json'), dir]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /input error: .*broken\.gz: gzip data is corrupt after \d+ bytes read/);
  const s = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'));
  assert.equal(s.input_errors.length, 1);
  assert.ok(s.by_rule['tokenrequest-non-system'] >= 3);
});

test('allow-lists in tokenwatch.yaml suppress matches and count them per filter', () => {
  const dir = setup();
  writeFileSync(join(dir, 'tokenwatch.yaml'), 'allow:\n  source_ips: ["203.0.113.0/24"]\nrules:\n  tokenrequest-uri-anomaly:\n    enabled: false\n  token-secret-read:\n    allow:\n      users: ["alice@example.com"]\n');
  const r = run(['scan', '--format', 'ndjson', '--config', join(dir, 'tokenwatch.yaml'), '--summary-json', join(dir, 's.json'), join(dir, 'audit.log')]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim(), '');
  const s = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'));
  assert.equal(s.alerts, 0);
  assert.ok(s.suppressed['config:allow.source_ips'] >= 2);
  // the stateful detectors go through the same allow-lists
  assert.equal(s.suppressed['config:rules.token-secret-read.allow.users'], 1);
  writeFileSync(join(dir, 'bad.yaml'), 'allow:\n  source_ip: ["1.2.3.4"]\n');
  const bad = run(['scan', '--config', join(dir, 'bad.yaml'), join(dir, 'audit.log')]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /bad\.yaml:2: unknown key "source_ip" in allow/);
});

test('rules list and rules test', () => {
  const l = run(['rules', 'list', '--json']);
  assert.equal(l.code, 0, l.err);
  const rows = JSON.parse(l.out);
  assert.ok(rows.some((r: { id: string; tags: string[] }) => r.id === 'tokenrequest-non-system' && r.tags.includes('attack.t1552.007')));
  // the stateful detectors are listed beside the rules, and a --disable'd one is not
  assert.deepEqual(rows.filter((r: { detector?: boolean }) => r.detector).map((r: { id: string }) => r.id), ['minted-token-used', 'token-replay-new-source', 'bound-token-off-node', 'token-secret-read']);
  const text = run(['rules', 'list', '--disable', 'token-secret-read']);
  assert.match(text.out, /^minted-token-used {2}high {2}Token minted by a non-system identity was used$/m);
  assert.doesNotMatch(text.out, /^token-secret-read /m);
  assert.match(text.out, /, 3 detector\(s\)$/m);
  // a rule tagged with tactics only shows them (not "ATT&CK -")
  assert.match(run(['rules', 'list', '--rules', join(ROOT, '..', 'shared', 'sigma', 'kubernetes')]).out, /ATT&CK [a-z-]+(, [a-z-]+)* ·/);
  const t = run(['rules', 'test']);
  assert.equal(t.code, 0, t.out + t.err);
  assert.match(t.out, /^\d+ passed, 0 failed$/m);
});

test('rules test fails on a user rule whose test fails', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-rules-'));
  writeFileSync(join(dir, 'mine.yml'), `title: Exec into pods
id: 0f4a3c2e-1111-4222-8333-944455556666
name: my-exec
logsource: {product: kubernetes, service: audit}
detection:
  selection:
    objectRef.subresource: exec
  condition: selection
level: high
tokenwatch:
  tests:
    - name: exec fires
      expect: true
      event: {"verb": "create", "objectRef": {"resource": "pods", "subresource": "exec"}}
    - name: wrongly expected
      expect: false
      event: {"verb": "get", "objectRef": {"resource": "pods", "subresource": "exec"}}
`);
  const t = run(['rules', 'test', '--no-builtin', '--rules', dir]);
  assert.equal(t.code, 1);
  assert.match(t.out, /FAIL\s+my-exec: wrongly expected/);
  assert.match(t.out, /1 passed, 1 failed/);
});

test("SigmaHQ's Kubernetes rules run unchanged next to the built-ins, and their alerts carry the rule's author", () => {
  const shared = join(CLI, '..', '..', '..', 'shared');
  const r = run(['scan', '--state', 'none', '--no-detectors', '--format', 'ndjson', '--rules', join(shared, 'sigma', 'kubernetes'), join(shared, 'corpus', 'falco-regression', 'k8s_audit_traces.ndjson')]);
  assert.equal(r.code, 0, r.err);
  const alerts = r.out.trim().split('\n').map((l) => JSON.parse(l));
  const community = alerts.filter((a) => /^[0-9a-f]{8}-/.test(a.rule.id));
  assert.ok(community.length >= 5, `community alerts: ${community.length}`);
  for (const a of community) assert.ok(a.rule.author && a.rule.author.length > 0, `${a.rule.id} carries its author`);
  assert.ok(community.some((a) => a.rule.id === 'a1b0ca4e-7835-413e-8471-3ff2b8a66be6' && a.rule.author === 'Leo Tsaousis (@laripping)'));
  const list = run(['rules', 'list', '--json', '--rules', join(shared, 'sigma', 'kubernetes')]);
  assert.equal(list.code, 0, list.err);
  assert.equal(JSON.parse(list.out).filter((x: { origin: string }) => x.origin.includes('sigma/kubernetes')).length, 16);
});

test('a held preliminary stage that cannot be read again is reported, on the terminal and in --summary-json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-held-'));
  const log = join(dir, 'held.log');
  // a raw control character in a string: the prefilter holds the line, JSON.parse rejects it when it is read again
  writeFileSync(log, heldInvalidLine() + '\n');
  const summary = join(dir, 's.json');
  const r = spawnSync(process.execPath, [CLI, 'scan', '--state', 'none', '--workers', '1', '--summary-json', summary, log], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /1 held preliminary stage\(s\) could not be read again/);
  assert.equal((JSON.parse(readFileSync(summary, 'utf8')) as { lazy_unreadable?: number }).lazy_unreadable, 1);
});

test('usage errors exit 2, never 1 (which means alerts were found with --fail-on-alert); help and version exit 0', () => {
  const log = join(ROOT, 'examples', 'logs', 'token-abuse.ndjson');
  for (const args of [['scan', '--state', 'none', '--fail-on-alert', '--no-such-flag', log], ['scan', '--format', 'xml', log], ['no-such-command'], ['no-such-command', '--help'], ['scan'], ['rules', 'explain']]) {
    const r = run(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.ok(r.err.length > 0, 'the error is said');
  }
  for (const args of [['--help'], ['scan', '--help'], ['--version']]) assert.equal(run(args).code, 0, args.join(' '));
  // a totals file that cannot be written is refused before the scan, not after it
  const r = run(['scan', '--state', 'none', '--summary-json', join(tmpdir(), 'no-such-dir-tw', 'x.json'), log]);
  assert.equal(r.code, 2);
  assert.match(r.err, /--summary-json .*no-such-dir-tw.*: the folder .* does not exist/);
  assert.equal(r.out, '');
  // the contract itself: alerts with --fail-on-alert are 1
  assert.equal(run(['scan', '--state', 'none', '--fail-on-alert', log]).code, 1);
});

test('a reader that closes the pipe early (| head) ends the scan quietly', () => {
  const log = join(ROOT, 'examples', 'logs', 'token-abuse.ndjson');
  const dir = mkdtempSync(join(tmpdir(), 'tw-pipe-'));
  const q = (x: string) => `'${x.replace(/'/g, `'\\''`)}'`;
  // the scan's own status and stderr, kept in files; head reads ten bytes and closes the pipe
  const cmd = `{ ${q(process.execPath)} ${q(CLI)} scan --state none --format ndjson ${q(log)} 2> ${q(join(dir, 'err'))}; echo $? > ${q(join(dir, 'code'))}; } | head -c 10 > /dev/null`;
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(readFileSync(join(dir, 'err'), 'utf8'), /EPIPE|Error/);
  assert.equal(readFileSync(join(dir, 'code'), 'utf8').trim(), '0');
});

test('a token used in one file and minted in another is linked whichever file is read first', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-order-'));
  const use = {
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: 'u1', stage: 'ResponseComplete', verb: 'list',
    requestURI: '/api/v1/namespaces/production/secrets',
    user: { username: 'system:serviceaccount:production:app-sa', groups: ['system:serviceaccounts', 'system:authenticated'], extra: { 'authentication.kubernetes.io/credential-id': ['JTI=0c0ffee0-1111-4222-8333-444455556666'] } },
    sourceIPs: ['198.51.100.99'], userAgent: 'curl/8.0', objectRef: { resource: 'secrets', namespace: 'production', apiVersion: 'v1' },
    responseStatus: { code: 200 }, requestReceivedTimestamp: '2026-03-02T08:01:00.000000Z', stageTimestamp: '2026-03-02T08:01:00.000000Z',
  };
  const minted = mint('m1', 'ResponseComplete', 'attacker@example.com', 'production', 'app-sa', '2026-03-02T08:00:00.000000Z', { annotations: { 'authentication.kubernetes.io/issued-credential-id': 'JTI=0c0ffee0-1111-4222-8333-444455556666' } });
  for (const [first, second] of [['a.log', 'b.log'], ['b.log', 'a.log']]) {
    const d = mkdtempSync(join(dir, 'x-'));
    // the use in the file read first (names sort), the mint in the other
    writeFileSync(join(d, first!), JSON.stringify(use) + '\n');
    writeFileSync(join(d, second!), JSON.stringify(minted) + '\n');
    const r = run(['scan', '--state', 'none', '--no-coverage', '--format', 'ndjson', d]);
    assert.equal(r.code, 0, r.err);
    const linked = r.out.trim().split('\n').map((l) => JSON.parse(l)).filter((a) => a.rule.id === 'minted-token-used');
    assert.equal(linked.length, 1, `use in ${first}`);
    assert.equal(linked[0].context.client_ip, '198.51.100.99');
  }
});

test("a TokenRequest that reuses an earlier request's auditID (the client's own Audit-ID header) is not taken for a duplicate", () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-reuse-'));
  // the API server takes a client's Audit-ID as it is: a harmless list first, then a mint under the same id
  const list = {
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: 'hide-me', stage: 'ResponseComplete', verb: 'list',
    requestURI: '/api/v1/namespaces/production/pods', user: { username: 'attacker@example.com', groups: ['system:authenticated'] },
    sourceIPs: ['203.0.113.42'], objectRef: { resource: 'pods', namespace: 'production', apiVersion: 'v1' },
    responseStatus: { code: 200 }, requestReceivedTimestamp: '2026-03-02T07:59:59.000000Z', stageTimestamp: '2026-03-02T07:59:59.010000Z',
  };
  const t = '2026-03-02T08:00:00.100000Z';
  const lines = [list, mint('hide-me', 'RequestReceived', 'attacker@example.com', 'production', 'app-sa', t), mint('hide-me', 'ResponseComplete', 'attacker@example.com', 'production', 'app-sa', t)];
  writeFileSync(join(dir, 'audit.log'), lines.map((e) => JSON.stringify(e)).join('\n') + '\n');
  for (const extra of [[], ['--no-prefilter'], ['--no-detectors'], ['--workers', '1']]) {
    const r = run(['scan', '--state', 'none', '--no-coverage', '--format', 'ndjson', '--summary-json', join(dir, 's.json'), ...extra, join(dir, 'audit.log')]);
    assert.equal(r.code, 0, r.err);
    const ids = r.out.trim().split('\n').map((l) => JSON.parse(l).rule.id);
    assert.ok(ids.includes('tokenrequest-non-system'), `${extra.join(' ')}: ${ids.join(', ')}`);
    // the mint's two stages are one request, judged once; the list is another
    assert.equal(JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')).duplicate_stages, 0);
    assert.doesNotMatch(r.err, /already judged/);
  }
  // the same log twice: every event of the second copy is a stage already judged, and the summary says so
  const twice = run(['scan', '--state', 'none', '--no-coverage', '--format', 'ndjson', join(dir, 'audit.log'), join(dir, 'audit.log')]);
  assert.match(twice.err, /stages of requests already judged, ignored: 3 /);
});

test("text from the log cannot drive the terminal: escape sequences, carriage returns and newlines in a username or user agent are shown, not obeyed", () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-esc-'));
  const e = mint('esc\u001b[31m1', 'ResponseComplete', 'dev\u001b[2Jci@example.com', 'production', 'app-sa', '2026-03-02T08:00:00.100000Z', {
    userAgent: 'kubectl\u001b]0;pwned\u0007/1.0\r\nHIGH  Forged alert line',
    objectRef: { resource: 'serviceaccounts', namespace: 'production\u202e', name: 'app-sa', apiVersion: 'v1', subresource: 'token' },
  });
  writeFileSync(join(dir, 'audit\u001b[8m.log'), JSON.stringify(e) + '\n');
  for (const color of ['0', '1']) {
    const r = spawnSync(process.execPath, [CLI, 'scan', '--state', 'none', dir], { encoding: 'utf8', env: { ...process.env, NO_COLOR: color === '0' ? '1' : '', FORCE_COLOR: color } });
    assert.equal(r.status, 0, r.stderr);
    const all = r.stdout + r.stderr;
    assert.match(r.stdout, /dev\\x1b\[2Jci@example\.com/);
    // the forged line stays on the user agent's line, its carriage return and newline shown
    assert.match(r.stdout, /kubectl\\x1b\]0;pwned\\x07\/1\.0\\x0d\\x0aHIGH  Forged alert line/);
    assert.doesNotMatch(all, /[\u0007\r\u202e\u009b]/);
    // the only escape sequences are tokenwatch's own colours (none at all without colour)
    const escapes = all.match(/\u001b[^m]*m?/g) ?? [];
    if (color === '0') assert.deepEqual(escapes, []);
    else for (const x of escapes) assert.match(x, /^\u001b\[[0-9;]*m$/, JSON.stringify(x));
    assert.match(all, /audit\\x1b\[8m\.log/, 'the file name too');
    // tokenwatch's own multi-line text (the runbook) is still split into lines, not shown as escapes
    assert.match(r.stdout, /next {5}(\u001b\[0m)?1\. /);
    assert.doesNotMatch(r.stdout, /\\x0a\d\. /);
  }
});

test('scanning again what a saved state already learned from says so (its alerts may differ from a first scan)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-overlap-'));
  const state = join(dir, 'state.db');
  const log = join(ROOT, 'examples', 'logs', 'token-abuse.ndjson');
  const later = join(dir, 'later.log');
  // the same kind of events a day later: no overlap with what the first scan saw
  writeFileSync(later, readFileSync(log, 'utf8').replace(/2026-03-02T/g, '2026-03-03T'));
  const scan = (file: string) => {
    const s = join(dir, `s-${Math.random().toString(36).slice(2)}.json`);
    const r = run(['scan', '--state', state, '--no-coverage', '--summary-json', s, file]);
    assert.equal(r.code, 0, r.err);
    return { err: r.err, summary: JSON.parse(readFileSync(s, 'utf8')) as { state_overlap?: { events: number; state_from: string; state_to: string }; events: number } };
  };
  const first = scan(log);
  assert.doesNotMatch(first.err, /warning: .* had already learned from/);
  assert.equal(first.summary.state_overlap, undefined);
  const again = scan(log);
  // every request the detectors judged (a final stage each) lies in the span the first scan saw
  const m = /warning: (\d+) event\(s\) fall within (2026-03-02T08:00:\S+) → (2026-03-02T08:01:\S+), which the saved state .* had already learned from/.exec(again.err);
  assert.ok(m, again.err);
  assert.deepEqual(again.summary.state_overlap, { events: Number(m[1]), state_from: m[2], state_to: m[3] });
  assert.ok(Number(m[1]) >= 20);
  const next = scan(later);
  assert.equal(next.summary.state_overlap, undefined);
});

test('rules explain takes the rule as its first argument or as --rule, and says what a detector id is', () => {
  const log = join(ROOT, 'examples', 'logs', 'token-abuse.ndjson');
  const a = run(['rules', 'explain', 'tokenrequest-non-system', `${log}:5`]);
  const b = run(['rules', 'explain', '--rule', 'tokenrequest-non-system', `${log}:5`]);
  assert.equal(a.code, 0, a.err);
  assert.equal(a.out, b.out);
  assert.match(a.out, /^rule tokenrequest-non-system:/);
  for (const [args, msg] of [
    [['rules', 'explain', `${log}:5`], /which rule\?/],
    [['rules', 'explain'], /which rule, and which event\?/],
    [['rules', 'explain', '--rule', 'x', 'tokenrequest-non-system', log], /give the rule once/],
    [['rules', 'explain', 'minted-token-used', log], /minted-token-used is a stateful detector, not a Sigma rule/],
  ] as const) {
    const r = run([...args]);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, msg);
  }
});
