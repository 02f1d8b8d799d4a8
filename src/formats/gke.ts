/**
 * Google Kubernetes Engine audit logs: Cloud Audit Logs `LogEntry` objects whose `protoPayload` is a
 * `type.googleapis.com/google.cloud.audit.AuditLog` with `serviceName` `k8s.io` (resource type `k8s_cluster`).
 * GKE converts each Kubernetes audit event into such an entry; this adapter maps it back to the audit.k8s.io/v1
 * Event shape, field by field, and leaves absent what the entry does not carry.
 *
 * Documentation followed: "GKE audit logging information" (cloud.google.com/kubernetes-engine/docs/how-to/audit-logging),
 * "Audit policy" (cloud.google.com/kubernetes-engine/docs/concepts/audit-policy), the AuditLog and LogEntry references
 * (cloud.google.com/logging/docs/reference/audit/auditlog/rest/Shared.Types/AuditLog,
 * cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry) and google.rpc.Code (googleapis google/rpc/code.proto).
 *
 * WHAT GKE DOES NOT LOG, and so this adapter can never produce:
 * - TokenRequest creates (`serviceaccounts/token`) are not in GKE's audit logs at all (Panther's rule text says so:
 *   "GCP GKE does not log TokenRequest API operations"); the mapping of `io.k8s.core.v1.serviceaccounts.token.create`
 *   below exists so that an entry of that method, should one appear, still gets the right objectRef.
 * - Data Access logs (get, list, watch: e.g. secret reads) are off by default; only Admin Activity (writes) is always on.
 * - No `user.groups`, no `user.extra` (so no credential-id / pod-name / node-name of bound tokens), no
 *   `impersonatedUser`, no `level`, no `stage`, no `stageTimestamp`, no query string of the request URI,
 *   no `kind`/`apiVersion` of the event. These stay absent.
 *
 * Mapping:
 * - `methodName` `io.k8s.<group>.<version>.<resource>[.<subresource>].<verb>` → `verb`, `objectRef.resource`,
 *   `objectRef.subresource`, `objectRef.apiVersion`; the group is written reversed (`io.k8s.authorization.rbac` is
 *   `rbac.authorization.k8s.io`, `io.k8s.core` is the core group, `io.k8s.apps` is `apps`). Non-resource requests are
 *   `io.k8s.<http method>` (`io.k8s.get` of `readyz`) → `verb` = the method, no objectRef.
 * - `resourceName` `<group>/<version>/[namespaces/<ns>/]<resource>[/<name>[/<subresource>]]` (`core` for the core
 *   group) → `objectRef.apiGroup` (absent for core, as in raw events), `namespace`, `name`, and `requestURI`
 *   rebuilt as the API path (`/api/v1/namespaces/ns/pods/name` or `/apis/<group>/<version>/...`; a create without
 *   subresource posts to the collection, so its path ends at the resource; for non-resource requests
 *   `/<resourceName>`) WITHOUT query string, which GKE does not keep.
 * - `authenticationInfo.principalEmail` → `user.username`; `requestMetadata.callerIp` → `sourceIPs` (one address);
 *   `requestMetadata.callerSuppliedUserAgent` → `userAgent`; LogEntry `timestamp` → `requestReceivedTimestamp`;
 *   `request` / `response` → `requestObject` / `responseObject` (without GKE's added `@type` key);
 *   LogEntry `labels` (where GKE puts the audit annotations, `authorization.k8s.io/decision` ...) → `annotations`;
 *   `operation.id`, else `insertId` → `auditID`; `resource.labels.cluster_name` → cluster.
 * - Response code (see gkeResponseStatus): a Kubernetes `Status` in `response` gives its own HTTP code; otherwise a
 *   non-zero `status.code` (google.rpc.Code) is mapped with code.proto's HTTP mapping (7 PERMISSION_DENIED → 403,
 *   16 → 401, 5 → 404, 6 and 10 → 409, 3/9/11 → 400, 8 → 429, 4 → 504, 12 → 501, 14 → 503, 1 → 499, 2/13/15 → 500;
 *   the exact code the API server sent can differ, e.g. a 422 arrives as 3 and reads 400); with no status code, an
 *   `authorizationInfo` entry with `granted: false` means the authorizer denied the request → 403. `status.code` 0
 *   or an empty/absent `status` says the call succeeded but not with which HTTP code: no code is set (never an
 *   invented 200 or 201).
 *
 * Envelopes: a JSON array (`gcloud logging read --format=json`), the Logging API `entries.list` response
 * `{"entries":[...]}`, and a Pub/Sub push request `{"message":{"data":<base64 LogEntry>},"subscription":...}` from a
 * log sink. Panther's GCP.AuditLog copies (`p_*` keys, `@type` renamed `at_sign_type`) are LogEntries too.
 */
import { isObject, parseJson, safeName, SERVICE_NAME, setOwn } from './json.js';
import { decodePayload } from './gzip-base64.js';
import { elementCtx, emit, fieldCtx, reject, skip } from './envelope.js';
import type { DecodeContext, DecodeSink, FormatAdapter } from './types.js';

const VERSION = /^v\d+(?:(?:alpha|beta)\d+)?$/;
/** API groups without dots, written `io.k8s.<group>` in method names. */
const LEGACY_GROUPS = new Set(['apps', 'batch', 'autoscaling', 'extensions', 'policy']);
const HTTP_VERBS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options']);

/** google.rpc.Code → HTTP status, as code.proto documents it ("HTTP Mapping"). 0 (OK) has no single HTTP code. */
export const RPC_TO_HTTP: Readonly<Record<number, number>> = {
  1: 499, 2: 500, 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429, 9: 400, 10: 409, 11: 400, 12: 501, 13: 500, 14: 503, 15: 500, 16: 401,
};

export interface GkeMethod {
  verb: string;
  resource?: string;
  subresource?: string;
  apiGroup?: string;
  apiVersion?: string;
}

/** Parses a GKE `methodName`; undefined when it names no verb. */
export function parseMethodName(method: string): GkeMethod | undefined {
  const segs = method.split('.');
  const vi = segs.findIndex((s, i) => i > 0 && VERSION.test(s));
  if (vi < 0) {
    // Non-resource request: io.k8s.<lower-cased HTTP method>
    const verb = segs[segs.length - 1]!;
    return segs.length >= 2 && HTTP_VERBS.has(verb) ? { verb } : undefined;
  }
  const after = segs.slice(vi + 1);
  if (after.length < 2 || after.some((s) => s === '')) return undefined;
  const sub = after.slice(1, -1).join('/');
  return {
    verb: after[after.length - 1]!,
    resource: after[0]!,
    ...(sub ? { subresource: sub } : {}),
    apiGroup: groupFromMethod(segs.slice(0, vi)),
    apiVersion: segs[vi]!,
  };
}

function groupFromMethod(segs: string[]): string {
  if (segs[0] === 'io' && segs[1] === 'k8s') {
    const rest = segs.slice(2);
    if (rest.length === 0 || (rest.length === 1 && rest[0] === 'core')) return '';
    if (rest.length === 1 && LEGACY_GROUPS.has(rest[0]!)) return rest[0]!;
    return [...rest].reverse().join('.') + '.k8s.io';
  }
  return [...segs].reverse().join('.');
}

export interface GkeResource {
  apiGroup: string;
  apiVersion: string;
  namespace?: string;
  resource?: string;
  name?: string;
  subresource?: string;
  path: string;
}

/** Parses a resource request's `resourceName`; `methodResource` disambiguates `core/v1/namespaces/<name>`. */
export function parseResourceName(rn: string, methodResource?: string): GkeResource | undefined {
  const parts = rn.split('/');
  if (parts.length < 3 || !VERSION.test(parts[1]!) || parts.some((p) => p === '')) return undefined;
  const apiGroup = parts[0] === 'core' ? '' : parts[0]!;
  const apiVersion = parts[1]!;
  let rest = parts.slice(2);
  const out: GkeResource = { apiGroup, apiVersion, path: '' };
  if (rest[0] === 'namespaces' && methodResource !== 'namespaces' && rest.length >= 3) {
    out.namespace = rest[1];
    rest = rest.slice(2);
  }
  out.resource = rest[0];
  if (rest.length > 1) out.name = rest[1];
  if (rest.length > 2) out.subresource = rest.slice(2).join('/');
  out.path = `${apiGroup === '' ? `/api/${apiVersion}` : `/apis/${apiGroup}/${apiVersion}`}/${parts.slice(2).join('/')}`;
  return out;
}

/** The responseStatus GKE lets us state honestly (see the header), or undefined. */
export function gkeResponseStatus(pp: Record<string, unknown>): Record<string, unknown> | undefined {
  const resp = pp.response;
  if (isObject(resp)) {
    const type = resp['@type'] ?? resp.at_sign_type;
    const isStatus = resp.kind === 'Status' || (typeof type === 'string' && /(^|[./])Status$/.test(type));
    if (isStatus && typeof resp.code === 'number' && resp.code >= 100 && resp.code <= 599) {
      const rs: Record<string, unknown> = { code: resp.code };
      for (const k of ['status', 'reason', 'message'] as const) if (typeof resp[k] === 'string') rs[k] = resp[k];
      return rs;
    }
  }
  const status = pp.status;
  const code = isObject(status) ? status.code : undefined;
  if (typeof code === 'number' && code !== 0) {
    const http = RPC_TO_HTTP[code];
    if (http === undefined) return undefined;
    const rs: Record<string, unknown> = { code: http };
    if (isObject(status) && typeof status.message === 'string' && status.message !== '') rs.message = status.message;
    return rs;
  }
  if (code === undefined && Array.isArray(pp.authorizationInfo) && pp.authorizationInfo.some((a) => isObject(a) && a.granted === false)) {
    return { code: 403 };
  }
  return undefined;
}

function withoutType(v: unknown): unknown {
  if (!isObject(v) || (!('@type' in v) && !('at_sign_type' in v))) return v;
  const { ['@type']: _t, at_sign_type: _a, ...rest } = v;
  return rest;
}

export type GkeResult = { ok: true; event: Record<string, unknown>; cluster?: string } | { ok: false; reason: string };

/** Maps one GKE LogEntry (with a k8s.io AuditLog protoPayload) to an audit event. */
export function logEntryToEvent(entry: Record<string, unknown>): GkeResult {
  const pp = entry.protoPayload;
  if (!isObject(pp)) return { ok: false, reason: 'LogEntry without a protoPayload object' };
  if (typeof pp.methodName !== 'string') return { ok: false, reason: 'protoPayload.methodName missing or not a string' };
  const m = parseMethodName(pp.methodName);
  if (!m) return { ok: false, reason: 'protoPayload.methodName names no Kubernetes verb' };
  const ev: Record<string, unknown> = {};
  const rn = typeof pp.resourceName === 'string' && pp.resourceName !== '' ? pp.resourceName : undefined;
  if (m.resource !== undefined) {
    const r = rn !== undefined ? parseResourceName(rn, m.resource) : undefined;
    const o: Record<string, unknown> = { resource: m.resource };
    if (m.subresource !== undefined) o.subresource = m.subresource;
    else if (r?.subresource !== undefined && r.resource === m.resource) o.subresource = r.subresource;
    if (r?.namespace !== undefined) o.namespace = r.namespace;
    if (r?.name !== undefined) o.name = r.name;
    const group = r ? r.apiGroup : m.apiGroup;
    if (group) o.apiGroup = group;
    o.apiVersion = r ? r.apiVersion : m.apiVersion;
    ev.objectRef = o;
    if (r) {
      // A create without subresource is a POST to the collection: its URI does not name the new object.
      const collection = m.verb === 'create' && o.subresource === undefined && r.name !== undefined && r.subresource === undefined;
      ev.requestURI = collection ? r.path.slice(0, r.path.length - r.name!.length - 1) : r.path;
    }
  } else if (rn !== undefined) {
    ev.requestURI = rn.startsWith('/') ? rn : `/${rn}`;
  }
  ev.verb = m.verb;
  const auth = pp.authenticationInfo;
  if (isObject(auth) && typeof auth.principalEmail === 'string' && auth.principalEmail !== '') ev.user = { username: auth.principalEmail };
  const meta = pp.requestMetadata;
  if (isObject(meta)) {
    const ip = typeof meta.callerIp === 'string' ? meta.callerIp : meta.callerIP; // callerIP: Panther's spelling
    if (typeof ip === 'string' && ip !== '') ev.sourceIPs = [ip];
    if (typeof meta.callerSuppliedUserAgent === 'string' && meta.callerSuppliedUserAgent !== '') ev.userAgent = meta.callerSuppliedUserAgent;
  }
  const rs = gkeResponseStatus(pp);
  if (rs) ev.responseStatus = rs;
  if (pp.request !== undefined && pp.request !== null) ev.requestObject = withoutType(pp.request);
  if (pp.response !== undefined && pp.response !== null) ev.responseObject = withoutType(pp.response);
  if (typeof entry.timestamp === 'string') ev.requestReceivedTimestamp = entry.timestamp;
  const op = entry.operation;
  const auditID = isObject(op) && typeof op.id === 'string' && op.id !== '' ? op.id : typeof entry.insertId === 'string' && entry.insertId !== '' ? entry.insertId : undefined;
  if (auditID !== undefined) ev.auditID = auditID;
  if (isObject(entry.labels)) {
    const ann: Record<string, string> = {};
    for (const [k, v] of Object.entries(entry.labels)) if (typeof v === 'string') setOwn(ann, k, v);
    if (Object.keys(ann).length > 0) ev.annotations = ann;
  }
  const res = entry.resource;
  const labels = isObject(res) ? res.labels : undefined;
  const cluster = isObject(labels) && typeof labels.cluster_name === 'string' && labels.cluster_name !== '' ? labels.cluster_name : undefined;
  return { ok: true, event: ev, ...(cluster !== undefined ? { cluster } : {}) };
}

/** A LogEntry whose protoPayload is a Kubernetes audit record. */
export function isK8sLogEntry(v: Record<string, unknown>): boolean {
  const pp = v.protoPayload;
  if (!isObject(pp)) return false;
  if (pp.serviceName === 'k8s.io') return true;
  if (typeof pp.methodName === 'string' && pp.methodName.startsWith('io.k8s.')) return true;
  return pp.serviceName === undefined && isObject(v.resource) && v.resource.type === 'k8s_cluster';
}
function isEntriesEnvelope(v: Record<string, unknown>): boolean {
  if (!Array.isArray(v.entries)) return false;
  const first = v.entries[0];
  return 'nextPageToken' in v || (isObject(first) && isObject(first.protoPayload));
}
function isPubSubPush(v: Record<string, unknown>): boolean {
  return isObject(v.message) && typeof v.message.data === 'string' && typeof v.subscription === 'string';
}

export const gkeAdapter: FormatAdapter = {
  name: 'gke',
  description: 'GKE Cloud Audit Logs LogEntry (protoPayload AuditLog, serviceName k8s.io); entries[] and Pub/Sub push envelopes',
  detect(v) {
    return isK8sLogEntry(v) || isEntriesEnvelope(v) || isPubSubPush(v);
  },
  decode(v, ctx, out) {
    if (isEntriesEnvelope(v)) {
      const entries = v.entries as unknown[];
      if (entries.length === 0) return skip(out, ctx, 'entries is empty');
      entries.forEach((e, i) => decodeEntry(e, elementCtx(ctx, 'entries', i), out, true));
      return;
    }
    if (isPubSubPush(v)) {
      const c = fieldCtx(ctx, 'message.data');
      const p = decodePayload((v.message as Record<string, unknown>).data as string);
      if (!p.ok) return reject(out, c, p.reason);
      const parsed = parseJson(p.text);
      if (!parsed.ok) return reject(out, c, parsed.reason);
      return decodeEntry(parsed.value, c, out, true);
    }
    decodeEntry(v, ctx, out, false);
  },
};

function decodeEntry(e: unknown, ctx: DecodeContext, out: DecodeSink, inEnvelope: boolean): void {
  if (!isObject(e)) return reject(out, ctx, 'LogEntry is not an object');
  if (inEnvelope && isObject(e.protoPayload) && !isK8sLogEntry(e)) {
    const svc = safeName((e.protoPayload as Record<string, unknown>).serviceName, SERVICE_NAME);
    return skip(out, ctx, `LogEntry of service ${svc ? `"${svc}"` : '(unnamed)'} is not a Kubernetes audit entry`);
  }
  const r = logEntryToEvent(e);
  if (!r.ok) return reject(out, ctx, r.reason);
  emit(out, ctx, r.event, 'gke', r.cluster);
}
