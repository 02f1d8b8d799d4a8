/**
 * Serialisation of simulated requests into audit.k8s.io/v1 Event lines, the
 * way kube-apiserver writes them: Go's encoding/json (struct field order,
 * sorted map keys, `<`, `>`, `&` escaped as \u003c, \u003e, \u0026),
 * microsecond timestamps, and the audit policy that decides each request's
 * level.
 *
 * Lines are assembled from pre-serialised fragments (an identity's `user`
 * object, its source IPs, its user agent are serialised once and reused),
 * which is what makes a million lines in a few seconds possible.
 */

export type Level = 'Metadata' | 'Request' | 'RequestResponse';
export const LEVEL_RANK: Record<Level, number> = { Metadata: 0, Request: 1, RequestResponse: 2 };

export const STAGE_RECEIVED = 0;
export const STAGE_STARTED = 1;
export const STAGE_COMPLETE = 2;
export type StageNo = 0 | 1 | 2;
export const STAGE_NAMES = ['RequestReceived', 'ResponseStarted', 'ResponseComplete'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

const GO_UNSAFE = /[<>&\u2028\u2029]/;
const GO_UNSAFE_G = /[<>&\u2028\u2029]/g;
const GO_MAP: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** Applies Go's HTML-safe escaping to already-serialised JSON text. */
export function goEscape(json: string): string {
  return GO_UNSAFE.test(json) ? json.replace(GO_UNSAFE_G, (c) => GO_MAP[c]!) : json;
}

const PLAIN = /^[\w .:/=%,+@()$*&?-]*$/;
const AMP = /&/g;

/** A JSON string literal, escaped like Go's encoding/json. */
export function gs(s: string): string {
  if (PLAIN.test(s)) return s.indexOf('&') < 0 ? '"' + s + '"' : '"' + s.replace(AMP, '\\u0026') + '"';
  return goEscape(JSON.stringify(s));
}

/** Any JSON value, escaped like Go's encoding/json (key order = insertion order). */
export function gj(v: unknown): string {
  return goEscape(JSON.stringify(v));
}

// ---- timestamps -----------------------------------------------------------

let tsSec = -1;
let tsPrefix = '';
let tsSec2 = -1;
let tsPrefix2 = '';

/** metav1.MicroTime as the API server writes it: `2026-03-02T08:00:00.123456Z`. `us` is epoch microseconds. */
export function microTime(us: number): string {
  const sec = Math.floor(us / 1e6);
  let prefix: string;
  if (sec === tsSec) prefix = tsPrefix;
  else if (sec === tsSec2) prefix = tsPrefix2;
  else {
    prefix = new Date(sec * 1000).toISOString().slice(0, 19);
    tsSec2 = tsSec;
    tsPrefix2 = tsPrefix;
    tsSec = sec;
    tsPrefix = prefix;
  }
  return prefix + '.' + String(1e6 + (us - sec * 1e6)).slice(1) + 'Z';
}

/** metav1.Time (second precision): `2026-03-02T08:00:00Z`. */
export function secondTime(us: number): string {
  return new Date(Math.floor(us / 1e6) * 1000).toISOString().slice(0, 19) + 'Z';
}

// ---- identities ----------------------------------------------------------

export type ActorKind =
  | 'kubelet'
  | 'control-plane'
  | 'controller'
  | 'workload'
  | 'operator'
  | 'human'
  | 'ci-legacy'
  | 'attacker';

/** An authenticated caller as the audit log shows it, pre-serialised. */
export interface Actor {
  kind: ActorKind;
  username: string;
  /** `user` object JSON. */
  userJ: string;
  /** `sourceIPs` array JSON. */
  ipsJ: string;
  /** `userAgent` string JSON. */
  uaJ: string;
  /** `,"sourceIPs":…,"userAgent":…` — the fragment that follows `user` in a line. */
  fromJ: string;
  /** Annotations known at authentication (legacy-token), present from RequestReceived on; null if none. */
  authnAnn: [string, string][] | null;
  authnAnnJ: string | null;
  /** `authorization.k8s.io/reason` when allowed. */
  reason: string;
  /** Cached annotations JSON for an allowed request without extra annotations. */
  allowAnnJ: string;
}

export interface UserInfo {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export function userJson(u: UserInfo): string {
  const o: Record<string, unknown> = { username: u.username };
  if (u.uid !== undefined) o.uid = u.uid;
  if (u.groups !== undefined) o.groups = u.groups;
  if (u.extra !== undefined && Object.keys(u.extra).length > 0) {
    const keys = Object.keys(u.extra).sort();
    const extra: Record<string, string[]> = {};
    for (const k of keys) extra[k] = u.extra[k]!;
    o.extra = extra;
  }
  return gj(o);
}

export function makeActor(
  kind: ActorKind,
  user: UserInfo,
  sourceIPs: readonly string[],
  userAgent: string,
  reason: string,
  authnAnn: [string, string][] | null = null,
): Actor {
  const a: Actor = {
    kind,
    username: user.username,
    userJ: userJson(user),
    ipsJ: gj(sourceIPs),
    uaJ: gs(userAgent),
    fromJ: '',
    authnAnn,
    authnAnnJ: authnAnn ? annotationsJson(authnAnn) : null,
    reason,
    allowAnnJ: '',
  };
  a.fromJ = fromJson(a);
  a.allowAnnJ = annotationsJson([...(authnAnn ?? []), ['authorization.k8s.io/decision', 'allow'], ['authorization.k8s.io/reason', reason]]);
  return a;
}

function fromJson(a: Actor): string {
  return ',"sourceIPs":' + a.ipsJ + ',"userAgent":' + a.uaJ;
}

/** The same identity seen from other addresses (a token replayed elsewhere). */
export function withSource(a: Actor, sourceIPs: readonly string[], userAgent?: string, kind?: ActorKind): Actor {
  const b: Actor = { ...a, ipsJ: gj(sourceIPs), uaJ: userAgent === undefined ? a.uaJ : gs(userAgent), kind: kind ?? a.kind };
  b.fromJ = fromJson(b);
  return b;
}

/** Annotations as Go writes a map[string]string: keys sorted. */
export function annotationsJson(pairs: readonly (readonly [string, string])[]): string {
  const sorted = [...pairs].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  let s = '{';
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0) s += ',';
    s += gs(sorted[i]![0]) + ':' + gs(sorted[i]![1]);
  }
  return s + '}';
}

// ---- object references, URIs, status ---------------------------------------

export interface Ref {
  resource: string;
  namespace?: string;
  name?: string;
  apiGroup?: string;
  apiVersion?: string;
  subresource?: string;
}

/**
 * objectRef JSON in the Go struct's field order. Resource, group, version
 * and subresource come from the simulator's own constants (plain ASCII, no
 * escaping needed); namespace and name go through `gs`.
 */
export function refJson(r: Ref): string {
  let s = '{"resource":"' + r.resource + '"';
  if (r.namespace !== undefined) s += ',"namespace":' + gs(r.namespace);
  if (r.name !== undefined) s += ',"name":' + gs(r.name);
  if (r.apiGroup !== undefined) s += ',"apiGroup":"' + r.apiGroup + '"';
  s += r.apiVersion === undefined || r.apiVersion === 'v1' ? ',"apiVersion":"v1"' : ',"apiVersion":"' + r.apiVersion + '"';
  if (r.subresource !== undefined) s += ',"subresource":"' + r.subresource + '"';
  return s + '}';
}

/** The request path for a reference (without query). */
export function refPath(r: Ref): string {
  let p = r.apiGroup ? `/apis/${r.apiGroup}/${r.apiVersion ?? 'v1'}` : `/api/${r.apiVersion ?? 'v1'}`;
  if (r.namespace !== undefined) p += `/namespaces/${r.namespace}`;
  p += `/${r.resource}`;
  if (r.name !== undefined) p += `/${r.name}`;
  if (r.subresource !== undefined) p += `/${r.subresource}`;
  return p;
}

export const STATUS_OK = '{"metadata":{},"code":200}';
export const STATUS_CREATED = '{"metadata":{},"code":201}';
export const STATUS_SWITCHING = '{"metadata":{},"code":101}';

export function statusJson(code: number): string {
  if (code === 200) return STATUS_OK;
  if (code === 201) return STATUS_CREATED;
  if (code === 101) return STATUS_SWITCHING;
  return `{"metadata":{},"code":${code}}`;
}

const REASONS: Record<number, string> = { 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 422: 'Invalid' };

/** A failure Status as the API server returns it (and the audit log copies). */
export function failureJson(code: number, message: string, details?: { name?: string; group?: string; kind?: string }): string {
  const o: Record<string, unknown> = { metadata: {}, status: 'Failure', message, reason: REASONS[code] ?? 'Unknown' };
  if (details) o.details = details;
  o.code = code;
  return gj(o);
}

// ---- audit policy --------------------------------------------------------

export interface PolicyOptions {
  tokenRequestLevel: Level;
  secretLevel: Level;
}

const WRITE = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

/**
 * The simulated cluster's audit policy, in the spirit of the GKE / kubeadm
 * examples:
 *  - leases and events: Metadata (high volume, little value);
 *  - serviceaccounts/token: `tokenRequestLevel` (Request by default, so that
 *    `spec.expirationSeconds` is visible; Metadata if tokens must not be
 *    logged — kubernetes#102040);
 *  - secrets: `secretLevel` (Metadata by default), except writes in
 *    kube-system, logged at Request or above (persistence in kube-system is
 *    what a policy most wants to see);
 *  - configmaps, token/subject access reviews: Metadata;
 *  - RBAC: RequestResponse;
 *  - pods (and their subresources), workloads, nodes, service accounts,
 *    namespaces: Request;
 *  - everything else (CRDs, endpoint slices, metrics…): Metadata.
 */
export function policyLevel(p: PolicyOptions, ref: Ref | undefined, verb: string): Level {
  if (!ref) return 'Metadata';
  const res = ref.resource;
  if (res === 'leases' || res === 'events') return 'Metadata';
  if (res === 'serviceaccounts' && ref.subresource === 'token') return p.tokenRequestLevel;
  if (res === 'secrets') {
    if (ref.namespace === 'kube-system' && WRITE.has(verb) && p.secretLevel === 'Metadata') return 'Request';
    return p.secretLevel;
  }
  if (res === 'configmaps' || res === 'tokenreviews' || res === 'subjectaccessreviews') return 'Metadata';
  if (ref.apiGroup === 'rbac.authorization.k8s.io') return 'RequestResponse';
  if (
    res === 'pods' ||
    res === 'deployments' ||
    res === 'replicasets' ||
    res === 'statefulsets' ||
    res === 'daemonsets' ||
    res === 'jobs' ||
    res === 'nodes' ||
    res === 'serviceaccounts' ||
    res === 'namespaces'
  ) {
    return 'Request';
  }
  return 'Metadata';
}

// ---- the request record and its lines -------------------------------------

/** Membership of a request in a ground-truth group (an attack or a benign sample). */
export interface Tag {
  group: string;
  role: string;
}

/** One simulated API request; it yields one line per logged stage. */
export interface Req {
  id: string;
  level: Level;
  verb: string;
  /** `,"requestURI":…,"verb":…,"user":` (the user object itself comes from the actor). */
  uriJ: string;
  /** `,"impersonatedUser":{…}` or empty. */
  impJ: string;
  /** `,"objectRef":{…}` or empty. */
  refJ: string;
  /** requestReceivedTimestamp, formatted on first use. */
  rtJ: string;
  actor: Actor;
  statusJ: string;
  startedStatusJ: string | null;
  reqObjJ: string | null;
  respObjJ: string | null;
  annJ: string | null;
  /** Epoch microseconds: received, response started (long-running only; else -1), completed. */
  t0: number;
  tStarted: number;
  tDone: number;
  tag: Tag | null;
  /** Statistics bucket (actor kind, resource, level), an index into `Sim.statKeys`. */
  statIdx: number;
}

const HEAD: Record<Level, string> = {
  Metadata: '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"',
  Request: '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"',
  RequestResponse: '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"',
};
const STAGE_MID = ['","stage":"RequestReceived"', '","stage":"ResponseStarted"', '","stage":"ResponseComplete"'];

/**
 * One line of the log. As in real logs, RequestReceived carries no
 * responseStatus, no request body (it is decoded later) and only the
 * annotations set during authentication; authorization annotations appear
 * from ResponseStarted/ResponseComplete on.
 */
export function serialize(r: Req, stage: StageNo): string {
  let rt = r.rtJ;
  if (rt === '') rt = r.rtJ = ',"requestReceivedTimestamp":"' + microTime(r.t0) + '","stageTimestamp":"';
  if (stage === STAGE_RECEIVED) {
    const ann = r.actor.authnAnnJ;
    return HEAD[r.level] + r.id + STAGE_MID[0] + r.uriJ + r.actor.userJ + r.impJ + r.actor.fromJ + r.refJ + rt + microTime(r.t0) + (ann === null ? '"}' : '","annotations":' + ann + '}');
  }
  let s = HEAD[r.level] + r.id + STAGE_MID[stage] + r.uriJ + r.actor.userJ + r.impJ + r.actor.fromJ + r.refJ + ',"responseStatus":' + (stage === STAGE_STARTED ? r.startedStatusJ ?? STATUS_OK : r.statusJ);
  if (r.reqObjJ !== null) s += ',"requestObject":' + r.reqObjJ;
  if (stage === STAGE_COMPLETE && r.respObjJ !== null) s += ',"responseObject":' + r.respObjJ;
  s += rt + microTime(stage === STAGE_STARTED ? r.tStarted : r.tDone);
  return r.annJ === null ? s + '"}' : s + '","annotations":' + r.annJ + '}';
}

/**
 * Writes the same line as `serialize` (plus a newline) into `buf` at `off`
 * without building the line as a string; returns the new offset. The caller
 * guarantees room (see `maxLineLength`). ASCII only, copied byte for byte.
 */
export function serializeInto(r: Req, stage: StageNo, buf: Buffer, off: number): number {
  let rt = r.rtJ;
  if (rt === '') rt = r.rtJ = ',"requestReceivedTimestamp":"' + microTime(r.t0) + '","stageTimestamp":"';
  off += (buf as LatinBuffer).latin1Write(HEAD[r.level], off);
  off += (buf as LatinBuffer).latin1Write(r.id, off);
  off += (buf as LatinBuffer).latin1Write(STAGE_MID[stage]!, off);
  off += (buf as LatinBuffer).latin1Write(r.uriJ, off);
  off += (buf as LatinBuffer).latin1Write(r.actor.userJ, off);
  if (r.impJ !== '') off += (buf as LatinBuffer).latin1Write(r.impJ, off);
  off += (buf as LatinBuffer).latin1Write(r.actor.fromJ, off);
  if (r.refJ !== '') off += (buf as LatinBuffer).latin1Write(r.refJ, off);
  let ann: string | null;
  if (stage === STAGE_RECEIVED) {
    off += (buf as LatinBuffer).latin1Write(rt, off);
    off += (buf as LatinBuffer).latin1Write(microTime(r.t0), off);
    ann = r.actor.authnAnnJ;
  } else {
    off += (buf as LatinBuffer).latin1Write(',"responseStatus":', off);
    off += (buf as LatinBuffer).latin1Write(stage === STAGE_STARTED ? r.startedStatusJ ?? STATUS_OK : r.statusJ, off);
    if (r.reqObjJ !== null) {
      off += (buf as LatinBuffer).latin1Write(',"requestObject":', off);
      off += (buf as LatinBuffer).latin1Write(r.reqObjJ, off);
    }
    if (stage === STAGE_COMPLETE && r.respObjJ !== null) {
      off += (buf as LatinBuffer).latin1Write(',"responseObject":', off);
      off += (buf as LatinBuffer).latin1Write(r.respObjJ, off);
    }
    off += (buf as LatinBuffer).latin1Write(rt, off);
    off += (buf as LatinBuffer).latin1Write(microTime(stage === STAGE_STARTED ? r.tStarted : r.tDone), off);
    ann = r.annJ;
  }
  if (ann === null) {
    buf[off++] = 34; // "
    buf[off++] = 125; // }
  } else {
    off += (buf as LatinBuffer).latin1Write('","annotations":', off);
    off += (buf as LatinBuffer).latin1Write(ann, off);
    buf[off++] = 125;
  }
  buf[off++] = 10;
  return off;
}

/** An upper bound of the line's length (for buffer room). */
export function maxLineLength(r: Req): number {
  return 400 + r.uriJ.length + r.actor.userJ.length + r.impJ.length + r.actor.fromJ.length + r.refJ.length + r.rtJ.length + (r.reqObjJ?.length ?? 0) + (r.respObjJ?.length ?? 0) + (r.annJ?.length ?? 0) + (r.actor.authnAnnJ?.length ?? 0) + (r.statusJ.length);
}

/** Node's Buffer has latin1Write (a byte-for-byte copy), missing from @types/node. */
interface LatinBuffer extends Buffer {
  latin1Write(s: string, offset: number): number;
}
