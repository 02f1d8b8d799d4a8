import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoverageCollector } from '../../src/coverage/collector.js';
import { renderCoverage } from '../../src/coverage/render-text.js';
import { makeStyle } from '../../src/sinks/style.js';
import { asGke, BUILTIN_SUBJECTS, DETECTORS, observeAll, records } from './helpers.js';

const plain = makeStyle(false);

test('the terminal section: per source what the log shows, then one line per rule and detector', () => {
  const recs = [...records({ gen: { tokenRequestLevel: 'Metadata', jti: false, secretLevel: 'RequestResponse' }, cluster: 'old' }), ...records({ transform: asGke, format: 'gke', cluster: 'gke-prod' })];
  const r = observeAll(recs).report([...BUILTIN_SUBJECTS, ...DETECTORS]);
  const text = renderCoverage(r, plain);
  assert.match(text, /^coverage: what these 2 sources show/);
  assert.match(text, /cluster old \(raw, [\d,]+ events\)/);
  assert.match(text, /tokens {4}[\d,]+ service-account requests: no credential ids \(JTI\); no pod\/node binding extras/);
  assert.match(text, /mints {5}[\d,]+ TokenRequests at Metadata; no request body \(lifetime not visible\), no issued credential ids/);
  assert.match(text, /! the log holds secret values: \d+ Secret event\(s\) logged with data/);
  assert.match(text, /cluster gke-prod \(gke/);
  assert.match(text, /levels {4}\(not recorded\) 100%/);
  assert.match(text, /reads {5}no get, list or watch at all/);
  assert.match(text, /could each rule and detector have fired on this input\?/);
  assert.match(text, /could not +minted-token-used +old: no credential ids: mint-to-use linking is off; Kubernetes 1\.30 or newer writes them \(and 1 more source\) \(detector\)/);
  assert.match(text, /partially +tokenrequest-non-system +could not on gke-prod: no TokenRequests/);
  // could-not first, then partially, then could fire
  const lines = text.split('\n').filter((l) => /^ {2}(could not|partially|could fire) /.test(l));
  const order = lines.map((l) => (l.startsWith('  could not') ? 0 : l.startsWith('  partially') ? 1 : 2));
  assert.equal(lines.length, BUILTIN_SUBJECTS.length + DETECTORS.length);
  assert.deepEqual(order, [...order].sort());
  assert.ok(!text.includes('\x1b['), 'no colour with a plain style');
  assert.ok(renderCoverage(r, makeStyle(true)).includes('\x1b['));
});

test('the summary JSON is plain data; many sources are summed up on the terminal', () => {
  const c = new CoverageCollector();
  for (let i = 0; i < 14; i++) c.observe({ event: { verb: 'get', stageTimestamp: '2026-03-02T08:00:00Z' }, source: { file: `logs/${i}.log`, line: 1, format: 'raw' } });
  c.observe({
    event: { verb: 'create', level: 'RequestResponse', objectRef: { resource: 'serviceaccounts', subresource: 'token' }, responseObject: { status: { token: '[REDACTED]' } } },
    source: { file: 'logs/13.log', line: 2, format: 'raw' },
  });
  const r = c.report(BUILTIN_SUBJECTS);
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
  const text = renderCoverage(r, plain, { maxSources: 3 });
  assert.match(text, /and 11 more sources \(12 events, 1 with credential warnings\): the summary JSON has them all/);
  assert.match(text, /! logs\/13\.log: the log holds minted service-account tokens/);
  assert.equal(text.split('\n').filter((l) => l.startsWith('  logs/')).length, 3);
  const onlyProblems = renderCoverage(r, plain, { all: false });
  assert.ok(!onlyProblems.includes('could fire '));
});

test('an empty scan says so', () => {
  const text = renderCoverage(new CoverageCollector().report(BUILTIN_SUBJECTS), plain);
  assert.match(text, /no events were read/);
  assert.match(text, /could not +tokenrequest-non-system +no events were read/);
});
