/**
 * The streaming correlation engine: windows, firing, grouping, measures,
 * chaining, generate, out-of-order input and bounded state
 * (spec: sigma-correlation-rules-specification.md; semantics the spec leaves
 * open are those documented in src/sigma/correlation-engine.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CorrelationEngine } from '../../src/sigma/index.js';
import type { CorrelationMatch } from '../../src/sigma/index.js';
import type { AuditEvent } from '../../src/event/types.js';
import { at, baseRule, corrDoc, feed, loadOk, MIN, runEngine, summary, T0 } from './corr-helpers.js';
import { rng } from '../helpers.js';

const RULES = [baseRule('a', 'get'), baseRule('b', 'list'), baseRule('c', 'watch')];
const ev = (ms: number, verb: string, user = 'u1', extra: Record<string, unknown> = {}) => at(ms, { verb, user: { username: user }, auditID: `${verb}-${user}-${ms}`, ...extra });
const corr = (body: string, tail = '') => loadOk([...RULES, corrDoc(body, 'title: corr\nid: corr-1\nname: corr', tail)]);
const refs = (a: CorrelationMatch<string>) => a.contributions.map((c) => c.ref);

test('§Event Count: fires at the match that brings the count in the window to the condition; the timespan is inclusive (§Time Selection)', () => {
  const l = corr('type: event_count\nrules: [a]\ngroup-by: [user.username]\ntimespan: 10m\ncondition: {gte: 3}');
  const fired = runEngine(l, [ev(0, 'get'), ev(5 * MIN, 'get'), ev(10 * MIN, 'get')]).alerts;
  assert.equal(fired.length, 1);
  assert.deepEqual(fired[0]!.group, { 'user.username': 'u1' });
  assert.equal(fired[0]!.value, 3);
  assert.equal(fired[0]!.firstMs, T0);
  assert.equal(fired[0]!.lastMs, T0 + 10 * MIN);
  assert.deepEqual(refs(fired[0]!), ['e0', 'e1', 'e2']);
  // one millisecond more and the first match has left the window
  assert.equal(runEngine(l, [ev(0, 'get'), ev(5 * MIN, 'get'), ev(10 * MIN + 1, 'get')]).alerts.length, 0);
  // other rules' matches do not count
  assert.equal(runEngine(l, [ev(0, 'get'), ev(1, 'list'), ev(2, 'get')]).alerts.length, 0);
});

test('§Temporal Proximity: "the time frame should not be restricted to boundaries": windows slide with each match', () => {
  const l = corr('type: event_count\nrules: [a]\ngroup-by: [user.username]\ntimespan: 10m\ncondition: {gte: 3}');
  // no window starting at the first match holds three, the one ending at 12m does
  const a = runEngine(l, [ev(0, 'get'), ev(9 * MIN, 'get'), ev(11 * MIN, 'get'), ev(12 * MIN, 'get')]).alerts;
  assert.deepEqual(summary(a), ['corr|{"user.username":"u1"}|540000|720000|3|e1,e2,e3+0']);
});

test('after firing the window restarts: the next alert of a group needs a complete new set of matches', () => {
  const l = corr('type: event_count\nrules: [a]\ngroup-by: [user.username]\ntimespan: 10m\ncondition: {gte: 3}');
  const seven = [0, 1, 2, 3, 4, 5, 6].map((m) => ev(m * MIN, 'get'));
  const a = runEngine(l, seven).alerts;
  assert.deepEqual(a.map(refs), [
    ['e0', 'e1', 'e2'],
    ['e3', 'e4', 'e5'],
  ]);
});

test('§Grouping: groups are separate, and several group-by fields are linked by AND', () => {
  const l = corr('type: event_count\nrules: [a]\ngroup-by: [user.username, sourceIPs]\ntimespan: 10m\ncondition: {gte: 3}');
  const e = (ms: number, user: string, ip: string) => ev(ms, 'get', user, { sourceIPs: [ip], auditID: `${user}${ip}${ms}` });
  const mixed = [e(0, 'u1', '10.0.0.1'), e(1, 'u1', '10.0.0.2'), e(2, 'u2', '10.0.0.1'), e(3, 'u1', '10.0.0.1')];
  assert.equal(runEngine(l, mixed).alerts.length, 0);
  const a = runEngine(l, [...mixed, e(4, 'u1', '10.0.0.1')]).alerts;
  assert.deepEqual(a.map((x) => x.group), [{ 'user.username': 'u1', sourceIPs: '10.0.0.1' }]);
  assert.deepEqual(refs(a[0]!), ['e0', 'e3', 'e4']);
});

test('a match without a value for a group-by field, or without a usable time, is counted and left out', () => {
  const l = corr('type: event_count\nrules: [a]\ngroup-by: [user.username]\ntimespan: 10m\ncondition: {gte: 2}');
  const { alerts, engine } = runEngine(l, [at(0, { verb: 'get' }), at(1, { verb: 'get' }), at(2, { verb: 'get', user: { username: null } })]);
  assert.equal(alerts.length, 0);
  assert.equal(engine.stats.ungrouped, 3);
  engine.onMatch('a', { verb: 'get', user: { username: 'u1' } } as AuditEvent, NaN, 'x');
  assert.equal(engine.stats.untimed, 1);
});

test('§Value Count: distinct values of the field; repeats do not count, each value of a multi-valued field does', () => {
  const l = corr('type: value_count\nrules: [a]\ngroup-by: [user.username]\ntimespan: 10m\ncondition: {field: objectRef.name, gte: 3}');
  const e = (ms: number, name: unknown) => ev(ms, 'get', 'u1', { objectRef: { name }, auditID: `n${ms}` });
  assert.equal(runEngine(l, [e(0, 'x'), e(1, 'x'), e(2, 'y'), e(3, 'y')]).alerts.length, 0);
  const a = runEngine(l, [e(0, 'x'), e(1, 'x'), e(2, 'y'), e(3, 'z')]).alerts;
  assert.equal(a.length, 1);
  assert.equal(a[0]!.value, 3);
  assert.deepEqual(refs(a[0]!), ['e0', 'e1', 'e2', 'e3']);
  assert.equal(runEngine(l, [e(0, ['x', 'y']), e(1, 'z')]).alerts.length, 1);
  // a value that left the window no longer counts
  assert.equal(runEngine(l, [e(0, 'x'), e(5 * MIN, 'y'), e(10 * MIN + 1, 'z')]).alerts.length, 0);
});

test('§Temporal Proximity: all referenced rules in any order within the timespan; a condition counts distinct rules (§Condition)', () => {
  const all = corr('type: temporal\nrules: [a, b, c]\ngroup-by: [user.username]\ntimespan: 5m');
  assert.equal(runEngine(all, [ev(0, 'watch'), ev(MIN, 'get'), ev(2 * MIN, 'list')]).alerts.length, 1);
  assert.equal(runEngine(all, [ev(0, 'watch'), ev(MIN, 'get'), ev(2 * MIN, 'get')]).alerts.length, 0);
  assert.equal(runEngine(all, [ev(0, 'watch'), ev(MIN, 'get'), ev(5 * MIN + 1, 'list')]).alerts.length, 0);
  const two = corr('type: temporal\nrules: [a, b, c]\ngroup-by: [user.username]\ntimespan: 5m\ncondition: {gte: 2}');
  const a = runEngine(two, [ev(0, 'get'), ev(MIN, 'get'), ev(2 * MIN, 'list')]).alerts;
  assert.equal(a.length, 1);
  assert.equal(a[0]!.value, 2);
});

test('§Ordered Temporal Proximity: the rules must appear in the order given; equal times count as in order', () => {
  const l = corr('type: temporal_ordered\nrules: [a, b]\ngroup-by: [user.username]\ntimespan: 5m');
  assert.equal(runEngine(l, [ev(0, 'get'), ev(MIN, 'list')]).alerts.length, 1);
  assert.equal(runEngine(l, [ev(0, 'list'), ev(MIN, 'get')]).alerts.length, 0);
  assert.equal(runEngine(l, [ev(0, 'list'), ev(0, 'get')]).alerts.length, 1);
  // b, a, b: the run a→b starts at a; the b before it did not contribute
  const a = runEngine(l, [ev(0, 'list'), ev(MIN, 'get'), ev(2 * MIN, 'list')]).alerts;
  assert.deepEqual(a.map(refs), [['e1', 'e2']]);
  // several a before b: every a in the window is part of the alert
  const many = runEngine(l, [ev(0, 'get'), ev(MIN, 'get'), ev(2 * MIN, 'list')]).alerts;
  assert.deepEqual(many.map(refs), [['e0', 'e1', 'e2']]);
  // the run must fit in the timespan, both ends included
  assert.equal(runEngine(l, [ev(0, 'get'), ev(5 * MIN, 'list')]).alerts.length, 1);
  assert.equal(runEngine(l, [ev(0, 'get'), ev(5 * MIN + 1, 'list')]).alerts.length, 0);
});

test('value_sum (Sigma 2.1 metric): sums numeric values of the field, numbers written as strings included', () => {
  const l = corr('type: value_sum\nrules: [a]\ngroup-by: [user.username]\ntimespan: 1h\ncondition: {field: requestObject.spec.expirationSeconds, gt: 100000}');
  const e = (ms: number, s: unknown) => ev(ms, 'get', 'u1', { requestObject: { spec: { expirationSeconds: s } }, auditID: `s${ms}` });
  const a = runEngine(l, [e(0, 40000), e(MIN, '40000'), e(2 * MIN, 'soon'), e(3 * MIN, 30000)]).alerts;
  assert.equal(a.length, 1);
  assert.equal(a[0]!.value, 110000);
  assert.equal(runEngine(l, [e(0, 40000), e(MIN, 40000), e(2 * MIN, 20000)]).alerts.length, 0);
});

test('complete windows for upper bounds (lt, lte, eq, neq): a window from the first match, judged once its timespan has passed', () => {
  const lt = corr('type: event_count\nrules: [a]\ngroup-by: [user.username]\ntimespan: 10m\ncondition: {lt: 3}');
  assert.deepEqual(summary(runEngine(lt, [ev(0, 'get'), ev(5 * MIN, 'get')]).alerts), ['corr|{"user.username":"u1"}|0|300000|2|e0,e1+0']);
  assert.equal(runEngine(lt, [ev(0, 'get'), ev(5 * MIN, 'get'), ev(10 * MIN, 'get')]).alerts.length, 0);
  // the match after the window's end opens the next window
  assert.deepEqual(summary(runEngine(lt, [ev(0, 'get'), ev(5 * MIN, 'get'), ev(10 * MIN + 1, 'get')]).alerts), [
    'corr|{"user.username":"u1"}|0|300000|2|e0,e1+0',
    'corr|{"user.username":"u1"}|600001|600001|1|e2+0',
  ]);
  const eq = corr('type: event_count\nrules: [a]\ngroup-by: [user.username]\ntimespan: 10m\ncondition: {eq: 2}');
  assert.equal(runEngine(eq, [ev(0, 'get'), ev(MIN, 'get')]).alerts.length, 1);
  assert.equal(runEngine(eq, [ev(0, 'get'), ev(MIN, 'get'), ev(2 * MIN, 'get')]).alerts.length, 0);
  const neq = corr('type: event_count\nrules: [a]\ngroup-by: [user.username]\ntimespan: 10m\ncondition: {neq: 2}');
  assert.equal(runEngine(neq, [ev(0, 'get'), ev(MIN, 'get')]).alerts.length, 0);
  assert.equal(runEngine(neq, [ev(0, 'get')]).alerts.length, 1);
  const avg = corr('type: value_avg\nrules: [a]\ngroup-by: [user.username]\ntimespan: 10m\ncondition: {field: responseStatus.code, lt: 300}');
  const c = (ms: number, code: number) => ev(ms, 'get', 'u1', { responseStatus: { code }, auditID: `c${ms}` });
  assert.deepEqual(runEngine(avg, [c(0, 200), c(MIN, 201)]).alerts.map((x) => x.value), [200.5]);
  assert.equal(runEngine(avg, [c(0, 200), c(MIN, 403)]).alerts.length, 0);
});

test('alerts come out once event time has passed the lateness allowance (advance), not only at flush', () => {
  const l = corr('type: event_count\nrules: [a]\ngroup-by: [user.username]\ntimespan: 10m\ncondition: {gte: 2}');
  const alerts: CorrelationMatch<string>[] = [];
  const engine = new CorrelationEngine<string>(l.correlations, { onAlert: (m) => alerts.push(m) });
  feed(engine, l.rules, [ev(0, 'get'), ev(MIN, 'get')]);
  assert.equal(alerts.length, 0, 'held while a match up to the allowance (the timespan) earlier could still arrive');
  assert.equal(engine.held, 2);
  engine.advance(T0 + 11 * MIN);
  assert.equal(alerts.length, 0, 'the second match is exactly at the allowance: still held');
  engine.advance(T0 + 11 * MIN + 1);
  assert.equal(alerts.length, 1);
  assert.equal(engine.held, 0);
  engine.flush();
  assert.equal(alerts.length, 1);
  // complete windows close by event time too
  const lt = corr('type: event_count\nrules: [a]\ngroup-by: [user.username]\ntimespan: 10m\ncondition: {lt: 5}');
  const out: CorrelationMatch<string>[] = [];
  const e2 = new CorrelationEngine<string>(lt.correlations, { onAlert: (m) => out.push(m) });
  feed(e2, lt.rules, [ev(0, 'get')]);
  e2.advance(T0 + 20 * MIN);
  assert.equal(out.length, 0, 'window end (10m) is not before the released time (20m − 10m)');
  e2.advance(T0 + 20 * MIN + 1);
  assert.equal(out.length, 1);
});

test('out-of-order beyond the allowance is best effort: evaluated at once (stats.late), dropped when its window is gone (stats.lateDropped)', () => {
  const l = corr('type: event_count\nrules: [a]\ngroup-by: [user.username]\ntimespan: 10m\ncondition: {gte: 2}');
  // 0 and 30m are evaluated once 41m is seen (41m − 10m allowance); 5m and 25m then arrive behind them
  const { alerts, engine } = runEngine(l, [ev(0, 'get'), ev(30 * MIN, 'get'), ev(41 * MIN, 'get'), ev(5 * MIN, 'get'), ev(25 * MIN, 'get')]);
  assert.equal(engine.stats.late, 2);
  assert.equal(engine.stats.lateDropped, 1, 'the match at 5m is older than the window of its group');
  // the late match at 25m is inserted before 30m in the window and completes it
  assert.deepEqual(summary(alerts), ['corr|{"user.username":"u1"}|1500000|1800000|2|e4,e1+0']);
});

test('bounded state: groups evicted past maxGroups, refs beyond maxContributions counted, entries beyond maxEntriesPerGroup dropped', () => {
  const l = corr('type: event_count\nrules: [a]\ngroup-by: [user.username]\ntimespan: 10m\ncondition: {gte: 2}');
  const inter = [ev(0, 'get', 'u1'), ev(1, 'get', 'u2'), ev(2, 'get', 'u3'), ev(3, 'get', 'u1')];
  const capped = runEngine(l, inter, { maxGroups: 2 });
  assert.equal(capped.alerts.length, 0, "u1's first match was evicted with its group");
  assert.equal(capped.engine.stats.evictedGroups, 2);
  assert.equal(runEngine(l, inter, { maxGroups: 3 }).alerts.length, 1);

  const five = corr('type: event_count\nrules: [a]\ngroup-by: [user.username]\ntimespan: 10m\ncondition: {gte: 5}');
  const burst = [0, 1, 2, 3, 4].map((m) => ev(m, 'get'));
  const c = runEngine(five, burst, { maxContributions: 2 });
  assert.equal(c.alerts.length, 1);
  assert.deepEqual(refs(c.alerts[0]!), ['e0', 'e1']);
  assert.equal(c.alerts[0]!.omitted, 3);
  assert.equal(c.engine.stats.omittedContributions, 3);
  const d = runEngine(five, burst, { maxEntriesPerGroup: 3 });
  assert.equal(d.alerts.length, 0, 'a capped group undercounts: documented');
  assert.equal(d.engine.stats.droppedEntries, 2);
  // expired groups leave the state
  const g = runEngine(l, [ev(0, 'get', 'u1'), ev(MIN, 'get', 'u2'), ev(30 * MIN, 'get', 'u3')]);
  assert.equal(g.engine.openGroups, 1);
});

test('§Field Name Aliases: the account a token was minted for and that account\'s own requests fall into one group', () => {
  const mint = 'title: mint\nid: mint-1\nname: mint\nlogsource: {product: kubernetes, service: audit}\ndetection:\n    sel:\n        verb: create\n        objectRef.subresource: token\n    condition: sel\n';
  const use = 'title: use\nid: use-1\nname: use\nlogsource: {product: kubernetes, service: audit}\ndetection:\n    sel:\n        verb: get\n        user.username|startswith: "system:serviceaccount:"\n    condition: sel\n';
  const l = loadOk([
    mint,
    use,
    corrDoc('type: temporal_ordered\nrules: [mint, use]\ngroup-by: [account]\ntimespan: 1h\naliases:\n    account:\n        mint: tokenwatch.target_account\n        use: user.username'),
  ]);
  const minted = at(0, { verb: 'create', auditID: 'm', user: { username: 'mallory@example.com' }, objectRef: { resource: 'serviceaccounts', subresource: 'token', namespace: 'prod', name: 'app' } });
  const used = at(10 * MIN, { verb: 'get', auditID: 'u', user: { username: 'system:serviceaccount:prod:app' }, objectRef: { resource: 'secrets', namespace: 'prod' } });
  const other = at(10 * MIN, { verb: 'get', auditID: 'o', user: { username: 'system:serviceaccount:prod:db' }, objectRef: { resource: 'secrets', namespace: 'prod' } });
  const a = runEngine(l, [minted, used]).alerts;
  assert.deepEqual(a.map((x) => x.group), [{ account: 'system:serviceaccount:prod:app' }]);
  assert.deepEqual(refs(a[0]!), ['e0', 'e1']);
  assert.equal(runEngine(l, [minted, other]).alerts.length, 0);
});

test('§Examples (Failed Logins Followed by Successful Login): a chained correlation; the inner one raises no alert of its own (§Generate)', () => {
  const l = loadOk([
    baseRule('failed_login', 'get'),
    baseRule('successful_login', 'list'),
    corrDoc('type: temporal_ordered\nrules: [multiple_failed_login, successful_login]\ngroup-by: [user.username]\ntimespan: 10m', 'title: outer\nid: outer-1\nname: outer'),
    corrDoc('type: event_count\nrules: [failed_login]\ngroup-by: [user.username]\ntimespan: 10m\ncondition: {gte: 3}', 'title: many\nid: many-1\nname: multiple_failed_login'),
  ]);
  const seq = [ev(0, 'get'), ev(MIN, 'get'), ev(2 * MIN, 'get'), ev(3 * MIN, 'list')];
  const a = runEngine(l, seq).alerts;
  assert.deepEqual(summary(a), ['outer|{"user.username":"u1"}|120000|180000|2|e0,e1,e2,e3+0']);
  const all = runEngine(l, seq, { emit: 'all' }).alerts;
  assert.deepEqual(all.map((x) => x.correlation.name).sort(), ['multiple_failed_login', 'outer']);
  // the success before the third failure is out of order
  assert.equal(runEngine(l, [ev(0, 'get'), ev(MIN, 'get'), ev(90_000, 'list'), ev(2 * MIN, 'get')]).alerts.length, 0);
  // another user's success does not complete the sequence
  assert.equal(runEngine(l, [ev(0, 'get'), ev(MIN, 'get'), ev(2 * MIN, 'get'), ev(3 * MIN, 'list', 'u2')]).alerts.length, 0);
});

test('group-by fields are read through the field mapping each base rule was loaded with (§Grouping)', () => {
  const l = loadOk([baseRule('a', 'get'), corrDoc('type: event_count\nrules: [a]\ngroup-by: [username]\ntimespan: 10m\ncondition: {gte: 2}')], { fieldMapping: { username: 'user.username' } });
  const a = runEngine(l, [ev(0, 'get', 'u1'), ev(1, 'get', 'u2'), ev(2, 'get', 'u1')]).alerts;
  assert.deepEqual(a.map((x) => x.group), [{ username: 'u1' }]);
});

test("the caller's ref comes back untouched, and the rule key it was fed under", () => {
  const l = corr('type: temporal\nrules: [a, b]\ngroup-by: [user.username]\ntimespan: 10m');
  const got: CorrelationMatch<{ file: string; line: number }>[] = [];
  const engine = new CorrelationEngine<{ file: string; line: number }>(l.correlations, { onAlert: (m) => got.push(m) });
  const r1 = { file: 'x.log', line: 7 };
  const r2 = { file: 'y.log', line: 3 };
  engine.onMatch('id-a', ev(0, 'get'), T0, r1);
  engine.onMatch('b', ev(MIN, 'list'), T0 + MIN, r2);
  engine.onMatch('unrelated-rule', ev(MIN, 'list'), T0 + MIN, r2);
  engine.flush();
  assert.equal(got.length, 1);
  assert.equal(got[0]!.contributions[0]!.ref, r1);
  assert.equal(got[0]!.contributions[1]!.ref, r2);
  assert.deepEqual(
    got[0]!.contributions.map((c) => c.rule),
    ['id-a', 'b'],
  );
});

test('out-of-order input within the allowance gives exactly the alerts of sorted input (every type, chains, caps; 400 random streams)', () => {
  const docs = [
    corrDoc('type: event_count\nrules: [a, b]\ngroup-by: [user.username]\ntimespan: 10m\ncondition: {gte: 3}', 'title: ec\nid: ec\nname: ec'),
    corrDoc('type: value_count\nrules: [a]\ngroup-by: [user.username]\ntimespan: 10m\ncondition: {field: objectRef.name, gte: 2}', 'title: vc\nid: vc\nname: vc'),
    corrDoc('type: temporal\nrules: [a, b, c]\ngroup-by: [user.username]\ntimespan: 5m', 'title: tp\nid: tp\nname: tp'),
    corrDoc('type: temporal_ordered\nrules: [a, c]\ngroup-by: [user.username]\ntimespan: 5m', 'title: to\nid: to\nname: to'),
    corrDoc('type: value_sum\nrules: [b]\ngroup-by: [user.username]\ntimespan: 10m\ncondition: {field: responseStatus.code, gte: 600}', 'title: vs\nid: vs\nname: vs'),
    corrDoc('type: event_count\nrules: [c]\ngroup-by: [user.username]\ntimespan: 10m\ncondition: {lte: 2}', 'title: lt\nid: lt\nname: lt'),
    corrDoc('type: value_avg\nrules: [a, b]\ngroup-by: [user.username]\ntimespan: 7m\ncondition: {field: responseStatus.code, gt: 250, lte: 350}', 'title: va\nid: va\nname: va'),
    corrDoc('type: temporal_ordered\nrules: [ec, c]\ngroup-by: [user.username]\ntimespan: 5m', 'title: ch\nid: ch\nname: ch', 'generate: true\n'),
  ];
  const l = loadOk([...RULES, ...docs]);
  const verbs = ['get', 'list', 'watch'];
  const kinds = new Map<string, number>();
  for (let trial = 0; trial < 400; trial++) {
    const r = rng(trial + 1);
    const n = 10 + Math.floor(r() * 40);
    const events: AuditEvent[] = [];
    for (let i = 0; i < n; i++) {
      // whole minutes (and a few shared milliseconds), so equal times are common
      const t = Math.floor(r() * 40) * MIN + (r() < 0.2 ? 0 : Math.floor(r() * 3));
      events.push(
        at(t, {
          verb: verbs[Math.floor(r() * 3)],
          user: { username: `u${Math.floor(r() * 3)}` },
          objectRef: { name: `n${Math.floor(r() * 4)}` },
          responseStatus: { code: [200, 201, 403, 404][Math.floor(r() * 4)] },
          auditID: `id${i}`,
        }),
      );
    }
    const sorted = events.map((e, i) => ({ e, i })).sort((x, y) => Date.parse(String(x.e.requestReceivedTimestamp)) - Date.parse(String(y.e.requestReceivedTimestamp)) || x.i - y.i);
    // arrival order: each event at most 5 minutes (the smallest allowance) behind the latest time seen before it
    const shuffled = events
      .map((e) => ({ e, key: Date.parse(String(e.requestReceivedTimestamp)) + r() * 5 * MIN }))
      .sort((x, y) => x.key - y.key)
      .map((x) => x.e);
    const opts = trial % 4 === 3 ? { maxGroups: 2, emit: 'all' as const } : { emit: 'all' as const };
    const want = runEngine(l, sorted.map((x) => x.e), opts);
    const got = runEngine(l, shuffled, opts);
    // refs name events by position in the fed list: compare by auditID instead
    const byId = (run: typeof want, list: AuditEvent[]) =>
      summary(run.alerts.map((a) => ({ ...a, contributions: a.contributions.map((c) => ({ ...c, ref: String(list[Number(c.ref.slice(1))]!.auditID) })) })));
    assert.deepEqual(byId(got, shuffled), byId(want, sorted.map((x) => x.e)), `trial ${trial}`);
    assert.equal(got.engine.stats.late, 0, `trial ${trial}`);
    assert.equal(got.engine.stats.evictedGroups, want.engine.stats.evictedGroups, `trial ${trial}`);
    for (const a of want.alerts) kinds.set(a.correlation.name!, (kinds.get(a.correlation.name!) ?? 0) + 1);
  }
  // every correlation fired in some streams, so each kind was compared
  assert.deepEqual([...kinds.keys()].sort(), ['ch', 'ec', 'lt', 'to', 'tp', 'va', 'vc', 'vs']);
});
