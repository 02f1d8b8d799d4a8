// The optimised scan (prefilter, worker threads) against the unoptimised one
// (`--no-prefilter`, one thread) on generated logs and on logs made hostile on
// purpose: the alerts (as NDJSON, in order) and every count of the summary must
// be identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCluster, type GenerateOptions } from '../../bench/generate/index.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { DetectorSet, DETECTOR_IDS } from '../../src/detectors/detector-set.js';
import { DetectorState } from '../../src/detectors/state.js';
import { runScan, type ScanSummary } from '../../src/pipeline/scan.js';
import { loadRuleSet, type RuleSet } from '../../src/ruleset/load.js';
import { alertToNdjson } from '../../src/sinks/ndjson.js';
import { expandInputs } from '../../src/sources/inputs.js';
import { planPrefilter } from '../../src/pipeline/prefilter.js';
import { subjectFromDetector, subjectFromRule } from '../../src/coverage/subjects.js';
import { heldInvalidLine, rng } from '../helpers.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const FIXTURES = join(ROOT, 'test', 'fixtures', 'formats');
const SIGMAHQ = join(ROOT, '..', 'shared', 'sigma', 'kubernetes');

function generated(o: GenerateOptions): string[] {
  const out: string[] = [];
  for (const l of generateCluster(o)) out.push(l.line);
  return out;
}

/** Lines of the envelope fixtures of every format, each made a single line when it is one JSON document. */
function envelopeLines(): string[] {
  const out: string[] = [];
  for (const dir of readdirSync(FIXTURES)) {
    if (dir.endsWith('.mjs')) continue;
    for (const f of readdirSync(join(FIXTURES, dir))) {
      const text = readFileSync(join(FIXTURES, dir, f), 'utf8');
      try {
        out.push(JSON.stringify(JSON.parse(text)));
      } catch {
        out.push(...text.split('\n').filter((l) => l.trim() !== ''));
      }
    }
  }
  return out;
}

/** Change the case of a random quoted value. */
function recase(line: string, r: () => number): string {
  const spots = [...line.matchAll(/":"([a-z][a-z:-]{2,40})"/g)];
  if (spots.length === 0) return line;
  const m = spots[Math.floor(r() * spots.length)]!;
  const v = m[1]!;
  const nv = r() < 0.5 ? v.toUpperCase() : v.replace(/[a-z]/g, (c) => (r() < 0.5 ? c.toUpperCase() : c));
  return line.slice(0, m.index! + 3) + nv + line.slice(m.index! + 3 + v.length);
}

/** Write some characters of a random string (key or value) as \u escapes. */
function escape(line: string, r: () => number): string {
  const spots = [...line.matchAll(/"([A-Za-z][A-Za-z0-9.:/_-]{2,60})"/g)];
  if (spots.length === 0) return line;
  const m = spots[Math.floor(r() * spots.length)]!;
  const v = m[1]!;
  const nv = [...v].map((c) => (r() < 0.3 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c === '/' && r() < 0.3 ? '\\/' : c)).join('');
  return line.slice(0, m.index! + 1) + nv + line.slice(m.index! + 1 + v.length);
}

function shuffleKeys(line: string, r: () => number): string {
  const ev = JSON.parse(line) as Record<string, unknown>;
  const keys = Object.keys(ev).sort(() => r() - 0.5);
  const o: Record<string, unknown> = {};
  for (const k of keys) o[k] = ev[k];
  return JSON.stringify(o);
}

const GARBAGE = ['this is not json', '{not json}', '[1,2,3]', '{"kind":"Event"', '   ', '2026-03-02T08:00:00.000Z {"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"get","auditID":"ts1","stage":"ResponseComplete"}', '{}', 'null', '{"verb":5}'];

/** A generated log with every kind of trouble mixed in (deterministic for a seed). */
function hostile(lines: string[], seed: number): string[] {
  const r = rng(seed);
  const env = envelopeLines();
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i]!;
    const x = r();
    if (x < 0.04) l = recase(l, r);
    else if (x < 0.08) l = escape(l, r);
    else if (x < 0.09) l = JSON.stringify(JSON.parse(l), null, 2); // a pretty-printed event: several lines
    else if (x < 0.10) l = shuffleKeys(l, r);
    else if (x < 0.105) l = l + l; // two events on one line
    else if (x < 0.11) l = l.replace('{', '{"records":[],'); // an envelope key
    else if (x < 0.115) l = l.replace(/"verb":"[^"]*",/, ''); // no verb: rejected
    else if (x < 0.12) l = l.replace(/"stage":"[^"]*"/, '"stage":7'); // a stage that is not a string
    else if (x < 0.125) l = l.replace(/"auditID":"[^"]*"/, '"auditID":""');
    else if (x < 0.13) l = l.replace(/"user":\{"username":"[^"]*"/, '"user":{"username":"system:serviceaccount:default:intruder"');
    else if (x < 0.135) l = l.slice(0, Math.floor(r() * l.length)); // cut short
    else if (x < 0.14) l = l + '\r';
    else if (x < 0.145 && i > 20) l = l.replace(/"auditID":"[^"]*"/, (lines[i - 1 - Math.floor(r() * 20)]!.match(/"auditID":"[^"]*"/) ?? [''])[0]); // another request's auditID
    else if (x < 0.15) l = l.replace(/"requestReceivedTimestamp":"[^"]*",/, ''); // no requestReceivedTimestamp
    if (r() < 0.01) out.push(env[Math.floor(r() * env.length)]!);
    if (r() < 0.005) out.push(GARBAGE[Math.floor(r() * GARBAGE.length)]!);
    if (r() < 0.01 && i > 5) out.push(lines[i - 1 - Math.floor(r() * 5)]!); // a stage again, late
    if (r() < 0.003) out.push(JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: lines.slice(i, i + 3).map((s) => JSON.parse(s)) }));
    out.push(l);
  }
  return out;
}

interface Run {
  alerts: string;
  summary: ScanSummary;
  /** what the detectors learned of the cluster (nodes, pods, token Secrets, networks), entries in order */
  learned: string;
}

const LEARNED_MAPS = ['nodes', 'nodeByIp', 'networks', 'pods', 'podByIp', 'tokenSecrets'];

async function scan(paths: string[], set: RuleSet, cfg: Config, o: { prefilter: boolean; workers: number; detectors: boolean; blockBytes?: number; coverage?: boolean }): Promise<Run> {
  const inputs = await expandInputs(paths);
  const state = new DetectorState();
  const detectors = o.detectors ? new DetectorSet(state, { controllers: cfg.detectors?.secret_readers }) : undefined;
  let alerts = '';
  const subjects = [...set.rules.map(subjectFromRule), ...(detectors?.detectors ?? []).map((d) => subjectFromDetector(d))];
  const summary = await runScan({
    coverage: o.coverage === false ? undefined : { subjects },
    inputs,
    rules: set.rules,
    decode: { cluster: cfg.cluster },
    longLivedSeconds: cfg.long_lived_seconds,
    detectors,
    detectorFilters: set.detectorFilters,
    correlations: set.correlations,
    correlationRefs: set.correlationRefs,
    silent: set.silent,
    onAlert: (a) => {
      alerts += alertToNdjson(a);
    },
    prefilter: o.prefilter,
    workers: o.workers,
    blockBytes: o.blockBytes,
    parallelMinBytes: 0,
  });
  const maps = state.maps();
  const learned = JSON.stringify(LEARNED_MAPS.map((k) => [k, [...maps[k]!.entries()]]));
  return { alerts, summary, learned };
}

/**
 * The parts of the coverage report that are exact whatever the path: counts,
 * time, gaps, verbs, resources, TokenRequests, reads, warnings and verdicts.
 * (Levels, stages and credential-id shares are estimated from a sample, and
 * the optimised path samples the lines it skips more sparsely.)
 */
function exactCoverage(s: ScanSummary): unknown {
  const r = s.coverage;
  if (!r) return null;
  return {
    sources: r.sources.map((x) => ({ source: x.source, events: x.events, time: x.time, verbs: x.verbs, resources: x.resources, kinds: x.resource_kinds, mints: x.token_requests.count, requests: x.token_requests.requests, reads: x.reads, warnings: x.warnings })),
    subjects: r.subjects.map((x) => ({ id: x.id, could_fire: x.could_fire })),
  };
}

function counts(s: ScanSummary): Record<string, unknown> {
  return {
    files: s.files,
    bytes: s.bytes,
    records: s.records,
    events: s.events,
    rejected: s.rejected,
    empty: s.empty,
    alerts: s.alerts,
    by_rule: s.by_rule,
    by_format: s.by_format,
    suppressed: s.suppressed,
    redacted_values: s.redacted_values,
    duplicate_stages: s.duplicate_stages,
    rejections: s.rejections,
    input_errors: s.input_errors,
    correlation_stats: s.correlation_stats,
  };
}

async function differential(name: string, files: Record<string, string[]>, set: RuleSet, cfg: Config, detectors: boolean, expect: { lazy?: boolean; node?: boolean; fact?: boolean } = {}): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tw-diff-'));
  const paths = Object.entries(files).map(([f, lines]) => {
    const p = join(dir, f);
    writeFileSync(p, (f.startsWith('bom') ? '\ufeff' : '') + lines.join('\n') + '\n');
    return p;
  });
  const ref = await scan(paths, set, cfg, { prefilter: false, workers: 1, detectors });
  assert.ok(ref.summary.events > 0, `${name}: the log has events`);
  assert.ok(ref.summary.coverage && ref.summary.coverage.sources.length > 0, `${name}: a coverage report`);
  const variants = [
    { label: 'prefilter, 1 thread, no coverage report', prefilter: true, workers: 1, coverage: false },
    { label: 'prefilter, 1 thread', prefilter: true, workers: 1 },
    { label: 'prefilter, 2 threads, 64 KiB blocks', prefilter: true, workers: 2, blockBytes: 64 << 10 },
    { label: 'prefilter, 3 threads, 8 KiB blocks', prefilter: true, workers: 3, blockBytes: 8 << 10 },
  ];
  for (const v of variants) {
    const got = await scan(paths, set, cfg, { ...v, detectors });
    assert.equal(got.alerts, ref.alerts, `${name} (${v.label}): alerts differ`);
    assert.equal(got.learned, ref.learned, `${name} (${v.label}): what the detectors learned of the cluster differs`);
    assert.deepEqual(counts(got.summary), counts(ref.summary), `${name} (${v.label}): summary differs`);
    if (v.coverage !== false) assert.deepEqual(exactCoverage(got.summary), exactCoverage(ref.summary), `${name} (${v.label}): coverage differs`);
    assert.match(String(got.summary.engine?.prefilter), /^on|^off/);
    if (process.env.TW_DIFF_DEBUG) process.stderr.write(`${name} (${v.label}): ${ref.summary.alerts} alerts, ${ref.summary.events} events, engine ${JSON.stringify(got.summary.engine)}\n`);
    if (v.workers > 1 && got.summary.engine?.prefilter === 'on') assert.equal(got.summary.engine.workers, v.workers, `${name}: threads used`);
    // with the detectors, preliminary stages are held unread (and read when their final stage never comes)
    if (detectors && expect.lazy) assert.ok((got.summary.engine?.lazy_lines ?? 0) > 0, `${name} (${v.label}): no line was held unread`);
    if (detectors && expect.node) assert.ok((got.summary.engine?.node_lines ?? 0) > 0, `${name} (${v.label}): no node's request was read from its bytes`);
    if (detectors && expect.fact) assert.ok((got.summary.engine?.fact_lines ?? 0) > 0, `${name} (${v.label}): no plain request was read from its bytes`);
  }
}

let builtin: RuleSet | undefined;
const builtinRules = () => (builtin ??= loadRuleSet({ builtin: true, config: {}, detectorIds: DETECTOR_IDS }));

test('the prefilter is on for the built-in rules, with and without the detectors', () => {
  const set = builtinRules();
  for (const detectors of [false, true]) {
    const p = planPrefilter(set.rules, { detectors });
    assert.ok('plan' in p, 'off' in p ? p.off : '');
  }
});

test('generated logs, built-in rules: stateless and with the detectors', async () => {
  const lines = generated({ seed: 7, events: 4000, eventsPerSecond: 40 });
  await differential('generated', { 'audit.log': lines }, builtinRules(), {}, false);
  await differential('generated+detectors', { 'audit.log': lines }, builtinRules(), {}, true, { lazy: true, node: true, fact: true });
});

test('generated logs in every shape: no RequestReceived, no JTI, RequestResponse level, no ResponseComplete', async () => {
  const a = generated({ seed: 11, events: 2500, omitStages: ['RequestReceived'], eventsPerSecond: 20 });
  const b = generated({ seed: 12, events: 2500, jti: false, tokenRequestLevel: 'RequestResponse', secretLevel: 'RequestResponse', eventsPerSecond: 20 });
  await differential('shapes', { 'a.log': a, 'b.log': b }, builtinRules(), {}, true);
  // a policy without final stages: every held preliminary stage is read again and judged
  const c = generated({ seed: 13, events: 2500, eventsPerSecond: 20 }).filter((l) => !l.includes('"stage":"ResponseComplete"'));
  await differential('no final stages', { 'c.log': c }, builtinRules(), {}, true, { lazy: true });
  await differential('shapes, stateless', { 'a.log': a, 'b.log': b }, builtinRules(), {}, false);
});

test('hostile logs: case changes, escapes, pretty-printed events, envelopes, garbage, duplicates', async () => {
  const lines = hostile(generated({ seed: 21, events: 3000, tokenRequestLevel: 'RequestResponse', eventsPerSecond: 20 }), 21);
  await differential('hostile', { 'bom-hostile.log': lines }, builtinRules(), {}, false);
  await differential('hostile+detectors', { 'bom-hostile.log': lines }, builtinRules(), {}, true);
});

/**
 * The lines of a log in which every TokenRequest takes the auditID of a request
 * that ended before it: what a client that sets its own `Audit-ID` header can
 * make the API server write.
 */
function reusingAuditIDs(lines: string[]): string[] {
  const done: string[] = [];
  const given = new Map<string, string>();
  return lines.map((l) => {
    const id = /"auditID":"([^"]*)"/.exec(l)![1]!;
    if (!l.includes('"subresource":"token"')) {
      if (l.includes('"stage":"ResponseComplete"')) done.push(id);
      return l;
    }
    if (!given.has(id) && done.length > 0) given.set(id, done[done.length - 1]!);
    const reused = given.get(id);
    return reused === undefined ? l : l.replace(`"auditID":"${id}"`, `"auditID":"${reused}"`);
  });
}

test("a request that reuses an earlier request's auditID (a client sets Audit-ID) is judged as its own, on every path", async () => {
  const lines = generated({ seed: 31, events: 3000, eventsPerSecond: 20 });
  const reused = reusingAuditIDs(lines);
  assert.ok(reused.filter((l, i) => l !== lines[i]).length >= 40, 'TokenRequests given earlier auditIDs');
  const dir = mkdtempSync(join(tmpdir(), 'tw-reuse-'));
  const write = (f: string, ls: string[]) => {
    const p = join(dir, f);
    writeFileSync(p, ls.join('\n') + '\n');
    return p;
  };
  for (const detectors of [false, true]) {
    const a = await scan([write('original.log', lines)], builtinRules(), {}, { prefilter: false, workers: 1, detectors });
    const b = await scan([write('reused.log', reused)], builtinRules(), {}, { prefilter: false, workers: 1, detectors });
    // the same alerts, rule by rule, and no stage taken for another request's duplicate
    assert.ok(a.summary.alerts > 0);
    assert.deepEqual(b.summary.by_rule, a.summary.by_rule, `detectors ${detectors}`);
    assert.equal(b.summary.duplicate_stages, a.summary.duplicate_stages, `detectors ${detectors}`);
  }
  await differential('reused auditIDs', { 'reused.log': reused }, builtinRules(), {}, false);
  await differential('reused auditIDs+detectors', { 'reused.log': reused }, builtinRules(), {}, true, { lazy: true, node: true, fact: true });
});

test('a configuration with allow-lists and the SigmaHQ rule pack', async () => {
  const cfgFile = join(mkdtempSync(join(tmpdir(), 'tw-cfg-')), 'tokenwatch.yaml');
  writeFileSync(cfgFile, readFileSync(join(ROOT, 'examples', 'tokenwatch.yaml'), 'utf8') + '\ncluster: diff-cluster\n');
  const cfg = loadConfig(cfgFile);
  const lines = hostile(generated({ seed: 31, events: 2500, eventsPerSecond: 20 }), 31);
  const withConfig = loadRuleSet({ builtin: true, config: cfg, detectorIds: DETECTOR_IDS });
  await differential('config', { 'audit.log': lines }, withConfig, cfg, true);
  const sigmahq = loadRuleSet({ builtin: true, ruleDirs: [SIGMAHQ], config: cfg, detectorIds: DETECTOR_IDS });
  assert.ok(sigmahq.rules.length > withConfig.rules.length, 'the SigmaHQ pack loads');
  await differential('sigmahq', { 'audit.log': lines }, sigmahq, cfg, false);
});

test('case-insensitive, prefix and keyword rules on a hostile log (recased values, escapes)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-rules-'));
  const rule = (id: string, name: string, detection: string) =>
    `title: ${name}\nid: ${id}\nname: ${name}\nlogsource:\n  product: kubernetes\n  service: audit\ndetection:\n${detection}\nlevel: medium\n`;
  writeFileSync(join(dir, 'a.yml'), rule('aaaaaaaa-0000-4000-8000-000000000001', 'sa-token-any-case', '  sel:\n    objectRef.resource: serviceaccounts\n    objectRef.subresource: token\n  condition: sel'));
  writeFileSync(join(dir, 'b.yml'), rule('aaaaaaaa-0000-4000-8000-000000000002', 'kube-system-sa', "  sel:\n    user.username|startswith: 'system:serviceaccount:kube-system:'\n    verb: delete\n  condition: sel"));
  writeFileSync(join(dir, 'c.yml'), rule('aaaaaaaa-0000-4000-8000-000000000003', 'keyword-intruder', '  keywords:\n    - intruder\n  condition: keywords'));
  writeFileSync(join(dir, 'd.yml'), rule('aaaaaaaa-0000-4000-8000-000000000004', 'secret-list', '  sel:\n    objectRef.resource: secrets\n    verb:\n      - list\n      - watch\n  condition: sel'));
  const set = loadRuleSet({ builtin: false, ruleDirs: [dir], config: {}, detectorIds: DETECTOR_IDS });
  assert.deepEqual(set.errors, []);
  assert.ok('plan' in planPrefilter(set.rules, { detectors: false }));
  const lines = hostile(generated({ seed: 41, events: 3000, eventsPerSecond: 20 }), 41);
  await differential('custom', { 'audit.log': lines }, set, {}, false);
  await differential('custom+detectors', { 'audit.log': lines }, set, {}, true);
});

test('a held preliminary stage that turns out not to be valid JSON is counted, never observed (the prefilter limit, prefilter.ts)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-lazy-'));
  const p = join(dir, 'held.log');
  writeFileSync(p, heldInvalidLine() + '\n');
  const set = builtinRules();
  const ref = await scan([p], set, {}, { prefilter: false, workers: 1, detectors: true });
  assert.equal(ref.summary.rejected, 1);
  const got = await scan([p], set, {}, { prefilter: true, workers: 1, detectors: true });
  assert.equal(got.summary.engine?.lazy_lines, 1);
  assert.equal(got.summary.events, 1);
  assert.equal(got.summary.lazy_unreadable, 1);
  assert.equal(got.alerts, '');
});

test("nodes' requests read from their bytes, in every shape of user the reader must handle or leave to the parser", async () => {
  const node = (i: number, user: Record<string, unknown>, extra: Record<string, unknown> = {}, ips: string[] = [`10.0.${i % 7}.${i % 250}`]) => {
    const t = `2026-03-02T08:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000000Z`;
    return JSON.stringify({
      kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: `0000${String(i).padStart(4, '0')}-1111-4222-8333-444444444444`, stage: 'ResponseComplete',
      requestURI: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n', verb: 'update', user, ...extra, sourceIPs: ips, userAgent: 'kubelet/v1.31.2',
      objectRef: { resource: 'leases', namespace: 'kube-node-lease', name: `n${i % 5}`, apiGroup: 'coordination.k8s.io', apiVersion: 'v1' }, responseStatus: { metadata: {}, code: 200 },
      requestReceivedTimestamp: t, stageTimestamp: t, annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' },
    });
  };
  const name = (i: number) => `system:node:ip-10-0-${i % 5}-1.internal`;
  const lines: string[] = [];
  for (let i = 0; i < 400; i++) {
    const u = name(i);
    const shapes = [
      { username: u, groups: ['system:nodes', 'system:authenticated'], extra: { 'authentication.kubernetes.io/credential-id': ['X509SHA256=ab'] } },
      { username: u, groups: ['system:authenticated'] },
      { username: u },
      { username: u, uid: 'u-1', groups: ['system:nodes'], extra: { a: [], b: ['x', 'y'] } },
      { username: u, groups: [] },
      { username: u.replace('ip-', 'ip\\u002d'), groups: ['system:nodes'] },
      { username: u, groups: ['system:nodes'], extra: {} },
    ];
    const shape = shapes[i % shapes.length]!;
    if (i % 11 === 0) lines.push(node(i, shape, { impersonatedUser: { username: 'admin' } }));
    else if (i % 13 === 0) lines.push(node(i, shape, {}, []));
    else if (i % 17 === 0) lines.push(node(i, shape, {}, ['192.0.2.1', `10.9.${i % 3}.1`]));
    else lines.push(node(i, shape));
  }
  // escapes written by hand: JSON.stringify would double the backslash
  const fixed = lines.map((l) => l.replace('ip\\\\u002d', 'ip\\u002d'));
  await differential('node shapes', { 'nodes.log': fixed }, builtinRules(), {}, true, { node: true });
});

test("plain requests read from their bytes (FactReader), in every shape the reader must follow or leave to the parser", async () => {
  const r = rng(77);
  const edits: ((ev: Record<string, unknown>) => string)[] = [
    (ev) => JSON.stringify({ ...ev, userAgent: null }),
    (ev) => JSON.stringify({ ...ev, responseStatus: { code: '403' } }),
    (ev) => JSON.stringify({ ...ev, sourceIPs: ['192.0.2.77', ...(ev.sourceIPs as string[])] }),
    (ev) => JSON.stringify({ ...ev, sourceIPs: [...(ev.sourceIPs as string[]), '198.51.100.9'] }),
    (ev) => JSON.stringify({ ...ev, impersonatedUser: { username: 'system:admin' } }),
    (ev) => JSON.stringify({ ...ev, annotations: { ...(ev.annotations as object), 'authentication.k8s.io/legacy-token': 'x:y' } }),
    (ev) => JSON.stringify({ ...ev, annotations: {} }),
    (ev) => JSON.stringify({ ...ev, p_log_type: 'Amazon.EKS.Audit', requestObject: { spec: { a: [1, 2.5, true, null] } } }),
    (ev) => JSON.stringify(ev).replace(/"authentication.kubernetes.io\/credential-id":\[("[^"]*")\]/, '"authentication.kubernetes.io/credential-id":$1'),
    (ev) => JSON.stringify(ev).replace(/"user":\{/, '"user":{"username":"system:serviceaccount:default:decoy",'),
    (ev) => JSON.stringify(ev).replace(/"code":(\d+)/, '"code":$1,"code":500'),
    (ev) => JSON.stringify(ev).replace(/"objectRef":\{/, '"objectRef":{"namespace":"other",'),
    (ev) => JSON.stringify(ev).replace(/"userAgent":"/, '"userAgent":"\\u0041'),
    (ev) => JSON.stringify({ ...ev, user: { ...(ev.user as object), groups: ['system:nodes'] } }),
  ];
  const lines = generated({ seed: 17, events: 3000, eventsPerSecond: 20 }).map((l) => {
    if (!l.includes('"stage":"ResponseComplete"') || !l.includes('"username":"system:serviceaccount:') || r() < 0.5) return l;
    return edits[Math.floor(r() * edits.length)]!(JSON.parse(l) as Record<string, unknown>);
  });
  await differential('plain shapes', { 'plain.log': lines }, builtinRules(), {}, true, { fact: true, lazy: true });
});
