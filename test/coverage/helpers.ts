/** Shared by the coverage tests: generated logs made blind in one way, and example detector subjects. */
import { generateCluster, type GenerateOptions } from '../../bench/generate/index.js';
import { CoverageCollector, type CoverageOptions } from '../../src/coverage/collector.js';
import { CREDENTIAL_ID, NODE_NAME, POD_NAME, TOKEN_REQUESTS, type Needs } from '../../src/coverage/needs.js';
import type { CoverageReport, CoverageSubject } from '../../src/coverage/report.js';
import { subjectFromRule } from '../../src/coverage/subjects.js';
import { redactEvent } from '../../src/event/redact.js';
import type { AuditEvent, EventRecord } from '../../src/event/types.js';
import { loadRuleSet } from '../../src/ruleset/load.js';

export const BUILTIN = loadRuleSet({ builtin: true }).rules.filter((r) => r.builtin);
export const BUILTIN_SUBJECTS = BUILTIN.map(subjectFromRule);

/** Detectors as the stateful-detector module will declare them: plain data of the Needs type. */
export const MINT_TO_USE: CoverageSubject = {
  id: 'minted-token-used',
  title: 'A minted token used from elsewhere',
  kind: 'detector',
  needs: [
    { events: TOKEN_REQUESTS, reason: 'no TokenRequests: nothing to link' },
    { extra: CREDENTIAL_ID, prefix: 'JTI=', reason: 'no credential ids: mint-to-use linking is off' },
    {
      field: ['annotations.authentication.kubernetes.io/issued-credential-id', 'annotations.authentication.k8s.io/issued-credential-id'],
      on: TOKEN_REQUESTS,
      reason: 'TokenRequests carry no issued credential id: mint-to-use linking is off',
    },
  ] satisfies Needs,
};

export const OFF_NODE: CoverageSubject = {
  id: 'bound-token-off-node',
  title: 'A pod-bound token used away from its node',
  kind: 'detector',
  needs: [
    { extra: POD_NAME, reason: 'no pod-name extras: tokens cannot be tied to pods' },
    { extra: NODE_NAME, reason: 'no node-name extras: tokens cannot be tied to nodes' },
    { events: { resources: ['pods', 'pods/binding'] }, reason: 'no pod events: pods cannot be followed to their nodes' },
  ],
};

export const SECRET_READS: CoverageSubject = {
  id: 'secret-read-burst',
  title: 'Unusual reads of secrets',
  kind: 'detector',
  needs: [{ events: { verbs: ['get', 'list'], resources: ['secrets'] }, reason: 'no get/list of secrets: secret reads cannot be counted' }],
};

export const DETECTORS = [MINT_TO_USE, OFF_NODE, SECRET_READS];

export interface Scenario {
  gen?: GenerateOptions;
  /** rewrite or drop (return null) each generated event, after redaction */
  transform?(ev: AuditEvent): AuditEvent | null;
  format?: string;
  cluster?: string;
  file?: string;
  cov?: CoverageOptions;
}

export function records(s: Scenario): EventRecord[] {
  const out: EventRecord[] = [];
  let line = 0;
  for (const g of generateCluster({ events: 12_000, seed: 7, ...s.gen })) {
    line++;
    const ev = g.event;
    redactEvent(ev);
    const t = s.transform ? s.transform(ev) : ev;
    if (t === null) continue;
    const source: EventRecord['source'] = { file: s.file ?? 'generated.log', line, format: s.format ?? 'raw' };
    if (s.cluster) source.cluster = s.cluster;
    out.push({ event: t, source });
  }
  return out;
}

export function observeAll(recs: EventRecord[], c = new CoverageCollector()): CoverageCollector {
  for (const r of recs) c.observe(r);
  return c;
}

export function reportOf(s: Scenario, subjects: CoverageSubject[] = [...BUILTIN_SUBJECTS, ...DETECTORS]): CoverageReport {
  return observeAll(records(s), new CoverageCollector(s.cov)).report(subjects);
}

export function verdicts(r: CoverageReport): Record<string, string> {
  return Object.fromEntries(r.subjects.map((x) => [x.id, x.could_fire]));
}

export function reasonOf(r: CoverageReport, id: string): string | undefined {
  return r.subjects.find((x) => x.id === id)?.reason;
}

const READS = new Set(['get', 'list']);

/** What the GKE adapter yields for a cluster with the default GKE policy: no TokenRequest creates, no reads (Data Access off), secrets at Metadata, no level, stage, groups or extras. */
export function asGke(ev: AuditEvent): AuditEvent | null {
  const o = ev.objectRef;
  if (o?.resource === 'serviceaccounts' && o.subresource === 'token' && ev.verb === 'create') return null;
  if (READS.has(ev.verb ?? '') || ev.verb === 'watch') return null;
  if (ev.stage === 'RequestReceived' || ev.stage === 'ResponseStarted') return null;
  if (o?.resource === 'secrets' || o?.resource === 'configmaps') {
    delete ev.requestObject;
    delete ev.responseObject;
  }
  delete ev.level;
  delete ev.stage;
  delete ev.stageTimestamp;
  if (ev.user) {
    delete ev.user.groups;
    delete ev.user.extra;
  }
  return ev;
}

/** AKS kube-audit-admin: everything but get and list. */
export function asAksAdmin(ev: AuditEvent): AuditEvent | null {
  return READS.has(ev.verb ?? '') ? null : ev;
}
