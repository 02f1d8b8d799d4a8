/**
 * Every line of every public sample in ../shared/corpus decodes to at least one event or a documented rejection,
 * with the formats each file is known to hold (PROVENANCE.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { assertTypes, collector, CORPUS, counts } from './helpers.js';
import { decodeRecord } from '../../src/formats/picker.js';

interface Expect {
  formats: Record<string, number>;
  /** Rejected lines and why (documented below). */
  rejected?: { lines: number[]; reason: string; why: string };
  /** Format of each line, when a file mixes formats. */
  perLine?: string[];
  clusters?: Record<number, string | undefined>;
}

const NO_VERB = 'audit event without a "verb"';
const EXPECTED: Record<string, Expect> = {
  'audit2rbac/demo_v1beta1.ndjson': { formats: { raw: 757 } },
  'elastic-integrations/ecs_expected.ndjson': { formats: { ecs: 1 }, clusters: { 1: 'TEST-CLUSTER' } },
  'elastic-integrations/ecs_sample_event.ndjson': { formats: { ecs: 1 } },
  'elastic-integrations/ecs_test-audit.log-expected.ndjson': { formats: { ecs: 4 }, clusters: { 4: 'test-cluster' } },
  'elastic-integrations/gcp_test-k8s-nonmatching-resourcename.log.ndjson': { formats: { gke: 1 }, clusters: { 1: 'example-cluster' } },
  'elastic-integrations/test-audit.log.ndjson': { formats: { raw: 3, gke: 1, aks: 1 }, perLine: ['raw', 'raw', 'raw', 'gke', 'aks'], clusters: { 4: 'test-cluster', 5: 'TEST-AKS' } },
  'elastic-integrations/test-kube-audit.log.ndjson': { formats: { aks: 1 } },
  'falco-regression/k8s_audit_traces.ndjson': { formats: { raw: 51 } },
  'gtrekter-hori/k3s_audit_excerpt.ndjson': { formats: { raw: 6 } },
  'panther-analysis/aks_kube_audit.ndjson': { formats: { aks: 34 } },
  'panther-analysis/eks_audit.ndjson': {
    formats: { raw: 177 },
    rejected: {
      lines: [1, 2, 4, 5, 6, 7, 25, 26, 27, 28, 29],
      reason: NO_VERB,
      why: "Panther's hand-written test logs for its anonymous-access and health-check rules leave out the verb, which every real audit event has",
    },
  },
  'panther-analysis/gke_cloud_audit.ndjson': {
    formats: { gke: 49 },
    rejected: {
      lines: [49, 50],
      reason: 'protoPayload.methodName names no Kubernetes verb',
      why: 'methodName "io.k8s.readyz" is hand-written: real GKE non-resource entries are io.k8s.<http method> (io.k8s.get of readyz); inventing the verb would be guessing',
    },
  },
  'stratus-red-team/docs_detection_samples.ndjson': {
    formats: {},
    rejected: {
      lines: [1, 2, 3, 4, 5],
      reason: NO_VERB,
      why: "Datadog-normalised partial events: Datadog moved the verb to http.method and dropped user and sourceIPs; they are not audit events any more",
    },
  },
};

function corpusFiles(): string[] {
  if (!existsSync(CORPUS)) return [];
  const out: string[] = [];
  for (const d of readdirSync(CORPUS).sort()) {
    const dir = join(CORPUS, d);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.ndjson')) out.push(`${d}/${f}`);
  }
  return out;
}

const files = corpusFiles();

test('the corpus is there', () => {
  assert.ok(files.length >= Object.keys(EXPECTED).length, `corpus not found at ${CORPUS}`);
});

let total = 0;
for (const rel of files) {
  test(`corpus ${rel}`, () => {
    const c = collector();
    const text = readFileSync(join(CORPUS, rel), 'utf8');
    const perLine: string[] = [];
    const clusters: Record<number, string | undefined> = {};
    text.split('\n').forEach((raw, i) => {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line.trim() === '') return;
      total++;
      const before = c.events.length + c.rejects.length;
      decodeRecord({ text: line, place: { file: rel, line: i + 1 } }, c.sink);
      assert.ok(c.events.length + c.rejects.length > before, `${rel}:${i + 1} yielded neither an event nor a rejection`);
      const last = c.events[c.events.length - 1];
      if (last && last.place.line === i + 1) {
        perLine.push(last.format);
        clusters[i + 1] = last.cluster;
      } else perLine.push('rejected');
    });
    for (const e of c.events) assert.equal(assertTypes(e), undefined, `${rel}:${e.place.line} bad type ${assertTypes(e)}`);
    const exp = EXPECTED[rel];
    if (!exp) return; // a corpus file added later: the invariant above still holds
    assert.deepEqual(counts(c.events), exp.formats);
    if (exp.rejected) {
      assert.deepEqual(c.rejects.map((r) => r.place.line), exp.rejected.lines, exp.rejected.why);
      for (const r of c.rejects) assert.equal(r.reason, exp.rejected.reason);
    } else {
      assert.deepEqual(c.rejects, []);
    }
    if (exp.perLine) assert.deepEqual(perLine, exp.perLine);
    for (const [line, cluster] of Object.entries(exp.clusters ?? {})) assert.equal(clusters[Number(line)], cluster, `${rel}:${line} cluster`);
  });
}

test('the corpus holds 1,105 events (PROVENANCE.md)', () => {
  assert.equal(total, 1105);
});

test('panther AKS records name their cluster when they carry a resourceId; Panther EKS and GKE decode as documented', () => {
  const aks = readFileSync(join(CORPUS, 'panther-analysis', 'aks_kube_audit.ndjson'), 'utf8').split('\n');
  const c = collector();
  decodeRecord({ text: aks[1]!, place: { file: 'aks', line: 2 } }, c.sink);
  assert.equal(c.events[0]!.cluster, 'cluster');
  assert.equal(c.events[0]!.event.annotations?.['authorization.k8s.io/decision'], 'allow');
  const gke = readFileSync(join(CORPUS, 'panther-analysis', 'gke_cloud_audit.ndjson'), 'utf8').split('\n');
  const g = collector();
  decodeRecord({ text: gke[4]!, place: { file: 'gke', line: 5 } }, g.sink);
  const e = g.events[0]!;
  assert.equal(e.format, 'gke');
  assert.equal(e.cluster, 'some-project-cluster');
  assert.deepEqual(e.event.objectRef, { resource: 'pods', namespace: 'default', name: 'test', apiVersion: 'v1' });
  assert.equal(e.event.user?.groups, undefined);
});
