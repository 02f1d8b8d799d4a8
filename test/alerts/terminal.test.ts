// The terminal's rendering of a grouped TokenRequest alert names every token the repeats issued (or were
// refused), with its lifetime: one alert "(2 times)" may be a 365-day token and a 10-minute one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertGrouper } from '../../src/alerts/grouper.js';
import type { Alert } from '../../src/alerts/alert.js';
import { compileField } from '../../src/event/fields.js';
import type { AuditEvent, EventRecord } from '../../src/event/types.js';
import { renderAlert } from '../../src/sinks/terminal.js';
import { makeStyle } from '../../src/sinks/style.js';

const spec = {
  rule: { id: 'r', title: 'R', severity: 'medium' as const, tags: [], origin: 'builtin' },
  groupBy: [{ name: 'user.username', get: compileField('user.username') }],
  windowMs: 60 * 60_000,
};
function mintRec(t: string, jti: string | undefined, seconds: number, code: number, line: number): EventRecord {
  const event: AuditEvent = {
    verb: 'create', user: { username: 'dev@example.com' }, sourceIPs: ['203.0.113.9'], requestReceivedTimestamp: t,
    objectRef: { resource: 'serviceaccounts', subresource: 'token', namespace: 'prod', name: 'app' },
    requestObject: { spec: { expirationSeconds: seconds } }, responseStatus: { code },
    ...(jti ? { annotations: { 'authentication.kubernetes.io/issued-credential-id': jti } } : {}),
  };
  return { event, source: { file: 'f', line, format: 'raw' } };
}
function render(recs: EventRecord[]): string {
  const out: Alert[] = [];
  const g = new AlertGrouper({ emit: (a) => out.push(a), longLivedSeconds: 86400 });
  for (const r of recs) g.add(spec, r);
  g.flush();
  assert.equal(out.length, 1);
  return renderAlert(out[0]!, makeStyle(false));
}

test('a grouped alert of different tokens names each, with its lifetime; a refused one as refused', () => {
  const text = render([
    mintRec('2026-03-02T08:00:00Z', undefined, 31536000, 403, 1),
    mintRec('2026-03-02T08:00:05Z', 'JTI=aaaa', 31536000, 201, 2),
    mintRec('2026-03-02T08:00:09Z', 'JTI=bbbb', 600, 201, 3),
  ]);
  assert.match(text, /^ {2}tokens {3}none \(403, asked 365 d\), JTI=aaaa \(365 d\), JTI=bbbb \(10 min\)$/m);
  assert.doesNotMatch(text, /^ {2}lifetime /m);
});

test('one token (or repeats of the same one) keeps the token and lifetime rows', () => {
  const text = render([mintRec('2026-03-02T08:00:00Z', 'JTI=aaaa', 31536000, 201, 1), mintRec('2026-03-02T08:00:01Z', 'JTI=aaaa', 31536000, 201, 2)]);
  assert.match(text, /^ {2}token {4}issued JTI=aaaa$/m);
  assert.match(text, /^ {2}lifetime 365 d long-lived$/m);
  assert.doesNotMatch(text, /^ {2}tokens /m);
});
