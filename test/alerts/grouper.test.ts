import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertGrouper } from '../../src/alerts/grouper.js';
import type { Alert } from '../../src/alerts/alert.js';
import { compileField } from '../../src/event/fields.js';
import type { EventRecord } from '../../src/event/types.js';

const spec = {
  rule: { id: 'r', title: 'R', severity: 'medium' as const, tags: [], origin: 'builtin' },
  groupBy: ['user.username', 'objectRef.name'].map((name) => ({ name, get: compileField(name) })),
  windowMs: 60 * 60_000,
};
const rec = (user: string, name: string, t: string, line = 1): EventRecord => ({
  event: { verb: 'create', user: { username: user }, objectRef: { resource: 'serviceaccounts', subresource: 'token', namespace: 'p', name }, requestReceivedTimestamp: t, sourceIPs: ['10.0.0.1', '203.0.113.5'] },
  source: { file: 'f', line, format: 'raw' },
});

test('repeats with the same key inside the window become one alert with a count', () => {
  const out: Alert[] = [];
  const g = new AlertGrouper({ emit: (a) => out.push(a) });
  g.add(spec, rec('u', 'a', '2026-01-01T00:00:00Z', 1));
  g.add(spec, rec('u', 'a', '2026-01-01T00:30:00Z', 2));
  g.add(spec, rec('u', 'b', '2026-01-01T00:31:00Z', 3));
  g.add(spec, rec('u', 'a', '2026-01-01T01:00:01Z', 4)); // outside the 60 min window of the first
  g.flush();
  assert.equal(out.length, 3);
  const first = out.find((a) => a.group['objectRef.name'] === 'a' && a.count === 2)!;
  assert.equal(first.first_seen, '2026-01-01T00:00:00.000Z');
  assert.equal(first.last_seen, '2026-01-01T00:30:00.000Z');
  assert.deepEqual(first.events.map((e) => e.source.line), [1, 2]);
  assert.equal(first.context.client_ip, '203.0.113.5');
  // no response in the event: nothing says a token was minted
  assert.match(first.summary, /u requested a token for service account p\/a from 203\.0\.113\.5/);
});

test('--no-group emits one alert per event', () => {
  const out: Alert[] = [];
  const g = new AlertGrouper({ noGroup: true, emit: (a) => out.push(a) });
  g.add(spec, rec('u', 'a', '2026-01-01T00:00:00Z'));
  g.add(spec, rec('u', 'a', '2026-01-01T00:00:01Z'));
  assert.equal(out.length, 2);
});

test('events kept per alert are bounded, the rest counted', () => {
  const out: Alert[] = [];
  const g = new AlertGrouper({ maxEventsPerAlert: 3, emit: (a) => out.push(a) });
  for (let i = 0; i < 10; i++) g.add(spec, rec('u', 'a', `2026-01-01T00:00:0${i}Z`, i));
  g.flush();
  assert.equal(out[0]!.count, 10);
  assert.equal(out[0]!.events.length, 3);
  assert.equal(out[0]!.events_dropped, 7);
});

test('open groups are bounded', () => {
  const out: Alert[] = [];
  const g = new AlertGrouper({ maxOpen: 5, emit: (a) => out.push(a) });
  for (let i = 0; i < 8; i++) g.add(spec, rec(`u${i}`, 'a', '2026-01-01T00:00:00Z'));
  assert.equal(out.length, 3);
  assert.equal(g.evictedEarly, 3);
  g.flush();
  assert.equal(out.length, 8);
});

test("a grouped TokenRequest alert shows the repeat with the longest-lived token, not the first one's", () => {
  const out: Alert[] = [];
  const g = new AlertGrouper({ emit: (a) => out.push(a) });
  const mint = (seconds: number, t: string, line: number): EventRecord => {
    const r = rec('u', 'a', t, line);
    r.event.requestObject = { kind: 'TokenRequest', spec: { expirationSeconds: seconds } };
    r.event.responseStatus = { code: 201 };
    return r;
  };
  g.add(spec, mint(600, '2026-01-01T00:00:00Z', 1));
  g.add(spec, mint(31536000, '2026-01-01T00:10:00Z', 2));
  g.add(spec, mint(3600, '2026-01-01T00:20:00Z', 3));
  g.flush();
  assert.equal(out.length, 1);
  assert.equal(out[0]!.count, 3);
  assert.equal(out[0]!.context.expiration_seconds, 31536000);
  assert.equal(out[0]!.context.long_lived, true);
  assert.match(out[0]!.summary, /lifetime 365 d \(long-lived\)/);
  assert.equal(out[0]!.first_seen, '2026-01-01T00:00:00.000Z');
});
