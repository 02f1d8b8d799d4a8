// The other ways events reach the collector: heads of lines the scan does
// not parse (the prefilter's skipped lines), and worker threads' snapshots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateCluster } from '../../bench/generate/index.js';
import { CoverageCollector } from '../../src/coverage/collector.js';
import { headOf, rawHead } from '../../src/coverage/head.js';
import type { CoverageReport } from '../../src/coverage/report.js';
import { redactEvent } from '../../src/event/redact.js';
import type { AuditEvent, EventRecord } from '../../src/event/types.js';
import { BUILTIN_SUBJECTS, DETECTORS } from './helpers.js';

const SUBJECTS = [...BUILTIN_SUBJECTS, ...DETECTORS];

function lines(opts = {}): string[] {
  return [...generateCluster({ events: 12_000, seed: 3, ...opts }).lines()];
}

const rec = (line: string, n: number, file = 'a.log'): EventRecord => {
  const event = JSON.parse(line) as AuditEvent;
  redactEvent(event);
  return { event, source: { file, line: n, format: 'raw' } };
};

/** The report without what sampling makes approximate: verdicts and reasons, and the exact per-source facts. */
function essentials(r: CoverageReport) {
  return {
    subjects: r.subjects.map((s) => [s.id, s.could_fire, s.reason]),
    sources: r.sources.map((s) => ({ source: s.source, events: s.events, time: s.time, resources: s.resources, verbs: s.verbs, token_requests: s.token_requests, reads: s.reads, warnings: s.warnings })),
  };
}

test('headOf reads verb, resource, subresource and time as the API server writes them', () => {
  const sample = lines().filter((_, i) => i % 37 === 0);
  for (const l of sample) {
    const ev = JSON.parse(l) as AuditEvent;
    const h = headOf(l)!;
    assert.ok(h, l.slice(0, 200));
    assert.equal(h.verb, ev.verb);
    assert.equal(h.resource, ev.objectRef?.resource);
    assert.equal(h.subresource, ev.objectRef?.subresource);
    assert.equal(h.time, ev.requestReceivedTimestamp ?? ev.stageTimestamp, 'the event time (eventTime)');
    assert.equal(h.body, ev.requestObject !== undefined || ev.responseObject !== undefined);
  }
  const buf = Buffer.from(`xx\n${sample[0]}\nyy`);
  assert.deepEqual(rawHead(buf, 3, 3 + Buffer.byteLength(sample[0]!)), headOf(sample[0]!));
});

test('headOf: a nested objectRef is not the event\'s; escapes and odd shapes give null, so the line is parsed', () => {
  const nested = '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"a","stage":"ResponseComplete","requestURI":"/healthz","verb":"get","user":{"username":"u"},"responseStatus":{"code":200},"requestObject":{"x":{"objectRef":{"resource":"secrets"}}},"requestReceivedTimestamp":"2026-03-02T08:00:00.000001Z","stageTimestamp":"2026-03-02T08:00:00.000002Z"}';
  assert.deepEqual(headOf(nested), { verb: 'get', body: true, time: '2026-03-02T08:00:00.000001Z' });
  const escapedName = '{"kind":"Event","verb":"get","objectRef":{"resource":"pods","namespace":"a","name":"we\\"ird","subresource":"log"},"stageTimestamp":"2026-03-02T08:00:00Z"}';
  assert.deepEqual(headOf(escapedName), { verb: 'get', body: false, resource: 'pods', subresource: 'log', time: '2026-03-02T08:00:00Z' });
  assert.equal(headOf('{"kind":"Event","verb":"get","objectRef":{"resource":"po\\u0064s"}}'), null);
  assert.equal(headOf('{"kind":"Event","verb":"get","objectRef":{"resource":1}}'), null);
  assert.equal(headOf('{"kind":"Event"}'), null);
});

test('heads and full events give the same verdicts and the same exact facts', () => {
  const ls = lines({ tokenRequestLevel: 'Metadata', secretLevel: 'RequestResponse' });
  const full = new CoverageCollector();
  ls.forEach((l, i) => full.observe(rec(l, i + 1)));
  // the scan parses only what the prefilter keeps: here every other line, and what the collector asks for
  const heads = new CoverageCollector();
  let parsed = 0;
  ls.forEach((l, i) => {
    if (i % 2 === 0) {
      heads.observe(rec(l, i + 1));
      return;
    }
    if (heads.observeHead('a.log', undefined, headOf(l)!)) {
      parsed++;
      heads.inspect(rec(l, i + 1));
    }
  });
  assert.ok(parsed < ls.length / 4, `parsed ${parsed} of ${ls.length / 2} skipped lines`);
  assert.deepEqual(essentials(heads.report(SUBJECTS)), essentials(full.report(SUBJECTS)));
});

test('worker snapshots merged give the report of one collector', () => {
  const ls = lines({ jti: false });
  const one = new CoverageCollector();
  ls.forEach((l, i) => one.observe(rec(l, i + 1, i < 9000 ? 'a.log' : 'b.log')));
  const parts = [new CoverageCollector(), new CoverageCollector(), new CoverageCollector()];
  ls.forEach((l, i) => parts[Math.floor(i / 4000)]!.observe(rec(l, i + 1, i < 9000 ? 'a.log' : 'b.log')));
  const main = new CoverageCollector();
  for (const p of parts) main.merge(JSON.parse(JSON.stringify(p.snapshot())));
  const a = essentials(one.report(SUBJECTS));
  const b = essentials(main.report(SUBJECTS));
  assert.deepEqual(b, a);
  // merging into a collector that observed on its own adds up too
  const own = new CoverageCollector();
  ls.slice(0, 4000).forEach((l, i) => own.observe(rec(l, i + 1, 'a.log')));
  own.merge(parts[1]!.snapshot());
  own.merge(parts[2]!.snapshot());
  assert.deepEqual(essentials(own.report(SUBJECTS)), a);
});

test('observeEvent (from the decoder\'s parts) and observe (from the record) observe the same', () => {
  const ls = lines({ secretLevel: 'RequestResponse' });
  const a = new CoverageCollector();
  const b = new CoverageCollector();
  ls.forEach((l, i) => {
    const r = rec(l, i + 1, i < 6000 ? 'a.log' : 'b.log');
    a.observe(r);
    b.observeEvent(r.event, r.source.file, r.source.line, r.source.format);
  });
  assert.deepEqual(b.report(SUBJECTS), a.report(SUBJECTS));
  const c = new CoverageCollector();
  c.observeEvent({ verb: 'get' }, 'x.log', 1, 'eks', 'prod');
  c.observe({ event: { verb: 'get' }, source: { file: 'y.log', line: 1, format: 'eks', cluster: 'prod' } });
  assert.deepEqual(c.report([]).sources.map((s) => [s.source, s.events]), [['prod', 2]]);
});
