import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { clusterFromLogGroup, eksAdapter } from '../../src/formats/eks.js';
import { counts, decodeDocument, decodeLines, decodeText } from './helpers.js';

const idx = (xs: { place: { index?: number } }[]) => xs.map((x) => x.place.index);
const users = (xs: { event: { user?: { username?: string } } }[]) => xs.map((x) => x.event.user?.username);

test('log group names the cluster', () => {
  assert.equal(clusterFromLogGroup('/aws/eks/prod-eu-1/cluster'), 'prod-eu-1');
  assert.equal(clusterFromLogGroup('/aws/lambda/x'), undefined);
  assert.equal(clusterFromLogGroup(42), undefined);
});

test('filter-log-events output: events decode, the authenticator stream is skipped, no log group so no cluster', () => {
  const c = decodeDocument('eks/filter-log-events.json');
  assert.deepEqual(counts(c.events), { eks: 3 });
  assert.deepEqual(idx(c.events), [0, 1, 3]);
  assert.deepEqual(users(c.events), ['kubernetes-admin', 'attacker@example.com', 'system:serviceaccount:production:app-sa']);
  assert.ok(c.events.every((e) => e.cluster === undefined && e.place.line === 1 && e.place.file === 'eks/filter-log-events.json'));
  assert.equal(c.rejects.length, 0);
  assert.equal(c.skips.length, 1);
  assert.equal(c.skips[0]!.place.index, 2);
  assert.match(c.skips[0]!.reason, /^events\[2\]\.message: log event of a non-audit CloudWatch stream$/);
  // configured cluster fills in when the envelope names none
  const d = decodeDocument('eks/filter-log-events.json', { cluster: 'from-config' });
  assert.ok(d.events.every((e) => e.cluster === 'from-config'));
  // the EKS user.extra survives untouched
  assert.deepEqual(c.events[0]!.event.user?.extra?.arn, ['arn:aws:sts::111122223333:assumed-role/Admin/alice']);
});

test('get-log-events output', () => {
  const c = decodeDocument('eks/get-log-events.json');
  assert.deepEqual(counts(c.events), { eks: 2 });
  assert.deepEqual(idx(c.events), [0, 1]);
  const a = c.events[0]!.event;
  assert.equal(a.verb, 'create');
  assert.equal(a.objectRef?.subresource, 'token');
  assert.equal(a.responseStatus?.code, 201);
  assert.equal(a.annotations?.['authentication.kubernetes.io/issued-credential-id'], 'JTI=0f6a7c2e-5b1d-4e89-9c3a-7b2e1f4d6a90');
  assert.equal((a.requestObject as { spec: { expirationSeconds: number } }).spec.expirationSeconds, 315360000);
});

test('subscription DATA_MESSAGE (decoded): cluster from logGroup, index = logEvents position', () => {
  const c = decodeDocument('eks/subscription-data-message.json');
  assert.deepEqual(counts(c.events), { eks: 3 });
  assert.deepEqual(idx(c.events), [0, 1, 2]);
  assert.ok(c.events.every((e) => e.cluster === 'prod-eu-1'));
  // the envelope's cluster wins over configuration
  assert.ok(decodeDocument('eks/subscription-data-message.json', { cluster: 'cfg' }).events.every((e) => e.cluster === 'prod-eu-1'));
});

test('CONTROL_MESSAGE is skipped, not rejected', () => {
  const c = decodeDocument('eks/control-message.json');
  assert.equal(c.events.length, 0);
  assert.equal(c.rejects.length, 0);
  assert.equal(c.skips.length, 1);
  assert.match(c.skips[0]!.reason, /CONTROL_MESSAGE/);
});

test('Lambda awslogs event: gzip+base64 DATA_MESSAGE', () => {
  const c = decodeDocument('eks/lambda-awslogs.json');
  assert.deepEqual(counts(c.events), { eks: 3 });
  assert.deepEqual(idx(c.events), [0, 1, 2]);
  assert.ok(c.events.every((e) => e.cluster === 'prod-eu-1'));
});

test('Firehose HTTP endpoint request: good, control, bad base64 and truncated gzip records', () => {
  const c = decodeDocument('eks/firehose-http-request.json');
  assert.deepEqual(counts(c.events), { eks: 3 });
  assert.deepEqual(idx(c.events), [0, 0, 0]);
  assert.deepEqual(idx(c.skips), [1]);
  assert.deepEqual(idx(c.rejects), [2, 3]);
  assert.equal(c.rejects[0]!.reason, 'records[2].data: payload is not valid base64');
  assert.equal(c.rejects[1]!.reason, 'records[3].data: gzip payload is truncated');
});

test('Firehose transformation event with extracted messages (one raw event per line)', () => {
  const c = decodeDocument('eks/firehose-transform-event.json');
  assert.deepEqual(counts(c.events), { eks: 2 });
  assert.deepEqual(users(c.events), ['attacker@example.com', 'system:serviceaccount:production:app-sa']);
  assert.deepEqual(idx(c.events), [0, 0]);
});

test('Kinesis Data Streams Lambda event', () => {
  const c = decodeDocument('eks/kinesis-event.json');
  assert.deepEqual(counts(c.events), { eks: 3 });
  assert.ok(c.events.every((e) => e.cluster === 'prod-eu-1' && e.place.index === 0));
});

test('CloudWatch export to S3: timestamp-prefixed CRLF lines, truncated last line', () => {
  const c = decodeLines('eks/s3-export-000000.log');
  assert.deepEqual(counts(c.events), { eks: 3 });
  assert.deepEqual(c.events.map((e) => e.place.line), [1, 2, 3]);
  assert.equal(c.rejects.length, 1);
  assert.deepEqual(c.rejects[0]!.place, { file: 'eks/s3-export-000000.log', line: 4 });
  assert.equal(c.rejects[0]!.reason, 'after the timestamp prefix: invalid JSON: truncated record');
});

test('Firehose S3 object: concatenated DATA_MESSAGE documents on one line', () => {
  const c = decodeLines('eks/firehose-s3-object.log');
  assert.deepEqual(counts(c.events), { eks: 4 });
  assert.deepEqual(idx(c.events), [0, 0, 0, 1]);
  assert.ok(c.events.every((e) => e.cluster === 'prod-eu-1'));
});

test('bad log events are rejected one by one with their path; the rest decode', () => {
  const good = JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', verb: 'get', user: { username: 'u' } });
  const msg = {
    messageType: 'DATA_MESSAGE', logGroup: '/aws/eks/c1/cluster', logStream: 'kube-apiserver-audit-1',
    logEvents: [
      { id: '1', timestamp: 1, message: good },
      { id: '2', timestamp: 2, message: 'I0501 12:00:00 plain text' },
      { id: '3', timestamp: 3, message: good.slice(0, 30) },
      { id: '4', timestamp: 4, message: 42 },
      'not an object',
      { id: '6', timestamp: 6, message: '{"hello":"world"}' },
    ],
  };
  const c = decodeText(JSON.stringify(msg));
  assert.equal(c.events.length, 1);
  assert.deepEqual(
    c.rejects.map((r) => [r.place.index, r.reason]),
    [
      [1, 'logEvents[1].message: log event message is not a JSON object'],
      [2, 'logEvents[2].message: invalid JSON: truncated record'],
      [3, 'logEvents[3].message: missing or not a string'],
      [4, 'logEvents[4]: log event is not an object'],
      [5, 'logEvents[5].message: log event message is not an audit.k8s.io Event'],
    ],
  );
  const weird = decodeText(JSON.stringify({ ...msg, messageType: 'SOMETHING_ELSE' }));
  assert.equal(weird.rejects[0]!.reason, 'CloudWatch Logs messageType "SOMETHING_ELSE" is neither DATA_MESSAGE nor CONTROL_MESSAGE');
});

test('a gzip bomb in awslogs.data is rejected fast, without decompressing it all', () => {
  const bomb = gzipSync(Buffer.alloc(80 * 1024 * 1024), { level: 9 }).toString('base64');
  assert.ok(bomb.length < 200_000);
  const t = Date.now();
  const c = decodeText(JSON.stringify({ awslogs: { data: bomb } }));
  assert.ok(Date.now() - t < 2000);
  assert.equal(c.events.length, 0);
  assert.equal(c.rejects.length, 1);
  assert.match(c.rejects[0]!.reason, /^awslogs\.data: gzip payload larger than 67108864 bytes once decompressed \(possible gzip bomb\)$/);
});

test('--input-format eks labels raw events eks; the eks adapter does not claim raw events on its own', () => {
  const line = JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', verb: 'get', user: { username: 'u' } });
  assert.deepEqual(counts(decodeText(line).events), { raw: 1 });
  assert.deepEqual(counts(decodeText(line, { format: 'eks' }).events), { eks: 1 });
  assert.equal(eksAdapter.detect(JSON.parse(line)), false);
  const bad = decodeText('{"something":"else"}', { format: 'eks' });
  assert.match(bad.rejects[0]!.reason, /not an EKS CloudWatch Logs record/);
});

test('extracted messages with a non-JSON line: the other lines still decode', () => {
  const ev = (verb: string) => JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', verb, user: { username: 'u' } });
  const data = Buffer.from(`${ev('get')}\nI0501 12:00:00 plain text line\n${ev('list')}\n`).toString('base64');
  const c = decodeText(JSON.stringify({ invocationId: 'i', records: [{ recordId: 'r', data }] }));
  assert.deepEqual(c.events.map((e) => e.event.verb), ['get', 'list']);
  assert.deepEqual(c.rejects.map((r) => [r.place.index, r.reason]), [[0, 'records[0].data[1]: invalid JSON']]);
});
