/**
 * Elastic Common Schema documents of Elastic's Kubernetes integration, data stream `kubernetes.audit_logs`
 * (elastic/integrations packages/kubernetes/data_stream/audit_logs: fields.yml, ingest pipeline default.yml,
 * sample_event.json; ECS field reference at elastic.co/guide/en/ecs/current). The audit event sits under
 * `kubernetes.audit.*`; ECS copies sit beside it (`user.name`, `source.ip`, `user_agent.original`, `event.original`).
 *
 * The event is rebuilt from `kubernetes.audit.*`, because the pipeline changes it and may drop `event.original`:
 * - annotation keys lose their dots (`authorization_k8s_io/decision`): known prefixes are mapped back
 *   (ANNOTATION_PREFIXES below: authorization.k8s.io, authentication.kubernetes.io, authentication.k8s.io,
 *   audit.k8s.io, pod-security.kubernetes.io, mutation.webhook.admission.k8s.io, ...); the part after `/` and unknown
 *   keys are kept as they are (the pipeline's change cannot be undone for them).
 * - `requestObject.metadata` / `responseObject.metadata` are removed, empty strings dropped: they stay absent.
 * - `user.name` → `user.username` and `source.ip` → `sourceIPs` only when `kubernetes.audit` lacks them,
 *   `user_agent.original` → `userAgent` likewise.
 * - A GKE LogEntry ingested by the same integration keeps `kubernetes.audit.protoPayload` with the pipeline's
 *   renames (receiveTimestamp → requestReceivedTimestamp, timestamp → stageTimestamp, protoPayload.status.code →
 *   responseStatus.code, labels → annotations, insertId → auditID): the LogEntry is put back together and mapped
 *   by the GKE mapping (gke.ts), so GKE's limits and status mapping apply.
 * When `event.original` is present and decodes (raw Event, AKS record or GKE LogEntry) to exactly one event, that
 * event is used instead, as it is the unaltered original. Either way the output carries no ECS key and never the
 * `event.original` text. The format is `ecs`; the cluster is `orchestrator.cluster.name`, else what the original or
 * the AKS metadata (`kubernetes.audit.aks_metadata.resource_id`) names.
 *
 * Shapes: one `_source` document per line (NDJSON export, Filebeat file output), a search hit
 * `{"_index","_id","_source":{...}}`, a search response `{"hits":{"hits":[...]}}` (`place.index` = hit index), and
 * top-level keys written dotted (`"kubernetes.audit.verb": ...`) as some shippers send them.
 */
import { getOwn, isObject, parseJson, setOwn } from './json.js';
import { elementCtx, emit, fieldCtx, reject, skip } from './envelope.js';
import { aksAdapter, clusterFromResourceId } from './aks.js';
import { gkeAdapter, logEntryToEvent } from './gke.js';
import { rawAdapter } from './raw.js';
import type { Decoded, DecodeContext, DecodeSink, FormatAdapter } from './types.js';
import type { Rejection } from '../event/types.js';

/** Annotation-key prefixes (the part before `/`) restored from Elastic's dot-to-underscore rewrite. */
export const ANNOTATION_PREFIXES = [
  'authorization.k8s.io',
  'authentication.kubernetes.io',
  'authentication.k8s.io',
  'audit.k8s.io',
  'pod-security.kubernetes.io',
  'mutation.webhook.admission.k8s.io',
  'validation.policy.admission.k8s.io',
  'apiserver.latency.k8s.io',
  'imagepolicy.k8s.io',
  'missing-san.invalid-cert.kubernetes.io',
  'insecure-sha1.invalid-cert.kubernetes.io',
];
const RESTORE = new Map(ANNOTATION_PREFIXES.map((p) => [p.replace(/\./g, '_'), p]));

export function restoreAnnotationKey(key: string): string {
  const slash = key.indexOf('/');
  if (slash < 0) return key;
  const prefix = RESTORE.get(key.slice(0, slash));
  return prefix === undefined ? key : prefix + key.slice(slash);
}

const EVENT_FIELDS = [
  'kind', 'apiVersion', 'level', 'auditID', 'stage', 'requestURI', 'verb', 'user', 'impersonatedUser', 'sourceIPs',
  'userAgent', 'objectRef', 'responseStatus', 'requestObject', 'responseObject', 'requestReceivedTimestamp',
  'stageTimestamp', 'annotations',
] as const;

/** Expands top-level dotted keys (`kubernetes.audit.verb`) into nested objects; other keys are kept. */
function expandDotted(v: Record<string, unknown>): Record<string, unknown> {
  if (!Object.keys(v).some((k) => k.includes('.'))) return v;
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v)) {
    if (!k.includes('.')) {
      const prev = getOwn(out, k);
      setOwn(out, k, isObject(prev) && isObject(val) ? merge(prev, val, 4) : val);
      continue;
    }
    const segs = k.split('.');
    let node = out;
    for (let i = 0; i < segs.length - 1; i++) {
      const s = segs[i]!;
      if (!isObject(getOwn(node, s))) setOwn(node, s, {});
      node = getOwn(node, s) as Record<string, unknown>;
    }
    setOwn(node, segs[segs.length - 1]!, val);
  }
  return out;
}

/** Merges b into a copy of a, objects within objects down to `depth` levels (later keys win). */
function merge(a: Record<string, unknown>, b: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(a)) setOwn(out, k, v);
  for (const [k, v] of Object.entries(b)) {
    const prev = getOwn(out, k);
    setOwn(out, k, depth > 0 && isObject(prev) && isObject(v) ? merge(prev, v, depth - 1) : v);
  }
  return out;
}

function auditOf(v: Record<string, unknown>): Record<string, unknown> | undefined {
  const k = v.kubernetes;
  return isObject(k) && isObject(k.audit) ? k.audit : undefined;
}
function hasDottedAudit(v: Record<string, unknown>): boolean {
  for (const k in v) if (k.startsWith('kubernetes.audit.')) return true;
  return false;
}
function isSearchResponse(v: Record<string, unknown>): boolean {
  return isObject(v.hits) && Array.isArray(v.hits.hits);
}
function isHit(v: Record<string, unknown>): boolean {
  return isObject(v._source) && ('_index' in v || '_id' in v);
}

/** The adapters an `event.original` or a hit's `_source` may be in (not ECS itself: no recursion). */
const INNER: FormatAdapter[] = [aksAdapter, gkeAdapter, rawAdapter];

export const ecsAdapter: FormatAdapter = {
  name: 'ecs',
  description: "Elastic ECS documents of the kubernetes.audit_logs data stream (kubernetes.audit.*): _source lines, hits, search responses",
  detect(v) {
    return auditOf(v) !== undefined || isSearchResponse(v) || isHit(v) || hasDottedAudit(v);
  },
  decode(v, ctx, out) {
    if (isSearchResponse(v)) {
      const hits = (v.hits as Record<string, unknown>).hits as unknown[];
      if (hits.length === 0) return skip(out, ctx, 'search response with no hits');
      hits.forEach((h, i) => {
        const c = elementCtx(ctx, 'hits.hits', i);
        if (!isObject(h) || !isObject(h._source)) return reject(out, c, 'hit without a _source object');
        decodeSource(h._source, fieldCtx(c, '_source'), out);
      });
      return;
    }
    if (isHit(v)) return decodeSource(v._source as Record<string, unknown>, fieldCtx(ctx, '_source'), out);
    decodeSource(v, ctx, out);
  },
};

function decodeSource(src: Record<string, unknown>, ctx: DecodeContext, out: DecodeSink): void {
  const doc = expandDotted(src);
  const audit = auditOf(doc);
  if (!audit) {
    // A hit whose _source is not ECS (raw events indexed as they are, AKS records, LogEntries).
    const a = INNER.find((x) => x.detect(doc));
    if (a) return a.decode(doc, ctx, out);
    return reject(out, ctx, 'document without kubernetes.audit');
  }
  const cluster = ecsCluster(doc, audit);
  const fromOriginal = decodeOriginal(doc, ctx);
  if (fromOriginal) return emit(out, ctx, fromOriginal.event as Record<string, unknown>, 'ecs', cluster ?? fromOriginal.cluster);
  if (isObject(audit.protoPayload)) {
    const r = logEntryToEvent(logEntryFromEcs(audit));
    if (!r.ok) return reject(out, fieldCtx(ctx, 'kubernetes.audit'), r.reason);
    return emit(out, ctx, r.event, 'ecs', cluster ?? r.cluster);
  }
  emit(out, ctx, rebuild(doc, audit), 'ecs', cluster);
}

function ecsCluster(doc: Record<string, unknown>, audit: Record<string, unknown>): string | undefined {
  const orch = doc.orchestrator;
  const c = isObject(orch) && isObject(orch.cluster) ? orch.cluster.name : undefined;
  if (typeof c === 'string' && c !== '') return c;
  const aks = audit.aks_metadata;
  return isObject(aks) ? clusterFromResourceId(aks.resource_id) : undefined;
}

/** `event.original`, when it is there and decodes to exactly one event. */
function decodeOriginal(doc: Record<string, unknown>, ctx: DecodeContext): Decoded | undefined {
  const e = doc.event;
  if (!isObject(e) || typeof e.original !== 'string') return undefined;
  const parsed = parseJson(e.original);
  if (!parsed.ok || !isObject(parsed.value)) return undefined;
  const value = parsed.value;
  const a = INNER.find((x) => x.detect(value));
  if (!a) return undefined;
  const got: Decoded[] = [];
  let bad = 0;
  const sink: DecodeSink = {
    event: (d) => void got.push(d),
    reject: (_r: Rejection) => void bad++,
  };
  a.decode(value, { place: ctx.place }, sink);
  return got.length === 1 && bad === 0 ? got[0] : undefined;
}

/** The audit event from `kubernetes.audit.*` and the ECS copies. */
function rebuild(doc: Record<string, unknown>, audit: Record<string, unknown>): Record<string, unknown> {
  const ev: Record<string, unknown> = {};
  for (const k of EVENT_FIELDS) if (audit[k] !== undefined) ev[k] = audit[k];
  if (isObject(ev.annotations)) {
    const ann: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(ev.annotations)) setOwn(ann, restoreAnnotationKey(k), val);
    ev.annotations = ann;
  }
  const user = doc.user;
  const userName = isObject(user) ? user.name : undefined;
  if (typeof userName === 'string' && userName !== '') {
    if (ev.user === undefined || ev.user === null) ev.user = { username: userName };
    else if (isObject(ev.user) && ev.user.username === undefined) ev.user = { ...ev.user, username: userName };
  }
  if (ev.sourceIPs === undefined || ev.sourceIPs === null) {
    const ip = isObject(doc.source) ? doc.source.ip : undefined;
    if (typeof ip === 'string' && ip !== '') ev.sourceIPs = [ip];
    else if (Array.isArray(ip) && ip.length > 0 && ip.every((x) => typeof x === 'string')) ev.sourceIPs = ip;
  }
  if (ev.userAgent === undefined) {
    const ua = isObject(doc.user_agent) ? doc.user_agent.original : undefined;
    if (typeof ua === 'string' && ua !== '') ev.userAgent = ua;
  }
  return ev;
}

/** Puts back the GKE LogEntry that Elastic's pipeline spread over `kubernetes.audit`. */
function logEntryFromEcs(audit: Record<string, unknown>): Record<string, unknown> {
  const pp: Record<string, unknown> = { ...(audit.protoPayload as Record<string, unknown>) };
  const rs = audit.responseStatus;
  if (pp.status === undefined && isObject(rs) && typeof rs.code === 'number') pp.status = { code: rs.code };
  const entry: Record<string, unknown> = { protoPayload: pp };
  if (audit.resource !== undefined) entry.resource = audit.resource;
  if (audit.operation !== undefined) entry.operation = audit.operation;
  if (typeof audit.auditID === 'string') entry.insertId = audit.auditID;
  if (typeof audit.stageTimestamp === 'string') entry.timestamp = audit.stageTimestamp;
  if (isObject(audit.annotations)) {
    const labels: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(audit.annotations)) setOwn(labels, restoreAnnotationKey(k), val);
    entry.labels = labels;
  }
  return entry;
}
